// Package wasiexamples holds two real WASI programs, with their sources
// beside the binaries, that moat's tests run end to end through `moat run`
// (see cmd/moat/wasi_examples_test.go):
//
//   - tourc/tour.c, tourc/tour_c.wasm: C through clang and wasi-libc.
//   - tourgo/main_wasip1.go, tourgo/tour_go.wasm: Go through GOOS=wasip1 GOARCH=wasm.
//
// Both take `DIR CODE`: they print their arguments and environment, read
// stdin, create, append to, read, rename, list and delete files and
// directories under DIR, try to escape DIR, read the clocks, sleep, and exit
// with CODE. They print only what does not vary between runs, so the tests
// compare their output exactly:
//
//	moat run --dir /tmp/x::/data --env GREETING=hi examples/wasi/tourc/tour_c.wasm /data 7 <input
//
// `go generate ./examples/wasi` rebuilds both binaries: it runs the
// package's tests with -update. tour_c.wasm is built along one fixed
// pipeline (generate_test.go, buildC): clang -O2 compiles, clang links
// without an -O flag (given one, clang would also run wasm-opt whenever
// wasm-opt is on PATH, so the bytes would depend on what is installed),
// then wasm-opt -O2 runs explicitly. That needs clang, wasm-ld (lld),
// wasi-libc, compiler-rt for wasm32 and binaryen's wasm-opt (Debian: clang
// lld wasi-libc libclang-rt-14-dev-wasm32 binaryen); tour_go.wasm needs only
// the go command. tourc/tour_c.toolchain records the versions of the C
// tools that built tour_c.wasm (and digests of the libraries they link).
//
// The tests check that the committed binaries match their sources. Their
// verdict never depends on what happens to be installed: without one of
// the tools above, or with other versions than the recorded ones (another
// go for tour_go.wasm), the check is skipped with a message naming what is
// missing or different; everything else in the repository needs only Go.
package wasiexamples

//go:generate go test -run BinaryUpToDate -update .
