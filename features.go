package moat

import (
	"errors"
	"fmt"

	"github.com/moat-run/moat/internal/binary"
	"github.com/moat-run/moat/internal/validate"
	"github.com/moat-run/moat/internal/wasm"
)

// Features is a set of WebAssembly 3.0 features, named as Wasmtime names
// them. Every feature is on by default; Config.DisabledFeatures turns some
// off, and a module that uses one then fails to compile with a
// *CompileError (for binary encodings that did not exist before the
// feature, as the spec's 2.0 decoder reports them: malformed).
type Features uint32

const (
	FeatureTailCall           = Features(wasm.FeatureTailCall)           // "tail-call": return_call and friends
	FeatureFunctionReferences = Features(wasm.FeatureFunctionReferences) // "function-references": (ref $t), call_ref, br_on_null, …
	FeatureExceptions         = Features(wasm.FeatureExceptions)         // "exceptions": tags, throw, throw_ref, try_table, exnref
	FeatureMultiMemory        = Features(wasm.FeatureMultiMemory)        // "multi-memory": more than one memory
	FeatureMemory64           = Features(wasm.FeatureMemory64)           // "memory64": i64-addressed memories and tables
	FeatureRelaxedSIMD        = Features(wasm.FeatureRelaxedSIMD)        // "relaxed-simd"
	FeatureExtendedConst      = Features(wasm.FeatureExtendedConst)      // "extended-const": arithmetic in constant expressions
	FeatureGC                 = Features(wasm.FeatureGC)                 // "gc": struct and array types, casts, i31, subtyping
)

// AllFeatures is every feature of WebAssembly 3.0.
const AllFeatures = Features(wasm.AllFeatures)

// String lists the features by name, comma-separated.
func (f Features) String() string { return wasm.Features(f).String() }

// ParseFeature returns the feature named s ("tail-call", "memory64", …).
func ParseFeature(s string) (Features, error) {
	f, ok := wasm.FeatureByName(s)
	if !ok {
		return 0, fmt.Errorf("moat: unknown feature %q (known: %v)", s, wasm.FeatureNames())
	}
	return Features(f), nil
}

// explainDisabled turns err, the decoder's or validator's rejection of b
// with Config.DisabledFeatures off, into one that names the features at
// fault when b is a valid module with every feature on: its Kind stays the
// one WebAssembly without those features gives (malformed for an encoding
// that did not exist, as the 2.0 spec suite expects), its Feature is set
// and its message says which features are turned off. Any other error is
// returned as is. It decodes and validates b again, which only a rejected
// module pays for.
func (e *Engine) explainDisabled(b []byte, err error) error {
	off := wasm.Features(e.cfg.DisabledFeatures)
	var we *wasm.Error
	if off == 0 || !errors.As(err, &we) || we.Kind == wasm.Unsupported {
		return err
	}
	m, derr := binary.Decode(b)
	if derr != nil || validate.Module(m) != nil {
		return err
	}
	used := m.Features & off
	if used == 0 {
		return err
	}
	explained := *we
	explained.Feature = used & -used
	explained.Msg += fmt.Sprintf(" (the module uses %s, turned off)", used)
	return &explained
}
