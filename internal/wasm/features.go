package wasm

import "strings"

// Features is a set of WebAssembly features beyond 2.0, by the names
// Wasmtime's -W flags use. The validator records in Module.Features which
// ones a module uses; an embedder may refuse a module that uses a feature
// it turned off, and an engine one it cannot run.
type Features uint32

const (
	FeatureTailCall           Features = 1 << iota // return_call, return_call_indirect, return_call_ref
	FeatureFunctionReferences                      // typed references: (ref $t), call_ref, br_on_null, …
	FeatureExceptions                              // tags, throw, throw_ref, try_table, exnref
	FeatureMultiMemory                             // more than one memory, memory indices other than 0
	FeatureMemory64                                // i64-addressed memories and tables
	FeatureRelaxedSIMD                             // the relaxed SIMD instructions
	FeatureExtendedConst                           // i32/i64 add, sub and mul in constant expressions
	FeatureGC                                      // struct and array types, casts, i31, subtyping
)

// AllFeatures is every feature of WebAssembly 3.0.
const AllFeatures = FeatureTailCall | FeatureFunctionReferences | FeatureExceptions | FeatureMultiMemory |
	FeatureMemory64 | FeatureRelaxedSIMD | FeatureExtendedConst | FeatureGC

var featureNames = []struct {
	f    Features
	name string
}{
	{FeatureTailCall, "tail-call"},
	{FeatureFunctionReferences, "function-references"},
	{FeatureExceptions, "exceptions"},
	{FeatureMultiMemory, "multi-memory"},
	{FeatureMemory64, "memory64"},
	{FeatureRelaxedSIMD, "relaxed-simd"},
	{FeatureExtendedConst, "extended-const"},
	{FeatureGC, "gc"},
}

// String lists the features by name, comma-separated.
func (f Features) String() string {
	var names []string
	for _, n := range featureNames {
		if f&n.f != 0 {
			names = append(names, n.name)
		}
	}
	return strings.Join(names, ",")
}

// FeatureByName returns the feature with Wasmtime's name s ("tail-call", …).
func FeatureByName(s string) (Features, bool) {
	for _, n := range featureNames {
		if n.name == s {
			return n.f, true
		}
	}
	return 0, false
}

// FeatureNames lists every feature's name, in a fixed order.
func FeatureNames() []string {
	names := make([]string, len(featureNames))
	for i, n := range featureNames {
		names[i] = n.name
	}
	return names
}

// Feature is the post-2.0 feature that introduced op, or 0 (also for an
// unknown opcode).
func (op Opcode) Feature() Features {
	if info := op.Info(); info != nil {
		return info.Feature
	}
	return 0
}

// init records each opcode's feature in its OpInfo, so that Feature is one
// table lookup (decoders and validators ask for every instruction).
func init() {
	for i := range opInfoFB {
		opInfoFB[i].Feature = FeatureGC
	}
	for i := range opInfoFDRelaxed {
		opInfoFDRelaxed[i].Feature = FeatureRelaxedSIMD
	}
	for op, f := range opcodeFeatures {
		op.Info().Feature = f
	}
}

// opcodeFeatures lists the one-byte opcodes that came after 2.0.
var opcodeFeatures = map[Opcode]Features{
	OpReturnCall: FeatureTailCall, OpReturnCallIndirect: FeatureTailCall, OpReturnCallRef: FeatureTailCall,
	OpCallRef: FeatureFunctionReferences, OpRefAsNonNull: FeatureFunctionReferences,
	OpBrOnNull: FeatureFunctionReferences, OpBrOnNonNull: FeatureFunctionReferences,
	OpThrow: FeatureExceptions, OpThrowRef: FeatureExceptions, OpTryTable: FeatureExceptions,
	OpRefEq: FeatureGC,
}
