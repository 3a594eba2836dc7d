// Package wasm3examples holds three real programs that need WebAssembly
// 3.0, with their sources beside the binaries, which moat's tests run end
// to end through `moat run` on both engines (cmd/moat/wasm3_examples_test.go,
// cmd/moat/wasm3_ledger_test.go):
//
//   - threaded/threaded.c, threaded.wasm: a direct-threaded bytecode
//     interpreter in C whose handlers end in tail calls
//     (__attribute__((musttail)), clang -mtail-call): it runs millions of
//     bytecode instructions in constant stack. threaded_plain.wasm is the
//     same source with ordinary calls (-DPLAIN_CALLS, no tail calls): it
//     exhausts the call stack, which is what the tail calls avoid.
//   - ledger/ledger.cpp, ledger.wasm, ledger_clang22.wasm: a bank ledger in
//     C++ whose failures are C++ exceptions (clang -fwasm-exceptions):
//     typed errors caught by base class (a virtual base among them), by
//     value and by catch (...), rethrown from handlers and nested batches,
//     destructors that undo a transaction while an exception unwinds
//     through it, an exception crossing a thousand frames, one that nothing
//     catches, and one leaving a noexcept function (std::terminate).
//   - ledger/eh_check.cpp, eh_check.wasm: checks of C++ exception
//     semantics through the same runtime (how thrown types meet catch
//     clauses, the life of exception objects, throws through indirect
//     calls and rethrowing frames), each printing "ok".
//   - calc/calc.wat, calc.wasm: a recursive-descent calculator whose errors
//     are exceptions, in the text format (throw, try_table with catch
//     clauses, catch_all_ref and throw_ref to report and rethrow what it
//     cannot handle): the instructions one by one, as a person writes them.
//
// The ledger is built twice from the same sources. ledger.wasm by
// Debian's clang 14, which compiles -fwasm-exceptions to the legacy
// exception instructions (try, catch, rethrow, delegate), then binaryen
// 132's wasm-opt (npm's binaryen@132.0.0; Debian's 108 cannot) translates
// them to WebAssembly 3.0's try_table, throw_ref and exnref
// (--translate-to-exnref) and optimises. ledger_clang22.wasm by Debian's
// clang 22, which emits try_table and exnref itself given
// -mllvm -wasm-use-legacy-eh=false (legacy instructions are still its
// default), with no wasm-opt; it links the same libc++ 14 as the other
// build, because Debian's libc++-22-dev-wasm32 replaces the 14 one.
// Debian's libc++abi for wasm32-wasi (14, 19 and 22 alike) is built
// without exceptions: it has no __cxa_throw, __cxa_allocate_exception,
// __cxa_begin_catch or personality. So ledger/cxxabi.cpp is the program's
// own exception runtime: the Itanium C++ ABI's exception functions over
// WebAssembly exceptions, and the personality that reads a function's
// LSDA and matches thrown types against catch clauses by their type_info;
// ledger/tag.cpp defines the C++ tag for clang 22. eh_check.wasm is built
// by clang 22 only: clang 14 miscompiles one of its checks (a destructor
// run by unwinding that throws and catches its own exception; clang 14's
// cleanup then rethrows the destructor's exception, already destroyed,
// instead of the one unwinding), which V8 runs the same way moat does.
//
// `go generate ./examples/wasm3` rebuilds the binaries: it runs the
// package's tests with -update. calc.wasm needs only Go (moat's own text
// assembler). threaded.wasm and threaded_plain.wasm are built along one
// fixed pipeline (clang -O2 compiles, clang links without an -O flag, so
// that wasm-opt never runs): that needs clang, wasm-ld (lld), wasi-libc and
// compiler-rt for wasm32 (Debian: clang lld wasi-libc
// libclang-rt-14-dev-wasm32). ledger.wasm needs those, libc++ and
// libc++abi for wasm32 (Debian: libc++-14-dev-wasm32
// libc++abi-14-dev-wasm32), and binaryen 132's wasm-opt named by
// $MOAT_WASM_OPT; ledger_clang22.wasm needs clang 22 (Debian: clang-22
// lld-22 libclang-rt-22-dev-wasm32) and the same libraries:
//
//	npm install binaryen@132.0.0
//	MOAT_WASM_OPT=$PWD/node_modules/.bin/wasm-opt go generate ./examples/wasm3
//
// The .toolchain file beside each C and C++ binary records the versions
// that built it; the tests skip the rebuild, saying why, when
// the tools are missing or of other versions, so their verdict never
// depends on what is installed.
package wasm3examples

//go:generate go test -run UpToDate -update .
