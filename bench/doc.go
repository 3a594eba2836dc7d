// Package bench runs the same WebAssembly kernels on moat and on its peers
// in one process, so their speed can be compared on equal terms: same module
// bytes, same input, same checksum.
//
// It is a separate Go module so that the core module never depends on a peer
// runtime. The kernels are ours, written in WAT under testdata/ beside their
// .wasm; `go generate` rebuilds the binaries (wabt's wat2wasm must be
// installed). The tests check the binaries against their sources with only
// Go, and compare them byte for byte with wat2wasm's output when the
// installed wat2wasm is wabt 1.0.32, which built them. BenchmarkKernels times one call per iteration on each engine,
// and cmd/compare prints a markdown table of the ratios.
//
// The sightglass programs of ../shared/bench, on moat's compiler, wazero's
// optimizing compiler and Wasmtime, are run by package peers and
// cmd/peers; cmd/artifacts compares compiling with loading compiled
// artifacts on moat and Wasmtime. moat serve under HTTP load is measured by
// package serveload and cmd/serveload.
package bench

//go:generate wat2wasm testdata/fib.wat -o testdata/fib.wasm
//go:generate wat2wasm testdata/sieve.wat -o testdata/sieve.wasm
//go:generate wat2wasm testdata/matmul.wat -o testdata/matmul.wasm
//go:generate wat2wasm testdata/memcopy.wat -o testdata/memcopy.wasm
//go:generate wat2wasm testdata/mandelbrot.wat -o testdata/mandelbrot.wasm
