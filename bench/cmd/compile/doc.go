// Command compile measures compile time alone: it compiles .wasm files
// (and, with -gostd, test binaries of Go standard-library packages built
// for GOOS=wasip1 at run time into a temporary folder) on moat's compiler
// and its peers, one after the other in one process, and prints a markdown
// table of median compile times with the first engine's time over each
// other's and their geometric means.
//
//	go run ./cmd/compile -threads 1 -gostd all
//	go run ./cmd/compile -threads 2 -engines moat,wazero x.wasm y.wasm
//	go run ./cmd/compile -clock cpu -gostd regexp    # CPU time: steadier on a loaded machine
//	go run ./cmd/compile -engines moat -threads 1 -cpuprofile moat.prof -gostd text/template
//	go run ./cmd/compile -live-merges 500x5000,1000x10000   # stress.LiveAcrossMerges shapes
//	go run ./cmd/compile -clock cpu -engines moat,wazero -size-classes 100,1024,8192,65536 -gostd strings
//
// -threads sets GOMAXPROCS for the measurement (moat compiles on that many
// workers; wazero compiles serially whatever it is) and, when 1, turns
// Wasmtime's parallel compilation off, so that -threads 1 compares the
// compilers' work on one core. Engines: moat, moat-interp (moat's
// interpreter translation), wazero, wazero-interp, wasmtime (Cranelift,
// default optimization level) and wasmtime-o0 (Cranelift without
// optimization). Nothing is cached between runs: every compile uses a new
// engine.
//
// -size-classes compiles, instead of each module, one copy of it per class
// of function body size that keeps only that class's bodies and one that
// keeps none (every other body becomes `unreachable`; sizeclass.go): a
// class's row minus the "none" row is what each engine spends on those
// functions, so the table shows where a module's ratio comes from.
package main
