package validate

import (
	"errors"
	"io"
	"slices"
	"sort"

	"github.com/moat-run/moat/internal/binary"
	"github.com/moat-run/moat/internal/wasm"
)

// bodies validates every function body.
func (v *validator) bodies() error {
	m := v.m
	if len(m.Code) != len(m.Funcs) {
		return wasm.Malformedf(-1, "function and code section have inconsistent lengths")
	}
	base := uint32(len(v.funcTypes) - len(m.Funcs))
	if workers := bodyWorkers(m); workers > 1 {
		return v.bodiesParallel(base, workers)
	}
	for i := range m.Code {
		fi := base + uint32(i)
		if err := v.function(fi, v.funcTypes[fi], &m.Code[i]); err != nil {
			return err
		}
	}
	return nil
}

func (v *validator) function(fi uint32, ft *wasm.FuncType, code *wasm.Code) error {
	if err := v.begin(fi, ft, code); err != nil {
		return err
	}
	if v.reader == nil {
		v.reader = &binary.ExprReader{}
		v.reader.DisableFeatures(v.disabled)
	}
	v.reader.Reset(code.Body, code.Offset)
	r := v.reader
	in := &v.in
	for {
		err := r.Next(in)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var we *wasm.Error
			if errors.As(err, &we) && we.Func == wasm.NoFunc {
				we.Func = fi
			}
			return err
		}
		if err := v.step(in); err != nil {
			return err
		}
	}
	return v.end()
}

// begin starts body fi of type ft: its locals, an empty operand stack and
// the function's frame.
func (v *validator) begin(fi uint32, ft *wasm.FuncType, code *wasm.Code) error {
	v.fn = fi
	v.off = code.Offset
	if err := v.setLocals(ft, code); err != nil {
		return err
	}
	v.vals = v.vals[:0]
	v.ctrls.reset()
	v.results = ft.Results
	v.fnSig = wasm.FuncType{Results: ft.Results}
	v.pushCtrl(wasm.OpBlock, &v.fnSig)
	return nil
}

// step validates the body's next instruction.
func (v *validator) step(in *wasm.Instr) error {
	v.off, v.op = in.Offset, in.Op
	if v.ctrls.len() == 0 {
		return v.malformed("operators remaining after end of function")
	}
	if err := v.instr(in); err != nil {
		return err
	}
	if len(v.vals) > maxOperands {
		return v.fail("operand stack deeper than %d values", maxOperands)
	}
	return nil
}

// end checks that the body's instructions closed the function's frame.
func (v *validator) end() error {
	if v.ctrls.len() != 0 {
		return v.malformed("unexpected end of function")
	}
	return nil
}

// setLocals lays out the parameter and local types of a body.
func (v *validator) setLocals(ft *wasm.FuncType, code *wasm.Code) error {
	total := uint64(len(ft.Params))
	v.inits.reset()
	for _, e := range code.Locals {
		if !e.Type.Valid() {
			return v.malformed("invalid local type")
		}
		if err := v.bodyValType(e.Type); err != nil {
			return err
		}
		if e.Count > 0 && !e.Type.Defaultable() {
			v.inits.needed = true
		}
		total += uint64(e.Count)
	}
	v.numLocals = total
	v.locals = v.locals[:0]
	v.runs = v.runs[:0]
	if total <= maxFlatLocals {
		v.locals = append(v.locals, ft.Params...)
		for _, e := range code.Locals {
			for range e.Count {
				v.locals = append(v.locals, e.Type)
			}
		}
	} else {
		end := uint64(0)
		for _, t := range ft.Params {
			end++
			v.runs = append(v.runs, localRun{end, t})
		}
		for _, e := range code.Locals {
			if e.Count == 0 {
				continue
			}
			end += uint64(e.Count)
			v.runs = append(v.runs, localRun{end, e.Type})
		}
	}
	if v.inits.needed {
		v.inits.start(code.Locals, total, uint64(len(ft.Params)))
	}
	return nil
}

// local returns the type of local x.
func (v *validator) local(x uint32) (wasm.ValType, error) {
	if uint64(x) >= v.numLocals {
		return 0, v.fail("unknown local %d", x)
	}
	if len(v.runs) == 0 {
		return v.locals[x], nil
	}
	i := sort.Search(len(v.runs), func(i int) bool { return v.runs[i].end > uint64(x) })
	return v.runs[i].t, nil
}

// instr validates one instruction.
func (v *validator) instr(in *wasm.Instr) error {
	info := in.Op.Info()
	if info == nil {
		return v.malformed("illegal opcode %#x", uint16(in.Op))
	}
	if info.Feature != 0 {
		if err := v.useHere(info.Feature); err != nil {
			return err
		}
	}
	if !info.Special {
		if err := v.immediates(in, info.Imm); err != nil {
			return err
		}
		if err := v.popOperands(in, info); err != nil {
			return err
		}
		v.pushVals(info.Results)
		return nil
	}
	switch in.Op {
	case wasm.OpUnreachable, wasm.OpNop, wasm.OpBlock, wasm.OpLoop, wasm.OpIf, wasm.OpElse,
		wasm.OpEnd, wasm.OpBr, wasm.OpBrIf, wasm.OpBrTable, wasm.OpReturn,
		wasm.OpCall, wasm.OpCallIndirect:
		return v.control(in)
	case wasm.OpReturnCall, wasm.OpReturnCallIndirect, wasm.OpReturnCallRef, wasm.OpCallRef:
		return v.calls(in)
	case wasm.OpDrop, wasm.OpSelect, wasm.OpSelectT, wasm.OpLocalGet, wasm.OpLocalSet,
		wasm.OpLocalTee, wasm.OpGlobalGet, wasm.OpGlobalSet:
		return v.variable(in)
	case wasm.OpRefNull, wasm.OpRefIsNull, wasm.OpRefFunc, wasm.OpRefAsNonNull,
		wasm.OpBrOnNull, wasm.OpBrOnNonNull:
		return v.reference(in)
	case wasm.OpTableGet, wasm.OpTableSet, wasm.OpTableGrow, wasm.OpTableSize, wasm.OpTableFill,
		wasm.OpTableInit, wasm.OpTableCopy:
		return v.table(in)
	case wasm.OpMemorySize, wasm.OpMemoryGrow, wasm.OpMemoryFill, wasm.OpMemoryCopy, wasm.OpMemoryInit:
		return v.memoryOp(in)
	case wasm.OpThrow, wasm.OpThrowRef, wasm.OpTryTable:
		return v.exception(in)
	}
	if info.Feature == wasm.FeatureGC {
		return v.gcOp(in)
	}
	return v.malformed("illegal opcode %s", info.Name)
}

// immediates checks the index, alignment and lane immediates of an
// instruction typed by the opcode table.
func (v *validator) immediates(in *wasm.Instr, imm wasm.ImmKind) error {
	switch imm {
	case wasm.ImmMemArg, wasm.ImmMemArgLane:
		return v.memArg(in, imm)
	case wasm.ImmData:
		return v.dataSegment(in.X)
	case wasm.ImmLane:
		return v.lane(in)
	case wasm.ImmShuffle:
		return v.shuffle(in)
	case wasm.ImmElem:
		_, err := v.elemSegment(in.X)
		return err
	}
	return nil
}

// popOperands pops an instruction's parameters as the opcode table gives
// them; a memory instruction's address has its memory's address type.
func (v *validator) popOperands(in *wasm.Instr, info *wasm.OpInfo) error {
	ps := info.Params
	if (info.Imm == wasm.ImmMemArg || info.Imm == wasm.ImmMemArgLane) && v.memories[in.Mem].Is64 {
		for i := len(ps) - 1; i >= 1; i-- {
			if _, err := v.popExpect(ps[i]); err != nil {
				return err
			}
		}
		_, err := v.popExpect(wasm.I64)
		return err
	}
	return v.popVals(ps)
}

// Operand stack.

func (v *validator) push(t wasm.ValType) { v.vals = append(v.vals, t) }

func (v *validator) pushVals(ts []wasm.ValType) {
	if len(ts) == 1 { // most instructions: an append without a memmove call
		v.vals = append(v.vals, ts[0])
		return
	}
	v.vals = append(v.vals, ts...)
}

// pop pops any operand; in unreachable code an empty stack yields unknown.
func (v *validator) pop() (wasm.ValType, error) {
	f := v.ctrls.top
	if len(v.vals) == int(f.height) {
		if f.unreachable {
			return unknown, nil
		}
		return 0, v.fail("type mismatch: instruction requires an operand but the stack is empty")
	}
	t := v.vals[len(v.vals)-1]
	v.vals = v.vals[:len(v.vals)-1]
	return t, nil
}

// popExpect pops an operand of a subtype of want (or unknown).
func (v *validator) popExpect(want wasm.ValType) (wasm.ValType, error) {
	f := v.ctrls.top
	if len(v.vals) == int(f.height) {
		if f.unreachable {
			return unknown, nil
		}
		return 0, v.fail("type mismatch: instruction requires [%s] but the stack is empty", typeName(want))
	}
	got := v.vals[len(v.vals)-1]
	if got != want && !v.matches(got, want) {
		return 0, v.fail("type mismatch: instruction requires [%s] but the stack has [%s]", typeName(want), typeName(got))
	}
	v.vals = v.vals[:len(v.vals)-1]
	return got, nil
}

// popRef pops a reference operand; unknown comes back as (ref bot).
func (v *validator) popRef(what string) (wasm.ValType, error) {
	t, err := v.pop()
	if err != nil {
		return 0, err
	}
	switch {
	case t == unknown:
		return botRef, nil
	case !t.IsRef():
		return 0, v.fail("type mismatch: %s requires a reference, the stack has [%s]", what, typeName(t))
	}
	return t, nil
}

// popVals pops operands of the given types, last first.
func (v *validator) popVals(ts []wasm.ValType) error {
	// Most often every operand is there, above the frame's height, and
	// of exactly the type wanted: popped in one step. Otherwise one by
	// one, which finds the same and says what is wrong.
	if n := len(v.vals) - len(ts); n >= int(v.ctrls.top.height) && slices.Equal(v.vals[n:], ts) {
		v.vals = v.vals[:n]
		return nil
	}
	for i := len(ts) - 1; i >= 0; i-- {
		if _, err := v.popExpect(ts[i]); err != nil {
			return err
		}
	}
	return nil
}

// checkTop checks, without popping, that the top operands match ts.
// Operands missing under an unreachable frame match anything, exactly as if
// they were popped as unknown and pushed back.
func (v *validator) checkTop(ts []wasm.ValType) error {
	f := v.ctrls.top
	n := len(ts)
	for i := n - 1; i >= 0; i-- {
		pos := len(v.vals) - (n - i)
		if pos < int(f.height) {
			if f.unreachable {
				return nil
			}
			return v.fail("type mismatch: branch requires %d operands but the stack has fewer", n)
		}
		got, want := v.vals[pos], ts[i]
		if !v.matches(got, want) {
			return v.fail("type mismatch: branch requires [%s] but the stack has [%s]", typeName(want), typeName(got))
		}
	}
	return nil
}

// Control stack.

// pushCtrl opens a block whose parameter and result types sig holds, and
// pushes its parameters.
func (v *validator) pushCtrl(op wasm.Opcode, sig *wasm.FuncType) {
	v.ctrls.push(frame{op: op, sig: sig, height: uint32(len(v.vals)), inits: uint32(v.inits.height())})
	v.pushVals(sig.Params)
}

// popCtrl checks that the innermost block ends with exactly its results on
// the stack, and removes it, forgetting the locals it initialised.
func (v *validator) popCtrl() (frame, error) {
	f := *v.ctrls.top
	if err := v.popVals(f.sig.Results); err != nil {
		return f, err
	}
	if len(v.vals) != int(f.height) {
		return f, v.fail("type mismatch: block leaves %d operands more than its result type [%s]",
			len(v.vals)-int(f.height), typeList(f.sig.Results))
	}
	v.inits.rollback(int(f.inits))
	v.ctrls.pop()
	return f, nil
}

// setUnreachable makes the rest of the innermost block stack-polymorphic.
func (v *validator) setUnreachable() {
	f := v.ctrls.top
	v.vals = v.vals[:f.height]
	f.unreachable = true
}

func typeList(ts []wasm.ValType) string {
	s := ""
	for i, t := range ts {
		if i > 0 {
			s += " "
		}
		s += typeName(t)
	}
	return s
}
