package vm

import "github.com/moat-run/moat/internal/wasm"

// Global is a global variable. Lo holds every value but v128, whose high
// half is in Hi. Floats are stored as their bit patterns.
type Global struct {
	Type   *wasm.GlobalType
	Lo, Hi uint64
	// Module resolves the type indices in Type (its defining module; nil
	// for a host's global, whose type has none).
	Module *wasm.Module
}
