package frontend

import (
	"fmt"

	"github.com/moat-run/moat/internal/abi"
	"github.com/moat-run/moat/internal/ssa"
	"github.com/moat-run/moat/internal/wasm"
)

type frameKind uint8

const (
	frameFunc frameKind = iota
	frameBlock
	frameLoop
	frameIf   // then branch of an if
	frameElse // else branch of an if
	frameTry  // a try_table: a block with an exception handler
)

// frame is one entry of the control stack.
type frame struct {
	kind    frameKind
	params  []ssa.Type
	results []ssa.Type
	// height is the value-stack height below the frame's parameters.
	height int
	// header is a loop's first block (the target of its branches), with
	// one block parameter per loop parameter.
	header *ssa.Block
	// follow is where control continues after end, with one block
	// parameter per result; reached says whether anything branches to it.
	follow  *ssa.Block
	reached bool
	// elseBlock is an if's else entry (nil once used); ifParams are the
	// values the else branch starts with.
	elseBlock *ssa.Block
	ifParams  []ssa.Value
	// inLoop: the frame is a loop or lies inside one, so all its code is
	// dominated by a loop-header poll (Wasm loops are entered only
	// through their header).
	inLoop bool
	// handler is the innermost exception handler around the frame's code
	// (its own for a try_table), or -1.
	handler int32
	// entry is the block the frame was opened in, which dominates all of
	// it and its follow block; logStart and outerGen are its place in
	// translator.assigned.
	entry    *ssa.Block
	logStart int
	outerGen int32
	// stretch is the largest count since a poll (stretch.go) of the
	// paths that reach follow; ifStretch is the count an if's else arm
	// starts from.
	stretch   pollCount
	ifStretch pollCount
}

// blockType resolves a block type to its parameter and result types.
func (t *translator) blockType(bt wasm.BlockType) (params, results []ssa.Type, err error) {
	switch bt.Kind {
	case wasm.BlockEmpty:
		return nil, nil, nil
	case wasm.BlockValue:
		rt, err := valueType(bt.Type)
		if err != nil {
			return nil, nil, err
		}
		return nil, []ssa.Type{rt}, nil
	}
	if bt.Index >= uint32(len(t.m.Types)) {
		return nil, nil, fmt.Errorf("block type %d out of range", bt.Index)
	}
	sig, err := signature(&t.m.Types[bt.Index].Func)
	if err != nil {
		return nil, nil, err
	}
	return sig.Params[1:], sig.Results, nil
}

// newFollow creates a block with one parameter per type.
func (t *translator) newFollow(types []ssa.Type) *ssa.Block {
	blk := t.b.CreateBlock()
	for _, ty := range types {
		t.b.AppendBlockParam(blk, ty)
	}
	return blk
}

// control translates structured control flow and calls.
func (t *translator) control(in *wasm.Instr) error {
	switch in.Op {
	case wasm.OpUnreachable:
		t.b.Trap(abi.TrapUnreachable)
		t.markDead()
	case wasm.OpNop:
	case wasm.OpBlock, wasm.OpLoop, wasm.OpIf, wasm.OpTryTable:
		return t.open(in)
	case wasm.OpElse:
		t.elseBranch()
	case wasm.OpEnd:
		t.end()
	case wasm.OpBr:
		t.branch(in.X)
		t.markDead()
	case wasm.OpBrIf:
		c := t.pop()
		cont := t.b.CreateBlock()
		fr := t.label(in.X)
		if fr == nil {
			return fmt.Errorf("branch depth %d out of range", in.X)
		}
		args := t.peekN(len(t.labelTypes(fr)))
		if fr.kind == frameFunc {
			ret := t.b.CreateBlock()
			t.b.Brif(c, ret, nil, cont, nil)
			t.b.SealBlock(ret)
			t.b.SwitchToBlock(ret)
			t.noteReturn()
			t.b.Return(args...)
		} else {
			target := t.labelBlock(fr)
			t.b.Brif(c, target, args, cont, nil)
		}
		t.b.SealBlock(cont)
		t.b.SwitchToBlock(cont)
	case wasm.OpBrTable:
		return t.brTable(in)
	case wasm.OpReturn:
		t.noteReturn()
		t.b.Return(t.peekN(len(t.frames[0].results))...)
		t.markDead()
	case wasm.OpCall:
		return t.call(in.X)
	case wasm.OpCallIndirect:
		return t.callIndirect(in.X, in.Y)
	case wasm.OpCallRef:
		return t.callRef(in.X)
	case wasm.OpReturnCall, wasm.OpReturnCallIndirect, wasm.OpReturnCallRef:
		return t.tailCall(in)
	case wasm.OpThrow:
		return t.throw(in.X)
	case wasm.OpThrowRef:
		t.throwRef()
	}
	return nil
}

// label finds the frame a branch of depth d targets.
func (t *translator) label(d uint32) *frame {
	if d >= uint32(len(t.frames)) {
		return nil
	}
	return &t.frames[len(t.frames)-1-int(d)]
}

// labelTypes are the types a branch to fr carries: a loop's parameters,
// any other frame's results.
func (t *translator) labelTypes(fr *frame) []ssa.Type {
	if fr.kind == frameLoop {
		return fr.params
	}
	return fr.results
}

// labelBlock is the block a branch to a non-function frame jumps to.
func (t *translator) labelBlock(fr *frame) *ssa.Block {
	if fr.kind == frameLoop {
		return fr.header
	}
	fr.reached = true
	fr.reachFollow(t.sincePoll)
	return fr.follow
}

// branch ends the current block with a branch to label d.
func (t *translator) branch(d uint32) {
	fr := t.label(d)
	if fr == nil {
		return
	}
	args := t.peekN(len(t.labelTypes(fr)))
	if fr.kind == frameFunc {
		t.noteReturn()
		t.b.Return(args...)
		return
	}
	t.b.Jump(t.labelBlock(fr), args...)
}

func (t *translator) brTable(in *wasm.Instr) error {
	i := t.pop()
	// Targets lists the table then the default; all share one arity.
	var def ssa.BlockCall
	table := t.brTargets[:0]
	defer func() { clear(table); t.brTargets = table[:0] }()
	var ret *ssa.Block // a shared block that returns, for branches to the function
	if err := t.checkSize(len(in.Targets)); err != nil {
		return err
	}
	t.targets += int64(len(in.Targets))
	for k, d := range in.Targets {
		fr := t.label(d)
		if fr == nil {
			return fmt.Errorf("branch depth %d out of range", d)
		}
		var call ssa.BlockCall
		if fr.kind == frameFunc {
			if ret == nil {
				ret = t.b.CreateBlock()
			}
			call = ssa.BlockCall{Block: ret}
		} else {
			call = ssa.BlockCall{Block: t.labelBlock(fr), Args: t.peekN(len(t.labelTypes(fr)))}
		}
		if k == len(in.Targets)-1 {
			def = call
		} else {
			table = append(table, call)
		}
	}
	t.b.BrTable(i, def, table)
	if ret != nil {
		t.b.SealBlock(ret)
		t.b.SwitchToBlock(ret)
		t.noteReturn()
		t.b.Return(t.peekN(len(t.frames[0].results))...)
	}
	t.markDead()
	return nil
}

// open starts a block, loop or if.
func (t *translator) open(in *wasm.Instr) error {
	params, results, err := t.blockType(in.Block)
	if err != nil {
		return err
	}
	var cond ssa.Value
	if in.Op == wasm.OpIf {
		cond = t.pop()
	}
	fr := frame{params: params, results: results, height: len(t.stack) - len(params), handler: t.handler(), entry: t.b.CurrentBlock()}
	if fr.height < 0 {
		return fmt.Errorf("block parameters missing from the stack")
	}
	fr.logStart, fr.outerGen = t.assigned.open()
	fr.follow = t.newFollow(results)
	switch in.Op {
	case wasm.OpBlock:
		fr.kind = frameBlock
	case wasm.OpTryTable:
		fr.kind = frameTry
		if fr.handler, err = t.newHandler(in); err != nil {
			return err
		}
	case wasm.OpLoop:
		fr.kind = frameLoop
		fr.header = t.newFollow(params)
		t.b.Jump(fr.header, t.popN(len(params))...)
		t.b.SwitchToLoopHeader(fr.header)
		t.stack = append(t.stack, fr.header.Params...)
		t.poll()
	case wasm.OpIf:
		fr.kind = frameIf
		thenBlk, elseBlk := t.b.CreateBlock(), t.b.CreateBlock()
		t.b.Brif(cond, thenBlk, nil, elseBlk, nil)
		t.b.SealBlock(thenBlk)
		t.b.SealBlock(elseBlk)
		fr.elseBlock = elseBlk
		fr.ifParams = t.peekN(len(params))
		fr.ifStretch = t.sincePoll
		t.b.SwitchToBlock(thenBlk)
	}
	fr.inLoop = fr.kind == frameLoop || t.frames[len(t.frames)-1].inLoop
	t.frames = append(t.frames, fr)
	t.maxFrames = max(t.maxFrames, len(t.frames))
	return nil
}

// fallThrough ends the reachable current block of frame fr with a jump to
// its follow block carrying the results.
func (t *translator) fallThrough(fr *frame) {
	if t.dead {
		return
	}
	t.b.Jump(fr.follow, t.peekN(len(fr.results))...)
	fr.reached = true
	fr.reachFollow(t.sincePoll)
}

func (t *translator) elseBranch() {
	fr := &t.frames[len(t.frames)-1]
	if fr.kind != frameIf {
		return
	}
	t.fallThrough(fr)
	t.stack = append(t.stack[:fr.height], fr.ifParams...)
	t.b.SwitchToBlock(fr.elseBlock)
	fr.elseBlock = nil
	fr.kind = frameElse
	t.dead = false
	t.sincePoll = fr.ifStretch
}

// end closes the innermost frame.
func (t *translator) end() {
	fr := &t.frames[len(t.frames)-1]
	if fr.kind == frameFunc {
		if !t.dead {
			t.noteReturn()
			t.b.Return(t.peekN(len(fr.results))...)
		}
		t.frames = t.frames[:len(t.frames)-1]
		return
	}
	if fr.kind == frameTry {
		t.finishHandler(fr.handler)
	}
	t.fallThrough(fr)
	if fr.elseBlock != nil {
		// An if without else: the else path passes the parameters through
		// (the validator made the parameter and result types equal).
		t.b.SwitchToBlock(fr.elseBlock)
		t.b.Jump(fr.follow, fr.ifParams...)
		fr.reached = true
		fr.reachFollow(fr.ifStretch)
	}
	if fr.kind == frameLoop {
		t.b.SealLoop(fr.header, t.assigned.log[fr.logStart:])
	}
	t.b.SealBlock(fr.follow)
	t.mergeFollow(fr)
	t.assigned.close(fr.logStart, fr.outerGen)
	t.stack = append(t.stack[:fr.height], fr.follow.Params[:len(fr.results)]...)
	t.b.SwitchToBlock(fr.follow)
	t.dead = !fr.reached
	t.deadDepth = 0
	t.sincePoll = fr.stretch
	t.frames = t.frames[:len(t.frames)-1]
	if t.dead {
		// Nothing reaches the code after end: terminate the empty block
		// so the builder sees a well-formed (and then removed) block.
		t.b.Trap(abi.TrapUnreachable)
	}
}
