package compiler

import "github.com/moat-run/moat/internal/wasm"

// compiledFeatures are the features beyond WebAssembly 2.0 that compiled
// code runs: all of WebAssembly 3.0 that the validator accepts. Extended
// constant expressions need nothing of the compiler (they are evaluated at
// instantiation). Of garbage collection, the validator accepts only what
// needs no collector (struct and array types declared, the abstract
// reference types, reading earlier globals in constant expressions): a
// reference of any type is a word here as in the interpreter. Its
// instructions are refused as unsupported by the validator, and by the
// frontend should one reach it (translate.go).
const compiledFeatures = wasm.AllFeatures

// checkFeatures refuses a module that uses a feature the compiler does not
// compile, naming the feature, so that nothing half-works.
func checkFeatures(m *wasm.Module) error {
	missing := m.Features &^ compiledFeatures
	if missing == 0 {
		return nil
	}
	first := missing & -missing
	return wasm.Unsupportedf(first, -1,
		"the compiler engine does not support %s (the module uses %s); the interpreter engine runs it", first, missing)
}
