// Command stdtests builds test binaries of Go's standard library for
// GOOS=wasip1 (`go test -c`) and runs each on wazero's optimizing compiler
// and on moat's compiler and interpreter (`moat run`, built from this
// repository), as Go's own wasip1 runner (lib/wasm/go_wasip1_wasm_exec)
// runs them: the host's root directory granted as the guest's, PWD set to
// the package's source directory (the working directory of every run too),
// so tests find their testdata. Every run gets -test.short and a timeout.
// It prints a markdown table: PASS, FAIL or the trap per package and
// runner, with the wall time of each run.
//
//	go run ./cmd/stdtests
//	go run ./cmd/stdtests -pkgs strconv,encoding/json -runners moat-compiler
//	go run ./cmd/stdtests -moat-flags '-W max-wasm-stack=1M'
//
// Binaries are kept in -work (default: a directory under the user cache)
// and rebuilt only when missing. Runs go -j at a time.
package main
