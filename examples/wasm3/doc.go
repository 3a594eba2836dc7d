// Package wasm3examples holds two real programs that need WebAssembly 3.0,
// with their sources beside the binaries, which moat's tests run end to
// end through `moat run` on both engines (cmd/moat/wasm3_examples_test.go):
//
//   - threaded/threaded.c, threaded.wasm: a direct-threaded bytecode
//     interpreter in C whose handlers end in tail calls
//     (__attribute__((musttail)), clang -mtail-call): it runs millions of
//     bytecode instructions in constant stack. threaded_plain.wasm is the
//     same source with ordinary calls (-DPLAIN_CALLS, no tail calls): it
//     exhausts the call stack, which is what the tail calls avoid.
//   - calc/calc.wat, calc.wasm: a recursive-descent calculator whose errors
//     are exceptions (throw, try_table with catch clauses, catch_all_ref and
//     throw_ref to report and rethrow what it cannot handle).
//
// The calculator is written in the text format: C++ exceptions are out of
// reach of Debian's toolchain. Debian's clang 14 compiles -fwasm-exceptions
// to the legacy exception instructions (try, catch, rethrow, delegate),
// not to WebAssembly 3.0's try_table and exnref, and its binaryen (108)
// cannot translate them; Debian's libc++abi for wasm32-wasi
// (libc++abi-14-dev-wasm32) is built without exception support (linking
// such a program fails on __cxa_throw, __cxa_allocate_exception and
// _Unwind_CallPersonality).
//
// `go generate ./examples/wasm3` rebuilds the binaries: it runs the
// package's tests with -update. calc.wasm needs only Go (moat's own text
// assembler). threaded.wasm and threaded_plain.wasm are built along one
// fixed pipeline (clang -O2 compiles, clang links without an -O flag, so
// that wasm-opt never runs): that needs clang, wasm-ld (lld), wasi-libc and
// compiler-rt for wasm32 (Debian: clang lld wasi-libc
// libclang-rt-14-dev-wasm32). threaded/threaded.toolchain records the
// versions that built them; the tests skip the rebuild, saying why, when
// the tools are missing or of other versions, so their verdict never
// depends on what is installed.
package wasm3examples

//go:generate go test -run UpToDate -update .
