package amd64

import (
	"fmt"
	"slices"
	"strings"

	"github.com/moat-run/moat/internal/abi"
	"github.com/moat-run/moat/internal/backend"
	"github.com/moat-run/moat/internal/ssa"
)

// Compiled is one function's machine code, ready for linking.
type Compiled struct {
	Code   []byte
	Relocs []Reloc
	// Sites map return addresses in Code to source positions (ssa.Inst.Pos),
	// sorted by Offset: the return address of every call (direct,
	// indirect, exits, polls), and the resume address of every trap
	// stub's exit call, or, for a shared trap stub, the return address of
	// the site's own call into it. Offsets are after relaxation.
	Sites []Site
	// FaultSites are the instructions that may fault, sorted by Offset:
	// the loads and stores left unchecked (ssa.MemNoTrap clear, relying on
	// guard pages; Code TrapMemoryOutOfBounds) and, with
	// Options.FaultingUnreachable, the ud2 of each unreachable (Code
	// TrapUnreachable). A fault there is that trap at Pos; a fault
	// anywhere else is not a trap.
	FaultSites []FaultSite
	// TrapSites are the trap stubs' exit calls: Offset is the return
	// address the exit records. For a Shared stub the trapping site is the
	// word at the exit's stack pointer (the return address of the site's
	// call into the stub), to look up in Sites.
	TrapSites []TrapSite
	// FrameSize is the frame below the saved RBP, in bytes.
	FrameSize int
	// Landings are the try_call sites (lower_exceptions.go), sorted by
	// return address; LandingSP is the stack pointer to resume them with,
	// relative to the function's RBP.
	Landings  []Landing
	LandingSP int
	// Listing is the assembly text when Options.Listing was set.
	Listing string
	// Stats are the allocator's counts.
	Stats backend.Stats
}

// TrapSite is where a trap of the given code leaves the function.
type TrapSite struct {
	Offset int
	Code   abi.TrapCode
	Shared bool
}

// FaultSite is an instruction that may fault, and the trap it means.
type FaultSite struct {
	Offset int
	Pos    uint32
	Code   abi.TrapCode
}

// Site is a return address in a function's code and the source position
// of the instruction it belongs to (0: unknown).
type Site struct {
	Offset int
	Pos    uint32
}

// PosPrologue is the position of the prologue's stack-exhaustion trap:
// the function has not started, so backtraces report the trap at its
// caller's call instead (as the interpreter does).
const PosPrologue = ^uint32(0)

// Options tune Compile.
type Options struct {
	// Listing records the assembly text in Compiled.Listing.
	Listing bool
	// Check runs backend.Check on the allocation (tests).
	Check bool
	// SharedPollStub makes polls call one stub for the whole module (a
	// Reloc to PollStubCallee, whose code is PollStub) instead of a copy
	// at the end of every function that polls (about 300 bytes each).
	SharedPollStub bool
	// Allocator, if set, is reused (one per goroutine). Scratch takes
	// precedence.
	Allocator *backend.Allocator
	// Features are the optional instruction set extensions (AVX, AVX2)
	// the code may use; the zero value keeps to the SSE baseline. Engines
	// pass HostFeatures(); tests force either path.
	Features Features
	// Scratch, if set, is the working memory to reuse (one per goroutine);
	// otherwise Compile takes one from the pool of GetScratch.
	Scratch *Scratch
	// MaxLiveEntries is the allocator's backend.Allocator.MaxLiveEntries:
	// past it, Compile fails with an error wrapping backend.ErrLimit.
	MaxLiveEntries int
	// FaultingUnreachable makes each unreachable a ud2 in line (a
	// FaultSite of TrapUnreachable, which the runtime's signal handler
	// turns into the trap) instead of a jump to an out-of-line exit.
	FaultingUnreachable bool
	// Timing, if set, accumulates the CPU time of each phase (benchmarks).
	Timing *Timing
}

// Compile lowers f (after the SSA passes), allocates registers and emits
// machine code. f must pass ssa.Verify. A failure is an error, never a
// panic: a bug in a lowering rule that would panic on an unexpected function
// is reported as a *LowerError too.
func Compile(f *ssa.Func, opt Options) (c *Compiled, err error) {
	defer func() {
		if r := recover(); r != nil {
			c, err = nil, &LowerError{Func: f.Name, Msg: fmt.Sprintf("internal error: %v", r)}
		}
	}()
	sc := opt.Scratch
	if sc == nil {
		sc = GetScratch()
		defer PutScratch(sc)
	}
	defer sc.release()
	asm := &sc.asm
	asm.Reset()
	if opt.Listing {
		asm.Listing = &strings.Builder{}
	}
	l, vf := &sc.lowerer, &sc.vf
	vf.Reset(f.Name)
	l.faultingUnreachable = opt.FaultingUnreachable
	var clock phaseClock
	clock.start(opt.Timing)
	if err := lower(l, vf, f, asm, opt.SharedPollStub, opt.Features); err != nil {
		return nil, err
	}
	al := &sc.allocator
	if opt.Allocator != nil && opt.Scratch == nil {
		al = opt.Allocator
	}
	// The Result shares al's memory: it is used up before the next call.
	al.MaxLiveEntries = opt.MaxLiveEntries
	insts := len(vf.Insts)
	clock.mark()
	res, err := al.AllocateReusing(vf, Env)
	if err != nil {
		return nil, err
	}
	clock.mark()
	if opt.Check {
		if err := backend.Check(vf, Env, res); err != nil {
			return nil, err
		}
	}
	e := &sc.emitter
	e.reset(l, asm, res)
	e.frame = backend.LayoutFrame(res, Env, res.CalleeSavedUsed, 8*l.outgoingWords, 16)
	e.wrap = e.planShrinkWrap()
	traps := e.emitFunc()
	code, relocs, err := asm.Finish()
	if err != nil {
		return nil, &LowerError{Func: f.Name, Msg: err.Error()}
	}
	clock.mark()
	clock.done(insts)
	c = &Compiled{Code: code, Relocs: relocs, FrameSize: e.frame.Size, Stats: res.Stats}
	if l.makesCalls {
		c.FrameSize += 16
	}
	if len(l.landings) > 0 {
		c.LandingSP = -c.FrameSize
		c.Landings = make([]Landing, len(l.landings))
		for i, ld := range l.landings {
			ret, _ := asm.LabelOffset(ld.ret)
			at, _ := asm.LabelOffset(ld.at)
			c.Landings[i] = Landing{Ret: ret, Offset: at, Handler: ld.handler}
		}
		slices.SortFunc(c.Landings, func(a, b Landing) int { return a.Ret - b.Ret })
	}
	if len(traps) > 0 {
		c.TrapSites = make([]TrapSite, 0, len(traps))
	}
	for _, s := range traps {
		off, _ := asm.LabelOffset(s.label)
		c.TrapSites = append(c.TrapSites, TrapSite{Offset: off, Code: s.code, Shared: s.shared})
	}
	// Emission listed the call sites, then the trap sites, and the fault
	// sites in the order of their code: the order of their offsets.
	if len(e.sites) > 0 {
		c.Sites = make([]Site, 0, len(e.sites))
	}
	for _, s := range e.sites {
		off, _ := asm.LabelOffset(s.label)
		c.Sites = append(c.Sites, Site{Offset: off, Pos: s.pos})
	}
	if !slices.IsSortedFunc(c.Sites, compareSites) {
		slices.SortFunc(c.Sites, compareSites)
	}
	if len(e.faults) > 0 {
		c.FaultSites = make([]FaultSite, 0, len(e.faults))
	}
	for _, k := range e.faults {
		s := &l.faultSites[k]
		if off, ok := asm.LabelOffset(s.label); ok {
			c.FaultSites = append(c.FaultSites, FaultSite{Offset: off, Pos: s.pos, Code: s.code})
		}
	}
	if !slices.IsSortedFunc(c.FaultSites, compareFaultSites) {
		slices.SortFunc(c.FaultSites, compareFaultSites)
	}
	if asm.Listing != nil {
		c.Listing = asm.Listing.String()
		asm.Listing = nil
	}
	return c, nil
}

func compareSites(a, b Site) int { return a.Offset - b.Offset }

func compareFaultSites(a, b FaultSite) int { return a.Offset - b.Offset }

type emitter struct {
	l      *lowerer
	a      *Assembler
	res    *backend.Result
	frame  backend.Frame
	labels []Label           // by vcode block
	order  []backend.BlockID // blocks in emission order (emit_layout.go)
	pos    []int32           // each block's place in order
	// Layout scratch (emit_layout.go): each header's last block, each
	// block's innermost loop (its first and last block; -1 outside loops),
	// the sweep's open loops, and the exit blocks deferred to after a
	// loop's last block.
	loopEnds, innerHead, innerEnd, openLoops []int32
	deferFirst, deferLast, deferNext         []int32
	// sites are the call sites' and trap sites' return addresses, and
	// faults the fault sites (indices in l.faultSites), in the order
	// emission meets them.
	sites  []siteLabel
	faults []int32
	traps  []trapSiteLabel
	// moveInst is the instruction move fills and emits.
	moveInst Inst
	// trap stub bookkeeping by trap code (see trapStubs)
	trapCount  map[abi.TrapCode]int
	sharedTrap map[abi.TrapCode]Label
	sharedList []abi.TrapCode
	wrap       *shrinkWrap // nil: the whole prologue at entry (emit_shrinkwrap.go)
	// planShrinkWrap's storage
	heavy []bool
	// brTargets is a br_table's targets, for Assembler.JumpTable.
	brTargets []Label
}

// reset readies e to emit the function l lowered, keeping its memory.
func (e *emitter) reset(l *lowerer, a *Assembler, res *backend.Result) {
	e.l, e.a, e.res, e.frame = l, a, res, backend.Frame{}
	e.sites, e.traps, e.faults = e.sites[:0], e.traps[:0], e.faults[:0]
	e.wrap = nil
}

type trapSiteLabel struct {
	label  Label
	code   abi.TrapCode
	shared bool
}

func (e *emitter) emitFunc() []trapSiteLabel {
	vf := e.l.vf
	e.labels = resize(e.labels, len(vf.Blocks))
	copy(e.labels, e.l.vblockLabels)
	for i := len(e.l.vblockLabels); i < len(vf.Blocks); i++ {
		e.labels[i] = e.a.NewLabel()
	}
	stackTrap := e.l.trapLabelAt(abi.TrapStackExhausted, PosPrologue)
	e.layoutBlocks()
	edits := e.res.Edits
	for _, bi := range e.order {
		b := &vf.Blocks[bi]
		nextEdit := e.firstEditAt(b.Start)
		e.a.Bind(e.labels[bi])
		if bi == 0 {
			e.prologue(stackTrap)
		}
		if e.wrap != nil && e.wrap.framePartAt[bi] {
			e.framePart()
		}
		for i := b.Start; i < b.End; i++ {
			// Blocks and their instructions come in index order, so the
			// edits (sorted by Before) are walked with a cursor.
			for ; nextEdit < len(edits) && edits[nextEdit].Before <= i; nextEdit++ {
				if ed := &edits[nextEdit]; ed.Before == i {
					e.move(ed.Class, ed.To, ed.From)
				}
			}
			if i == b.End-1 && e.wrap != nil && e.wrap.framePartAtEnd[bi] {
				e.framePart()
			}
			e.inst(bi, vf.Insts[i].(*vinst), e.res.OperandLocs(i))
		}
	}
	e.lightReturns()
	e.coldCode()
	if e.l.pollStub != 0 {
		e.a.Bind(e.l.pollStub)
		pollStub(e.a, e.l.savingExit)
	}
	return e.trapStubs()
}

// trapStubs emits the out-of-line trap code. A trap code with one site
// gets its stub there; one with several gets a shared stub, and each site
// a call into it whose return address tells the sites apart.
func (e *emitter) trapStubs() []trapSiteLabel {
	if e.trapCount == nil {
		e.trapCount, e.sharedTrap = map[abi.TrapCode]int{}, map[abi.TrapCode]Label{}
	}
	count, shared := e.trapCount, e.sharedTrap
	clear(count)
	clear(shared)
	for _, k := range e.l.trapOrder {
		count[k.code]++
	}
	traps := e.traps[:0]
	exit := func(code abi.TrapCode, shared bool) {
		e.a.Emit(I(MOV, S32, M(Mem{Base: ctxReg, Disp: abi.CtxExitCode}), Imm(int64(abi.ExitTrap))))
		e.a.Emit(I(MOV, S32, M(Mem{Base: ctxReg, Disp: abi.CtxExitIndex}), Imm(int64(code))))
		e.a.Emit(I(CALL, 0, M(Mem{Base: ctxReg, Disp: abi.CtxExitStub})))
		traps = append(traps, trapSiteLabel{e.a.Mark(), code, shared})
		e.a.Emit(I(UD2, 0))
	}
	sharedOrder := e.sharedList[:0]
	for _, k := range e.l.trapOrder {
		e.a.Bind(e.l.trapLabels[k])
		if count[k.code] == 1 {
			exit(k.code, false)
			e.sites = append(e.sites, siteLabel{traps[len(traps)-1].label, k.pos})
			continue
		}
		lb, ok := shared[k.code]
		if !ok {
			lb = e.a.NewLabel()
			shared[k.code] = lb
			sharedOrder = append(sharedOrder, k.code)
		}
		e.a.Emit(I(CALL, 0, L(lb)))
		ret := e.a.NewLabel()
		e.a.BindQuiet(ret)
		e.sites = append(e.sites, siteLabel{ret, k.pos})
	}
	for _, code := range sharedOrder {
		e.a.Bind(shared[code])
		exit(code, true)
	}
	e.traps, e.sharedList = traps, sharedOrder
	return traps
}

// prologue: the call-depth count, frame pointer, stack-limit check, frame,
// callee-saved stores.
//
// The call-depth count (abi.CtxCallCount) lives in the frames: the word
// below each wasm frame's saved RBP (FrameDepthSlot) holds its count,
// which is the caller's plus one; reaching 0 traps. A function that calls
// other wasm code stores its count there; one that makes no calls only
// checks it. The caller hands its count over in R11: it loads it from its
// slot right before the call (opCountArg), relative to RSP, and the entry
// stub and a tail call (from the slot of the frame they return to) do the
// same. So a call costs a load and a store of words nothing else writes,
// instead of a read-modify-write of one context word in every prologue and
// epilogue, which chained every call to the previous one; and the load's
// address does not wait for RBP, which after a call has come back from the
// stack (the callee's pop): reading the caller's slot through RBP in the
// callee's prologue made every call wait for the previous one's return.
func (e *emitter) prologue(stackTrap Label) {
	a, fr := e.a, e.frame
	a.Emit(I(PUSH, S64, R(RBP)))
	a.Emit(I(MOV, S64, R(RBP), R(RSP)))
	a.Emit(I(ADD, S64, R(R11), Imm(1))) // R11: the caller's count
	a.JumpIf(CondE, stackTrap)
	below := fr.Size // bytes below the saved RBP, the count slot included
	if e.l.makesCalls {
		a.Emit(I(PUSH, S64, R(R11)))
		below += 16 // the slot and a pad word keep RSP 16-byte aligned
	}
	limit := M(Mem{Base: ctxReg, Disp: abi.CtxStackLimit})
	if below <= abi.StackRedZone/2 {
		a.Emit(I(CMP, S64, R(RSP), limit))
	} else {
		a.Emit(I(LEA, S64, R(R11), M(Mem{Base: RBP, Disp: int32(-below)})))
		a.Emit(I(CMP, S64, R(R11), limit))
	}
	a.JumpIf(CondB, stackTrap)
	if e.wrap != nil {
		if e.l.makesCalls {
			a.Emit(I(SUB, S64, R(RSP), Imm(8))) // keep RSP aligned until framePart
		}
		return
	}
	e.framePart()
}

// framePart allocates the frame below the call-depth slot and stores the
// callee-saved registers: at the end of the prologue, or where a
// shrink-wrapped function first needs them.
func (e *emitter) framePart() {
	a, fr := e.a, e.frame
	size := fr.Size
	if e.l.makesCalls && e.wrap == nil {
		size += 8 // the pad word below the call-depth slot
	}
	if size > 0 {
		a.Emit(I(SUB, S64, R(RSP), Imm(int64(size))))
	}
	for k, p := range fr.CalleeSaved {
		a.Emit(I(MOV, S64, M(Mem{Base: RSP, Disp: int32(fr.CalleeSavedOffsets[k])}), R(regOf(p))))
	}
}

// FrameDepthSlot is where, relative to a frame's RBP, the call-depth count
// of a wasm frame that makes calls lies (see prologue). The entry stub
// keeps the entry's count there too, and the host call stub reads its
// caller's from there.
const FrameDepthSlot = -8

func (e *emitter) epilogue() {
	a, fr := e.a, e.frame
	for k, p := range fr.CalleeSaved {
		a.Emit(I(MOV, S64, R(regOf(p)), M(Mem{Base: RSP, Disp: int32(fr.CalleeSavedOffsets[k])})))
	}
	a.Emit(I(MOV, S64, R(RSP), R(RBP)))
	a.Emit(I(POP, S64, R(RBP)))
	e.ret()
}

// ret returns, popping the function's stack arguments (abi_conv.go).
func (e *emitter) ret() {
	if n := e.l.stackParams; n > 0 {
		e.a.Emit(I(RET, 0, Imm(int64(8*n))))
		return
	}
	e.a.Emit(I(RET, 0))
}

// slotMem is spill slot s.
func (e *emitter) slotMem(s int) Operand {
	return M(Mem{Base: RSP, Disp: int32(e.frame.SlotOffsets[s])})
}

func (e *emitter) locOperand(l backend.Loc) Operand {
	if l.IsReg() {
		return R(regOf(l.Reg()))
	}
	return e.slotMem(l.Slot())
}

// move copies a value of class c between registers and slots. The Inst
// is filled in place (see setLoc).
func (e *emitter) move(c backend.RegClass, to, from backend.Loc) {
	if to == from {
		return
	}
	if e.a.Listing == nil && e.quickMove(c, to, from) {
		return
	}
	in := &e.moveInst
	in.Op, in.Size, in.Cond = MOV, S64, 0
	if c == backend.ClassFloat {
		in.Op, in.Size = MOVUPS, 0
		if to.IsReg() && from.IsReg() {
			in.Op = MOVAPS
		}
	}
	e.setLoc(&in.Args[0], to)
	e.setLoc(&in.Args[1], from)
	in.Args[2] = Operand{}
	e.a.emit(in)
}

// quickMove emits the move through Assembler.emitMove, without a form
// lookup, if it has one of the shapes that encodes (encode_move.go), and
// reports whether it did.
func (e *emitter) quickMove(c backend.RegClass, to, from backend.Loc) bool {
	float := c == backend.ClassFloat
	var sh moveShape
	var dst, src Reg
	var disp int32
	switch {
	case to.IsReg() && from.IsReg():
		sh, dst, src = moveRegReg, regOf(to.Reg()), regOf(from.Reg())
	case to.IsReg() && from.IsSlot():
		sh, dst, disp = moveLoad, regOf(to.Reg()), int32(e.frame.SlotOffsets[from.Slot()])
		src = dst
	case to.IsSlot() && from.IsReg():
		sh, src, disp = moveStore, regOf(from.Reg()), int32(e.frame.SlotOffsets[to.Slot()])
		dst = src
	default:
		return false
	}
	if dst.IsXMM() != float || src.IsXMM() != float {
		return false
	}
	e.a.emitMove(float, sh, dst, src, disp)
	return true
}

// subst replaces operand placeholders in a template by their locations,
// in place: a template is emitted once.
func (e *emitter) subst(c *Inst, locs []backend.Loc) {
args:
	for k := range c.Args {
		a := &c.Args[k]
		switch a.Kind {
		case KindNone: // no operand follows (Inst.NumArgs)
			break args
		case KindReg:
			if a.Reg < opRegBase {
				continue
			}
			// setLoc, in line: a register operand is most of them.
			l := locs[a.Reg-opRegBase]
			a.Mem.Index, a.Mem.Scale, a.Mem.Label = NoReg, 0, 0
			if l.IsReg() {
				a.Reg = regOf(l.Reg())
				a.Mem.Base, a.Mem.Disp = NoReg, 0
				continue
			}
			a.Kind, a.Reg = KindMem, NoReg
			a.Mem.Base, a.Mem.Disp = RSP, int32(e.frame.SlotOffsets[l.Slot()])
		case KindMem:
			if a.Mem.Base >= opRegBase && a.Mem.Base != RIP {
				a.Mem.Base = regOf(locs[a.Mem.Base-opRegBase].Reg())
			}
			if a.Mem.Index >= opRegBase {
				a.Mem.Index = regOf(locs[a.Mem.Index-opRegBase].Reg())
			}
		}
	}
	// The mask register of vblendvps and the like (always a register).
	if c.Arg4.Kind == KindReg && c.Arg4.Reg >= opRegBase {
		c.Arg4.Reg = regOf(locs[c.Arg4.Reg-opRegBase].Reg())
	}
}

// setLoc makes *a the operand of location l (as locOperand), field by
// field: an Operand built in a temporary and copied whole is read back
// before its byte stores retire (a store-forwarding stall).
func (e *emitter) setLoc(a *Operand, l backend.Loc) {
	a.Mem.Index, a.Mem.Scale, a.Mem.Label = NoReg, 0, 0
	if l.IsReg() {
		a.Kind, a.Reg = KindReg, regOf(l.Reg())
		a.Mem.Base, a.Mem.Disp = NoReg, 0
		return
	}
	a.Kind, a.Reg = KindMem, NoReg
	a.Mem.Base, a.Mem.Disp = RSP, int32(e.frame.SlotOffsets[l.Slot()])
}

func (e *emitter) code(in *vinst, locs []backend.Loc) {
	code := in.templates()
	for k := range code {
		c := &code[k]
		if c.Op >= opCountArg { // the pseudo-ops, one test for the rest
			switch c.Op {
			case opBind:
				e.a.Bind(c.Args[0].Target())
			case opMark:
				e.mark(c)
			case opCountArg:
				e.a.Emit(I(MOV, S64, R(R11), M(Mem{Base: RSP, Disp: int32(e.frame.Size + 8)})))
			case opFaultMark:
				e.a.BindQuiet(c.Args[0].Target())
				e.faults = append(e.faults, int32(c.Args[2].ImmValue()))
				if e.a.Listing != nil {
					e.a.Note("; fault site: " + abi.TrapCode(c.Args[1].ImmValue()).String())
				}
			}
			continue
		}
		if isPlainBranch(c) {
			e.a.branch(c.Op, c.Cond, c.Args[0].Target())
			continue
		}
		e.subst(c, locs)
		if !e.a.emitRM(c) && !e.a.emitImm(c) {
			e.a.emit(c)
		}
	}
}

// mark binds the label of mark template c and, if it marks a call site
// (lowerer.callMark), lists the site.
func (e *emitter) mark(c *Inst) {
	e.a.BindQuiet(c.Args[0].Target())
	if c.Args[1].Kind == KindImm {
		e.sites = append(e.sites, e.l.callSites[c.Args[1].ImmValue()-1])
	}
}

// isPlainBranch reports whether template c is a jmp or jcc to a label and
// nothing else, which the Assembler writes without a form lookup
// (Assembler.branch); it names no operand, so it needs no substitution.
func isPlainBranch(c *Inst) bool {
	return (c.Op == JCC || c.Op == JMP) && c.Size == 0 && c.Arg4.Kind == KindNone &&
		c.Args[0].Kind == KindLabel && c.Args[0].Mem.Label == 0 && c.Args[1].Kind == KindNone
}

// inst emits one vinst of block b.
func (e *emitter) inst(b backend.BlockID, in *vinst, locs []backend.Loc) {
	vf := e.l.vf
	// next: the edge to s (threaded past blocks that only jump) lands on
	// the block emitted after b, so it falls through.
	next := func(s backend.BlockID) bool {
		_, t, _, trap := e.thread(b, s)
		return !trap && e.pos[t] == e.pos[b]+1 && e.target(b, s) == e.labels[t]
	}
	blk := &vf.Blocks[b]
	switch in.kind {
	case vPlain:
		if in.move {
			// A whole-register copy (mov r64 or movaps, register to
			// register): nothing if coalesced, else one of the
			// allocator's shapes of move.
			if locs[0] == locs[1] {
				return
			}
			if e.a.Listing == nil && locs[0].IsReg() && locs[1].IsReg() && e.quickMove(locs[0].Reg().Class(), locs[0], locs[1]) {
				return
			}
		}
		e.code(in, locs)
	case vJump:
		if s := blk.Succs[0]; !next(s) {
			e.jumpOrReturn(b, s)
		}
	case vBrif:
		e.code(in, locs)
		t, f := blk.Succs[0], blk.Succs[1]
		lt, lf := e.target(b, t), e.target(b, f)
		switch in.parity {
		case parityNone:
			if next(t) {
				e.a.JumpIf(in.cond.Invert(), lf)
				return
			}
			if _, ret := e.returnEdge(b, t); ret && !next(f) {
				// Branch to f, and return in line.
				e.a.JumpIf(in.cond.Invert(), lf)
				e.jumpOrReturn(b, t)
				return
			}
			e.a.JumpIf(in.cond, lt)
		case parityAndNP:
			e.a.JumpIf(CondP, lf)
			if next(t) {
				e.a.JumpIf(in.cond.Invert(), lf)
				return
			}
			e.a.JumpIf(in.cond, lt)
		case parityOrP:
			e.a.JumpIf(CondP, lt)
			e.a.JumpIf(in.cond, lt)
		}
		if !next(f) {
			e.jumpOrReturn(b, f)
		}
	case vBrTable:
		idx, base, ent := regOf(locs[0].Reg()), regOf(locs[1].Reg()), regOf(locs[2].Reg())
		targets := e.brTargets[:0]
		for _, s := range blk.Succs[1:] {
			targets = append(targets, e.target(b, s))
		}
		e.brTargets = targets // JumpTable copies them
		if len(targets) == 0 {
			e.a.Jump(e.target(b, blk.Succs[0]))
			return
		}
		table := e.a.JumpTable(targets)
		e.a.Emit(I(CMP, S32, R(idx), Imm(int64(len(targets)))))
		e.a.JumpIf(CondAE, e.target(b, blk.Succs[0]))
		e.a.Emit(I(MOV, S32, R(ent), R(idx)))
		e.a.Emit(I(LEA, S64, R(base), M(Mem{Base: RIP, Label: table})))
		e.a.Emit(I(MOVSXD, S64, R(ent), M(Mem{Base: base, Index: ent, Scale: 4})))
		e.a.Emit(I(ADD, S64, R(base), R(ent)))
		e.a.Emit(I(JMP, 0, R(base)))
	case vReturn:
		if e.wrap != nil && e.wrap.light[b] {
			e.lightEpilogue()
			return
		}
		e.epilogue()
	case vTrap:
		e.code(in, locs)
	case vTailCall:
		e.tailCall(in, locs)
	}
}
