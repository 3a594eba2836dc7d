// Package wasm is the module model every stage of moat shares: value and
// function types, the sections of a decoded module, the opcode table and the
// error type for malformed and invalid modules.
//
// It stands at the start of the pipeline (decode → validate → interp, or
// frontend → ssa → backend → vm) and holds data only: the decoder in
// internal/binary fills a Module, the validator checks it, and the engines
// read it. Nothing here executes code or allocates runtime state, so one
// Module can back any number of instances on any engine.
package wasm

//go:generate go run ./internal/opgen opcodes.txt opcodes_gen.go
