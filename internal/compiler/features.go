package compiler

import (
	"fmt"

	"github.com/moat-run/moat/internal/wasm"
)

// compiledFeatures are the features beyond WebAssembly 2.0 that compiled
// code runs: all of WebAssembly 3.0. Extended constant expressions need
// nothing of the compiler (they are evaluated at instantiation). Of
// garbage collection, whose flag the validator also sets for what came
// with it but needs no collector (recursion groups, subtyping of function
// types, the abstract reference types, declared struct and array types,
// reading defined globals in constant expressions), only that part runs: a
// reference of any type is a word here as in the interpreter. What needs
// the collector is refused by checkGC and the frontend.
const compiledFeatures = wasm.AllFeatures

// checkFeatures refuses a module that uses a feature the compiler does not
// compile, naming the feature, so that nothing half-works.
func checkFeatures(m *wasm.Module) error {
	missing := m.Features &^ compiledFeatures
	if missing == 0 {
		return checkGC(m)
	}
	first := missing & -missing
	if missing&wasm.FeatureGC != 0 {
		first = wasm.FeatureGC // a GC module uses typed references too; GC is what it needs
	}
	return wasm.Unsupportedf(first, -1,
		"the compiler engine does not support %s (the module uses %s); the interpreter engine runs it", first, missing)
}

// checkGC refuses a module that needs garbage collection beyond what the
// validator's flag covers and the compiler runs: one whose constant
// expressions use a GC instruction (allocations, i31, conversions). GC
// instructions in function bodies are refused by the frontend, which reads
// every body anyway. Struct and array types that are only declared need
// nothing (no value of them can exist without those instructions).
func checkGC(m *wasm.Module) error {
	if m.Features&wasm.FeatureGC == 0 {
		return nil
	}
	var exprs []wasm.ConstExpr
	for _, g := range m.Globals {
		exprs = append(exprs, g.Init)
	}
	for _, t := range m.Tables {
		if t.HasInit {
			exprs = append(exprs, t.Init)
		}
	}
	for _, e := range m.Elems {
		exprs = append(append(exprs, e.Offset), e.Items...)
	}
	for _, d := range m.Datas {
		exprs = append(exprs, d.Offset)
	}
	for _, e := range exprs {
		for _, in := range e.Instrs {
			if in.Op.Feature() == wasm.FeatureGC {
				return unsupportedGC(e.Offset, "%s in a constant expression", in.Op)
			}
		}
	}
	return nil
}

// unsupportedGC is checkGC's error.
func unsupportedGC(offset int, format string, args ...any) error {
	return wasm.Unsupportedf(wasm.FeatureGC, offset,
		"the compiler engine does not support garbage collection (%s); the interpreter engine runs it", fmt.Sprintf(format, args...))
}
