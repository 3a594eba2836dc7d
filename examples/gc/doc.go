// Package gcexamples holds a real program compiled by a compiler that
// targets WebAssembly GC, with its source beside the binary, which moat's
// tests run end to end:
//
//   - kotlin/main.kt, kotlin/prog.wasm: Kotlin/Wasm for WASI (kotlinc-wasm
//     2.4.20, -Xwasm-target=wasm-wasi with the standard exception
//     proposal). Sealed classes, data classes, a persistent tree of 20,000
//     insertions (which makes plenty of garbage), HashMap, sorting with
//     comparators, StringBuilder, lambdas, sequences and exceptions are all
//     structs, arrays, i31s, casts and exnrefs of WebAssembly 3.0.
//     kotlin/expected.txt is its output; TestKotlinProgram runs it on the
//     interpreter with the GC heap verified after every collection.
//
// `go generate ./examples/gc` rebuilds prog.wasm with kotlinc-wasm (the
// npm package kotlin-compiler@2.4.20 ships it with the WASI standard
// library, and needs a Java runtime): it runs the package's tests with
// -update, which need $KOTLIN_HOME (the package's directory) and skip with
// a message when it is unset or holds another version. Everything else
// needs only Go.
package gcexamples

//go:generate go test -run KotlinBinary -update .
