package validate

import (
	"fmt"

	"github.com/moat-run/moat/internal/binary"
	"github.com/moat-run/moat/internal/wasm"
)

// unknown is the operand type of values popped from the polymorphic stack
// of unreachable code: it matches every type.
const unknown wasm.ValType = 0

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
	// skipBodies leaves the function bodies out (ModuleWithoutBodies).
	skipBodies bool

	// Index spaces, imports first.
	funcTypes []*wasm.FuncType
	tables    []wasm.TableType
	globals   []wasm.GlobalType
	// importedGlobals is how many of globals are imports: the only ones a
	// constant expression may read in Wasm 2.0.
	importedGlobals uint32
	numMems         uint32
	numElems        uint32
	numDatas        uint32

	// declared[i/64] bit i%64: function i may be named by ref.func in a body.
	declared []uint64

	// Per-body state.
	fn        uint32 // index of the function being checked
	off       int    // offset of the instruction being checked
	vals      []wasm.ValType
	ctrls     []frame
	locals    []wasm.ValType // flat local types, when few enough
	runs      []localRun     // otherwise: run ends, for binary search
	numLocals uint64
	in        wasm.Instr
	reader    *binary.ExprReader
}

// localRun is a run of locals of one type ending (exclusively) at end.
type localRun struct {
	end uint64
	t   wasm.ValType
}

// Module validates m completely. It returns nil or a *wasm.Error of Kind
// Invalid (Malformed only for body encodings the decoder let through).
func Module(m *wasm.Module) error {
	v := &validator{m: m}
	return v.module()
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

// oneType holds a one-element slice for every value type, so block types of
// the single-value form need no allocation.
var oneType [256][1]wasm.ValType

func init() {
	for i := range oneType {
		oneType[i][0] = wasm.ValType(i)
	}
}

func validValType(t wasm.ValType) bool {
	switch t {
	case wasm.I32, wasm.I64, wasm.F32, wasm.F64, wasm.V128, wasm.FuncRef, wasm.ExternRef:
		return true
	}
	return false
}

func isNum(t wasm.ValType) bool {
	return t == wasm.I32 || t == wasm.I64 || t == wasm.F32 || t == wasm.F64 || t == unknown
}

func isVec(t wasm.ValType) bool { return t == wasm.V128 || t == unknown }

func isRef(t wasm.ValType) bool { return t.IsRef() || t == unknown }

// typeName renders an operand type, including the bottom type.
func typeName(t wasm.ValType) string {
	if t == unknown {
		return "unknown"
	}
	return t.String()
}
