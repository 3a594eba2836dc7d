package compiler

import (
	"github.com/moat-run/moat/internal/wasm"
)

// compiledFeatures are the features beyond WebAssembly 2.0 that compiled
// code runs: all of WebAssembly 3.0, garbage collection included.
// Extended constant expressions need nothing of the compiler (they are
// evaluated at instantiation, GC allocations included).
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
