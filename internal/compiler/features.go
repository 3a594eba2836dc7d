package compiler

import "github.com/moat-run/moat/internal/wasm"

// compiledFeatures are the features beyond WebAssembly 2.0 that compiled
// code runs. Extended constant expressions need nothing of the compiler:
// constant expressions are evaluated at instantiation.
const compiledFeatures = wasm.FeatureExtendedConst

// checkFeatures refuses a module that uses a feature the compiler does not
// compile yet, naming the feature, so that nothing half-works.
func checkFeatures(m *wasm.Module) error {
	missing := m.Features &^ compiledFeatures
	if missing == 0 {
		return nil
	}
	first := missing & -missing
	if missing&wasm.FeatureGC != 0 {
		first = wasm.FeatureGC // a GC module uses typed references too; GC is what it needs
	}
	return wasm.Unsupportedf(first, -1,
		"the compiler engine does not support %s yet (the module uses %s); the interpreter engine runs it", first, missing)
}
