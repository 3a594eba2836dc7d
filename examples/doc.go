// Package examples holds small WebAssembly modules that show how to use the
// moat command, with their WAT source beside the binaries:
//
//   - fib.wat / fib.wasm: recursive "fib" and iterative "fib_iter", i32 -> i32.
//     `moat run --invoke fib examples/fib.wasm 20` prints 6765.
//   - trap.wat / trap.wasm: "average" divides by its second argument three
//     calls deep, so `moat run --invoke average examples/trap.wasm 10 0`
//     traps and prints a backtrace with the name section's function names.
//
// The package has no Go code to speak of; it exists so that `go generate
// ./examples` rebuilds the binaries (wabt's wat2wasm must be installed) and
// its tests check that the binaries decode, run and match their sources.
// That check needs only Go (moat's own parser and decoder must read the
// same module from both); rebuilding with wat2wasm and comparing bytes runs
// too when the installed wat2wasm is wabt 1.0.32, which built them, and is
// skipped, saying so, otherwise.
package examples

//go:generate wat2wasm fib.wat -o fib.wasm
//go:generate wat2wasm --debug-names trap.wat -o trap.wasm
