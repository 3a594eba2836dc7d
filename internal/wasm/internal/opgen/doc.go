// Command opgen generates internal/wasm/opcodes_gen.go from opcodes.txt, the
// one table of WebAssembly instructions (encoding, text name, immediates,
// stack signature) that the decoder, validator, text parser and engines all
// read. It runs through `go generate ./internal/wasm`; its test fails when
// the generated file is stale.
package main
