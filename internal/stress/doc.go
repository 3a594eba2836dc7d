// Package stress generates WebAssembly modules of shapes that stress a
// compiler's time and memory, for the tests and benchmarks that hold the
// compiler to linear cost and to its compile budget. The modules are valid
// and small to write down, but their functions are large in the dimensions
// that make register allocation and liveness expensive (merges.go,
// shapes.go), or their sections in what decoding and instantiating build
// (sections.go: globals, element segments, tables).
//
// It imports only the standard library and stands outside the pipeline: the
// tests of package moat, internal/compiler and the bench module's compile
// harness use it.
package stress
