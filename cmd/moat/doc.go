// Command moat runs and examines WebAssembly modules with the moat runtime.
// It sits on top of the whole pipeline: it reads a module file, hands it to
// the public moat package (decode, validate, compile, instantiate) and
// reports results, traps and compile errors in a form meant for people.
//
// Usage:
//
//	moat run [--engine E] [--dir HOST[::GUEST]]... [--env NAME=VALUE]... MODULE [ARGS...]
//	moat run [--engine E] --invoke NAME MODULE [ARGS...]
//	moat inspect [--asm FUNC] MODULE
//	moat spectest [--engine E] PATH...     (.wast scripts or wast2json .json)
//	moat wat2wasm [--no-check] IN.wat [-o OUT.wasm]
//	moat wasm2wat IN.wasm [-o OUT.wat]
//	moat serve [FLAGS] MODULE | --config FILE  (HTTP, a fresh sandbox per request)
//	moat push [--plain-http] [--artifact FILE] MODULE REF
//	moat pull [--plain-http] [--store DIR] [-o FILE] REF
//	moat version                            (also moat --version, moat -V)
//	moat help [COMMAND]
//	moat [RUN FLAGS] MODULE [ARGS...]       (moat run, as wasmtime MODULE runs it)
//
// A first argument that is no command but a flag, an existing file or a
// name ending in .wasm, .wat or .wast starts `moat run`; a command name
// always wins over a file of that name (moat ./NAME runs the file).
//
// A MODULE may be in the binary or the text format (.wasm or .wat): the
// file's content decides (see readModule).
//
// moat serve is package serve's handler wrapped in a server (routes,
// health checks, metrics, access log, graceful shutdown, reload:
// internal/server); moat push and pull move modules to and from OCI
// registries (internal/oci). These are the only packages that use
// libraries beyond the standard library and golang.org/x/sys (the
// Prometheus client, oras-go); the library packages never do.
//
// A command line a command cannot parse gets one line, the problem and
// "run 'moat help COMMAND' for usage", and exit status 2.
//
// Exit status: 0 on success, 1 when the module traps, fails to compile or a
// spec test fails, 2 for usage errors. A WASI program run by `moat run`
// exits with its own proc_exit code (1, with an error, for a code of 126 or
// more, which WASI does not define), or 134 when it traps. A bad module or
// a trap never crashes the command: it prints a typed error instead.
package main
