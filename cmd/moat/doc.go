// Command moat runs and examines WebAssembly modules with the moat runtime.
// It sits on top of the whole pipeline: it reads a module file, hands it to
// the public moat package (decode, validate, compile, instantiate) and
// reports results, traps and compile errors in a form meant for people.
//
// Usage:
//
//	moat run [--engine interp|compiler|auto] [--invoke NAME] MODULE [ARGS...]
//	moat inspect MODULE
//	moat spectest [--engine E] PATH...
//	moat help [COMMAND]
//
// Exit status: 0 on success, 1 when the module traps, fails to compile or a
// spec test fails, 2 for usage errors. A bad module or a trap never crashes
// the command: it prints a typed error instead.
package main
