package validate

import (
	"fmt"

	"github.com/moat-run/moat/internal/binary"
	"github.com/moat-run/moat/internal/wasm"
)

// unknown is the operand type of values popped from the polymorphic stack
// of unreachable code: it matches every type.
const unknown wasm.ValType = 0

// botRef is the reference type of an unknown operand used as a reference:
// (ref bot), a subtype of every reference type.
var botRef = wasm.RefType(false, wasm.HeapBot)

// maxOperands bounds the operand stack of one function. The spec sets no
// limit, but a body that calls a many-result function over and over could
// otherwise make the validator's memory grow with the square of the module
// size. A million values is far beyond anything a real compiler emits.
const maxOperands = 1 << 20

// maxFlatLocals is how many locals a function may have before its local
// types are looked up by binary search over the run-length entries instead
// of being copied into a flat table.
const maxFlatLocals = 1 << 16

// validator is the state of one module validation. The buffers are reused
// for every function body.
type validator struct {
	m *wasm.Module
	// skipBodies leaves the function bodies out (ModuleWithoutBodies);
	// deferBodies leaves them to the engine (ModuleDeferred).
	skipBodies, deferBodies bool
	// disabled holds the features turned off; used collects the features
	// the module uses (each body worker keeps its own, merged at the end).
	disabled wasm.Features
	used     wasm.Features

	// Index spaces, imports first.
	funcTypes []*wasm.FuncType
	funcTypeX []uint32 // type index of each function
	tables    []wasm.TableType
	memories  []wasm.MemoryType
	globals   []wasm.GlobalType
	tags      []uint32 // type index of each tag
	elemTypes []wasm.ValType
	numDatas  uint32
	// constGlobals is how many globals a constant expression may read: the
	// imports, then each defined global once it has been checked.
	constGlobals uint32

	// declared[i/64] bit i%64: function i may be named by ref.func in a body.
	declared []uint64

	// Per-body state.
	fn        uint32 // index of the function being checked
	off       int    // offset of the instruction being checked
	op        wasm.Opcode
	vals      []wasm.ValType
	ctrls     ctrlStack
	locals    []wasm.ValType // flat local types, when few enough
	runs      []localRun     // otherwise: run ends, for binary search
	numLocals uint64
	results   []wasm.ValType                  // the function's results
	fnSig     wasm.FuncType                   // the function's frame: no parameters, its results
	oneRef    map[wasm.ValType]*wasm.FuncType // single-value block types not in oneType
	inits     localInits
	in        wasm.Instr
	reader    *binary.ExprReader
}

// localRun is a run of locals of one type ending (exclusively) at end.
type localRun struct {
	end uint64
	t   wasm.ValType
}

// Module validates m completely, with every feature of WebAssembly 3.0. It
// returns nil or a *wasm.Error of Kind Invalid (Malformed only for body
// encodings the decoder let through). It records the features m uses in
// m.Features and canonicalises m's types (see wasm.CanonicalizeTypes).
func Module(m *wasm.Module) error { return ModuleFeatures(m, 0) }

// ModuleFeatures is Module with the features in off turned off: a module
// that uses one is invalid ("... support is not enabled"), as in Wasmtime.
func ModuleFeatures(m *wasm.Module, off wasm.Features) error {
	v := &validator{m: m, disabled: off}
	if err := v.module(); err != nil {
		return err
	}
	m.Features = v.used
	return nil
}

// ModuleWithoutBodies runs every module-level check of Module but checks
// no function body: for a module whose bodies were validated before it
// was compiled, such as the module section of an artifact, where the
// bodies are emptied and the compiled code stands in for them.
func ModuleWithoutBodies(m *wasm.Module) error {
	v := &validator{m: m, skipBodies: true}
	return v.module()
}

// errAt builds an Invalid error outside any function body.
func errAt(offset int, format string, args ...any) *wasm.Error {
	return wasm.Invalidf(offset, format, args...)
}

// fail builds an Invalid error at the current instruction of the current body.
func (v *validator) fail(format string, args ...any) *wasm.Error {
	return &wasm.Error{Kind: wasm.Invalid, Offset: v.off, Func: v.fn, Msg: fmt.Sprintf(format, args...)}
}

// malformed reports a body whose encoding is broken in a way the instruction
// reader cannot see, such as instructions after the final end.
func (v *validator) malformed(format string, args ...any) *wasm.Error {
	return &wasm.Error{Kind: wasm.Malformed, Offset: v.off, Func: v.fn, Msg: fmt.Sprintf(format, args...)}
}

// use records that the module uses feature f, failing when f is off.
// offset and fn locate the use (fn is wasm.NoFunc outside bodies).
func (v *validator) use(f wasm.Features, offset int, fn uint32) error {
	if v.disabled&f != 0 {
		return &wasm.Error{Kind: wasm.Invalid, Offset: offset, Func: fn, Feature: f,
			Msg: fmt.Sprintf("%s support is not enabled", f)}
	}
	v.used |= f
	return nil
}

// useHere records a feature used by the current instruction.
func (v *validator) useHere(f wasm.Features) error { return v.use(f, v.off, v.fn) }

func isNum(t wasm.ValType) bool { return t.IsNum() || t == unknown }

func isVec(t wasm.ValType) bool { return t == wasm.V128 || t == unknown }

func isRef(t wasm.ValType) bool { return t.IsRef() || t == unknown }

// typeName renders an operand type, including the bottom type.
func typeName(t wasm.ValType) string {
	if t == unknown {
		return "unknown"
	}
	return t.String()
}

// matches reports whether operand type got may be used where want is
// expected: it is a subtype, or unknown.
func (v *validator) matches(got, want wasm.ValType) bool {
	return got == want || got == unknown || want == unknown || v.m.Match(got, want)
}

// matchAll reports whether every got is a subtype of its want.
func (v *validator) matchAll(got, want []wasm.ValType) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if !v.matches(got[i], want[i]) {
			return false
		}
	}
	return true
}
