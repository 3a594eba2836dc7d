// Command artifacts compares compiling a module with loading it compiled
// ahead of time, on moat (Module.Serialize, Engine.DeserializeFile: mapped,
// digest checked) and on Wasmtime (Module.Serialize,
// NewModuleDeserializeFile: mapped, not checked), one after the other in
// one process, for the largest benchmark program (regex) and a Go wasip1
// test binary (`go test -c regexp`, built on first use).
//
//	go run ./cmd/artifacts -runs 9
//	go run ./cmd/artifacts -gowasm /tmp/regexp.test.wasm
//
// Cells are medians of -runs fresh compiles and of -runs loads.
package main
