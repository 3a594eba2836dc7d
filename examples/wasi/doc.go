// Package wasiexamples holds two real WASI programs, with their sources
// beside the binaries, that moat's tests run end to end through `moat run`
// (see cmd/moat/wasi_examples_test.go):
//
//   - tourc/tour.c, tourc/tour_c.wasm: C through clang and wasi-libc (Debian: clang lld
//     wasi-libc libclang-rt-14-dev-wasm32).
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
// `go generate ./examples/wasi` rebuilds both binaries; the package's test
// checks that they match their sources when the tools are installed.
package wasiexamples

//go:generate clang --target=wasm32-wasi -O2 -Wall -Wextra -s -o tourc/tour_c.wasm tourc/tour.c
//go:generate chmod 644 tourc/tour_c.wasm
//go:generate env GOOS=wasip1 GOARCH=wasm go build -trimpath -buildvcs=false "-ldflags=-s -w" -o tourgo/tour_go.wasm ./tourgo
//go:generate chmod 644 tourgo/tour_go.wasm
