package frontend

import (
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"sync"

	"github.com/moat-run/moat/internal/binary"
	"github.com/moat-run/moat/internal/ssa"
	"github.com/moat-run/moat/internal/validate"
	"github.com/moat-run/moat/internal/wasm"
)

// Env is what the frontend needs from the engine beyond the module. It
// holds settings that change the code and that an artifact records
// (internal/compiler's codeSettings), and a work budget, never a value of
// one engine: type ids, for instance, are read from the context at run
// time, which is what lets compiled code be stored in an artifact and run
// by another engine.
type Env struct {
	// Unchecked is the number of bytes from memory 0's byte 0 in which
	// every access either succeeds or faults and traps (guard-page mode:
	// the reservation and its guard after it, vm.Layout.Unchecked). A load
	// or store whose every possible address lies below it gets no bounds
	// check (see checkedAddr). 0: every access is checked.
	Unchecked uint64
	// PollEveryEntry keeps the poll at every function's entry, where the
	// translation would otherwise drop the ones that bound nothing (see
	// finishPolls): with fuel, every function entry is a unit, as in the
	// interpreter.
	PollEveryEntry bool
	// EpochPolls makes every poll compare the epoch with the context's
	// deadline (abi.BuiltinPollEpoch) instead of counting down the poll
	// counter (abi.BuiltinPollTick). Fuel counts polls and needs the
	// counter.
	EpochPolls bool
	// MaxWork, when positive, caps the SSA builder's non-linear work on one
	// function (ssa.Builder.Work: blocks walked by variable reads and
	// parameters added for variables); past it, Translate fails with an
	// error wrapping ErrLimit. A budget rather than a code setting: it
	// decides whether a function compiles, never what code it gets.
	MaxWork int64
	// MaxSize, when positive, caps the SSA function's size (values and
	// blocks) while it is built; past it, Translate fails with an error
	// wrapping ErrSizeLimit. Everything downstream is linear in that size,
	// so this bounds the memory of compiling one function.
	MaxSize int64
}

// ErrLimit is wrapped by the error of a translation that exceeded
// Env.MaxWork.
var ErrLimit = errors.New("frontend: work limit exceeded")

// ErrSizeLimit is wrapped by the error of a translation whose function
// grew past Env.MaxSize.
var ErrSizeLimit = errors.New("frontend: size limit exceeded")

// unchecked reports whether an access of size bytes at offset from any
// 32-bit address may go without a bounds check.
func (e *Env) unchecked(offset, size uint64) bool {
	// The highest byte it can touch is (2^32-1) + offset + size - 1; no
	// overflow, offset and size being below 2^33.
	return e != nil && e.Unchecked != 0 && 1<<32-1+offset+size <= e.Unchecked
}

// Error is a failure to translate one function. Offset is the module
// offset of the offending instruction (or of the body).
type Error struct {
	Func   uint32
	Offset int
	Err    error
}

func (e *Error) Error() string {
	return fmt.Sprintf("compile function %d at offset %#x: %v", e.Func, e.Offset, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// FuncName is the SSA name of function index i.
func FuncName(i uint32) string { return fmt.Sprintf("f%d", i) }

// Translate lowers defined function funcIndex (an index in the module's
// function space, so imports come first) of the validated module m to a
// new SSA function with signature (ctx i64, params...) -> results. The
// result passes ssa.Verify. v128 values are V128 values (see simd.go).
func Translate(m *wasm.Module, funcIndex uint32, env *Env) (*ssa.Func, error) {
	return translate(m, funcIndex, env, nil, nil, nil)
}

// Translator translates function after function into one ssa.Func that it
// reuses (see ssa.Func.Reset), so a compiler worker's steady state
// allocates almost nothing here. The zero value is ready to use; a
// Translator is not safe for concurrent use.
type Translator struct {
	f *ssa.Func
	t *translator // its own, not the pool's: it lives as long as the Translator
}

// Translate is the package's Translate, except that the function returned
// is only valid until the next call.
func (tr *Translator) Translate(m *wasm.Module, funcIndex uint32, env *Env) (*ssa.Func, error) {
	return tr.TranslateValidating(m, funcIndex, env, nil)
}

// TranslateValidating is Translate for a module whose bodies are not yet
// validated (validate.ModuleDeferred): check validates each instruction
// before it is translated, in the one walk over the body, and the error
// is check's when the body is invalid. A nil check is Translate.
func (tr *Translator) TranslateValidating(m *wasm.Module, funcIndex uint32, env *Env, check *validate.FuncValidator) (*ssa.Func, error) {
	if tr.f == nil {
		tr.f = ssa.NewFunc("", ssa.Signature{})
		tr.f.KeepScratch()
		tr.t = newTranslator()
	}
	return translate(m, funcIndex, env, tr.f, tr.t, check)
}

// translate is Translate into reuse, or into a new function if reuse is
// nil, with translator t (nil: one from the pool), validating the body
// with check unless it is nil.
func translate(m *wasm.Module, funcIndex uint32, env *Env, reuse *ssa.Func, t *translator, check *validate.FuncValidator) (*ssa.Func, error) {
	if check != nil {
		// Before anything reads the body or its locals.
		if err := check.Begin(funcIndex); err != nil {
			return nil, err
		}
	}
	if funcIndex < m.NumImportedFuncs || funcIndex-m.NumImportedFuncs >= uint32(len(m.Code)) {
		return nil, &Error{Func: funcIndex, Err: errors.New("not a defined function")}
	}
	code := &m.Code[funcIndex-m.NumImportedFuncs]
	ft := m.FuncTypeOf(funcIndex)
	if ft == nil {
		return nil, &Error{Func: funcIndex, Offset: code.Offset, Err: errors.New("function has no type")}
	}
	sig, err := signature(ft)
	if err != nil {
		return nil, &Error{Func: funcIndex, Offset: code.Offset, Err: err}
	}
	f := reuse
	if f == nil {
		f = ssa.NewFunc(FuncName(funcIndex), sig)
	} else {
		f.Reset(FuncName(funcIndex), sig)
	}
	// About one value per byte of code (0.75 to 1 on the bench modules),
	// never more than the size cap allows: a hint must not allocate what
	// the budget would refuse.
	hint := len(code.Body)
	if env != nil && env.MaxSize > 0 {
		hint = int(min(int64(hint), env.MaxSize))
	}
	f.Reserve(hint + 16)
	if t == nil {
		t = translatorPool.Get().(*translator)
		defer translatorPool.Put(t)
	}
	defer t.release()
	t.reset(m, env, funcIndex, f)
	t.check = check
	// Variables are defined in 0.25 to 0.7 (block, variable) pairs per
	// byte of a Go test binary's functions.
	t.b.ExpectVarDefs(hint / 2)
	if err := t.run(code, ft); err != nil {
		var we *wasm.Error
		if check != nil && errors.As(err, &we) {
			return nil, err // the validator's (or the reader's), as it reports it
		}
		return nil, &Error{Func: funcIndex, Offset: t.offset, Err: err}
	}
	if check != nil {
		if err := check.End(); err != nil {
			return nil, err
		}
		if t.rest != 0 {
			// The decoder may have left the bodies to this walk
			// (binary.DecodeDeferred): nothing may follow the final end.
			return nil, &Error{Func: funcIndex, Offset: t.offset, Err: errors.New("bytes after the function's final end")}
		}
	}
	t.finishPolls()
	t.b.LayoutBySwitch() // source order: an if's arms before the block after it
	if err := t.b.Finish(); err != nil {
		return nil, &Error{Func: funcIndex, Offset: code.Offset, Err: err}
	}
	return f, nil
}

// translatorPool keeps translators (with their builders' storage) for
// reuse, so translating function after function allocates little besides
// the functions themselves.
var translatorPool = sync.Pool{New: func() any { return newTranslator() }}

func newTranslator() *translator {
	return &translator{b: ssa.NewBuilder(ssa.NewFunc("", ssa.Signature{}))}
}

// reset prepares a pooled translator for function funcIndex, built into f.
func (t *translator) reset(m *wasm.Module, env *Env, funcIndex uint32, f *ssa.Func) {
	b := t.b
	b.Reset(f)
	as := t.assigned
	as.reset()
	*t = translator{m: m, env: env, index: funcIndex, f: f, b: b,
		locals: t.locals[:0], stack: t.stack[:0], frames: t.frames[:0], assigned: as, handlers: t.handlers[:0],
		mem64: t.mem64, tab64: t.tab64, brTargets: t.brTargets[:0], reader: t.reader,
		sigParams: t.sigParams, sigResults: t.sigResults, callArgs: t.callArgs}
	t.addressTypes()
	t.maxWork, t.maxSize = math.MaxInt64, math.MaxInt64
	if env != nil && env.MaxWork > 0 {
		t.maxWork = env.MaxWork
	}
	if env != nil && env.MaxSize > 0 {
		t.maxSize = env.MaxSize
	}
}

// release drops the translator's references to the function and module.
func (t *translator) release() {
	clear(t.frames[:max(t.maxFrames, len(t.frames))])
	for i := range t.handlers {
		t.handlers[i].dispatch = nil // the clauses stay, for Handlers
	}
	t.b.Reset(emptyFunc)
	t.reader.Reset(nil, 0)
	t.m, t.env, t.f, t.check = nil, nil, nil, nil
}

var emptyFunc = ssa.NewFunc("", ssa.Signature{})

// UsesSIMD reports whether m uses v128 anywhere: in a type, a global, a
// local or an instruction (tests pick the SIMD modules with it; a body
// that does not decode counts as not using it).
func UsesSIMD(m *wasm.Module) bool {
	for i := range m.Types {
		ft := &m.Types[i].Func
		if slices.Contains(ft.Params, wasm.V128) || slices.Contains(ft.Results, wasm.V128) {
			return true
		}
	}
	for _, g := range m.Globals {
		if g.Type.Val == wasm.V128 {
			return true
		}
	}
	for _, im := range m.Imports {
		if im.Kind == wasm.ExternGlobal && im.Global.Val == wasm.V128 {
			return true
		}
	}
	var in wasm.Instr
	for i := range m.Code {
		c := &m.Code[i]
		for _, l := range c.Locals {
			if l.Type == wasm.V128 {
				return true
			}
		}
		r := binary.NewExprReader(c.Body, c.Offset)
		for r.Next(&in) == nil {
			if in.Op>>8 == 0xFD || in.Block.Kind == wasm.BlockValue && in.Block.Type == wasm.V128 ||
				in.Op == wasm.OpSelectT && len(in.Types) == 1 && in.Types[0] == wasm.V128 {
				return true
			}
		}
	}
	return false
}

// valueType maps a Wasm value type to its SSA type: references of every
// type are i64 words (0 is null).
func valueType(t wasm.ValType) (ssa.Type, error) {
	if t.IsRef() {
		return ssa.I64, nil
	}
	switch t {
	case wasm.I32:
		return ssa.I32, nil
	case wasm.I64:
		return ssa.I64, nil
	case wasm.F32:
		return ssa.F32, nil
	case wasm.F64:
		return ssa.F64, nil
	case wasm.V128:
		return ssa.V128, nil
	}
	return 0, fmt.Errorf("unknown value type %#x", byte(t))
}

func valueTypes(ts []wasm.ValType) ([]ssa.Type, error) {
	out := make([]ssa.Type, len(ts))
	for i, t := range ts {
		st, err := valueType(t)
		if err != nil {
			return nil, err
		}
		out[i] = st
	}
	return out, nil
}

// sigRef is t.f's reference to the signature of Wasm function type ft
// (signature, through Func.AddSig), built in the translator's buffers:
// only a signature new to the function is copied into storage of its
// own.
func (t *translator) sigRef(ft *wasm.FuncType) (ssa.SigRef, error) {
	if err := t.buildSig(ft); err != nil {
		return 0, err
	}
	return t.addBuiltSig(), nil
}

// buildSig builds ft's signature in the translator's buffers.
func (t *translator) buildSig(ft *wasm.FuncType) error {
	params := append(t.sigParams[:0], ssa.I64)
	for _, p := range ft.Params {
		st, err := valueType(p)
		if err != nil {
			return err
		}
		params = append(params, st)
	}
	results := t.sigResults[:0]
	for _, r := range ft.Results {
		st, err := valueType(r)
		if err != nil {
			return err
		}
		results = append(results, st)
	}
	t.sigParams, t.sigResults = params, results
	return nil
}

// addBuiltSig adds the signature buildSig built to t.f (when new to it,
// copied) and returns its reference.
func (t *translator) addBuiltSig() ssa.SigRef {
	params, results := t.sigParams, t.sigResults
	n := len(t.f.Sigs)
	ref := t.f.AddSig(ssa.Signature{Params: params, Results: results})
	if int(ref) == n {
		t.f.Sigs[ref] = ssa.Signature{Params: slices.Clone(params), Results: slices.Clone(results)}
	}
	return ref
}

// signature is the SSA signature of a Wasm function type: the context
// pointer first, then the Wasm parameters.
func signature(ft *wasm.FuncType) (ssa.Signature, error) {
	params, err := valueTypes(ft.Params)
	if err != nil {
		return ssa.Signature{}, err
	}
	results, err := valueTypes(ft.Results)
	if err != nil {
		return ssa.Signature{}, err
	}
	return ssa.Signature{Params: append([]ssa.Type{ssa.I64}, params...), Results: results}, nil
}

// translator holds the state of one function's translation.
type translator struct {
	m     *wasm.Module
	env   *Env
	index uint32
	f     *ssa.Func
	b     *ssa.Builder
	// check validates each instruction before it is translated, when the
	// module's bodies were left unvalidated (TranslateValidating); rest
	// is how many bytes of the body followed its final end.
	check *validate.FuncValidator
	rest  int
	// reader reads the body; kept with its buffer of br_table targets
	// from one function to the next.
	reader binary.ExprReader
	// sigParams and sigResults are sigRef's buffers, callArgs a direct
	// call's arguments.
	sigParams, sigResults []ssa.Type
	callArgs              []ssa.Value

	ctx    ssa.Value // the context pointer, entry parameter 0
	locals []ssa.Variable
	// memLen caches memory 0's length; it is redefined after everything
	// that may grow memory (calls, memory.grow, builtins, polls). With
	// guard pages (lazyMemLen) nothing caches it: see memoryLen.
	memLen     ssa.Variable
	hasMemory  bool
	lazyMemLen bool

	stack  []ssa.Value
	frames []frame
	// maxFrames is the deepest frames has been in this function: release
	// clears only that much (a body nested thousands deep must not make
	// every later function pay for clearing its frames).
	maxFrames int
	// dead: the code being read is unreachable (after br, return,
	// unreachable...) up to the end or else of the innermost frame;
	// deadDepth counts blocks opened inside the dead code.
	dead      bool
	deadDepth int

	offset int // module offset of the instruction being translated
	polls  pollState
	// sincePoll counts the work since the last poll on the path being
	// translated (stretch.go).
	sincePoll pollCount
	assigned  assigned

	handlers []handlerState // the try_tables (exceptions.go)
	// mem64 and tab64 say which memories and tables are 64-bit.
	mem64, tab64 []bool
	// brTargets is br_table's list of targets before the builder copies it.
	brTargets []ssa.BlockCall
	// targets counts the br_table targets translated (Env.MaxSize).
	targets int64
	// maxWork and maxSize are Env.MaxWork and Env.MaxSize, or the
	// largest int64 when the cap is off.
	maxWork, maxSize int64
}

func (t *translator) run(code *wasm.Code, ft *wasm.FuncType) error {
	t.offset = code.Offset
	t.b.SetPos(uint32(code.Offset))
	entry := t.b.CreateEntryBlock()
	t.ctx = entry.Params[0]
	for i, p := range ft.Params {
		st, _ := valueType(p)
		v := t.b.DeclareVar(st)
		t.b.DefVar(v, entry.Params[1+i])
		t.locals = append(t.locals, v)
	}
	for _, l := range code.Locals {
		st, err := valueType(l.Type)
		if err != nil {
			return err
		}
		for range l.Count {
			// Never defined here: the builder reads an undefined variable
			// as zero, which is the initial value of every local.
			t.locals = append(t.locals, t.b.DeclareVar(st))
		}
	}
	t.entryPoll()
	t.hasMemory = t.m.NumMemories() > 0
	t.lazyMemLen = t.hasMemory && t.uncheckedAccess(0, 0, 1)
	if t.hasMemory && !t.lazyMemLen {
		t.memLen = t.b.DeclareVar(ssa.I64)
		t.reloadMemLen()
	}

	results, _ := valueTypes(ft.Results)
	t.frames = append(t.frames, frame{kind: frameFunc, results: results, handler: -1})

	r := &t.reader
	var disabled wasm.Features
	if t.check != nil {
		disabled = t.check.Disabled()
	}
	r.DisableFeatures(disabled)
	r.Reset(code.Body, code.Offset)
	var in wasm.Instr
	for len(t.frames) > 0 {
		at := r.Offset()
		if op, x, imm, ok := r.NextShort(); ok {
			if t.check == nil || t.check.Short(op, x, imm, at) {
				if err := t.short(op, x, imm, at); err != nil {
					return err
				}
				continue
			}
			// Not on the short path: the validator says what is wrong,
			// or checks it the long way (a type it must match, say).
			in = binary.ShortInstr(op, x, imm, at)
		} else if err := r.Next(&in); err != nil {
			if err == io.EOF {
				return errors.New("function body ends before its final end")
			}
			return err
		}
		if t.check != nil {
			if err := t.check.Instr(&in); err != nil {
				return err
			}
		}
		t.offset = in.Offset
		t.b.SetPos(uint32(in.Offset))
		if t.dead && !t.skipDead(&in) {
			continue
		}
		if err := t.instr(&in); err != nil {
			return err
		}
		t.countStretch(in.Op)
		// Both caps in a few instructions (maxWork and maxSize are the
		// largest int64 when there is none): this runs per instruction.
		if t.b.Work() > t.maxWork {
			return fmt.Errorf("%w: SSA construction took more than %d steps", ErrLimit, t.env.MaxWork)
		}
		if t.size(0) > t.maxSize {
			return t.checkSize(0)
		}
		if err := t.b.Err(); err != nil {
			return err
		}
	}
	t.rest = code.Offset + len(code.Body) - r.Offset()
	return nil
}

// short translates an instruction the validator took on its short path
// (binary.ExprReader.NextShort, validate.FuncValidator.Short): what the
// loop of run does for any other, without the wasm.Instr.
func (t *translator) short(op wasm.Opcode, x uint32, imm uint64, at int) error {
	t.offset = at
	t.b.SetPos(uint32(at))
	if t.dead {
		return nil // none of them ends unreachable code
	}
	var err error
	switch {
	case op >= wasm.OpLocalGet && op <= wasm.OpGlobalSet:
		err = t.variableOp(op, x)
	case op == wasm.OpI32Const:
		t.push(t.b.Iconst(ssa.I32, int64(imm)))
	case op == wasm.OpI64Const:
		t.push(t.b.Iconst(ssa.I64, int64(imm)))
	case op >= wasm.OpI32Load && op <= wasm.OpI64Store32:
		t.memoryAccessOp(op, 0, imm)
	default:
		err = t.numericOp(op)
	}
	if err != nil {
		return err
	}
	// countStretch for an instruction that counts one and is no call,
	// as each of these is.
	c := &t.sincePoll
	c.work++
	if c.returned > 0 {
		c.returned++
	}
	if c.work >= PollStretch || c.returned > returnStretch {
		t.stretchPoll()
	}
	if t.b.Work() > t.maxWork {
		return fmt.Errorf("%w: SSA construction took more than %d steps", ErrLimit, t.env.MaxWork)
	}
	if t.size(0) > t.maxSize {
		return t.checkSize(0)
	}
	return t.b.Err()
}

// skipDead decides, for an instruction in unreachable code, whether it
// must still be translated: only the else or end that closes the dead
// region does.
func (t *translator) skipDead(in *wasm.Instr) bool {
	switch in.Op {
	case wasm.OpBlock, wasm.OpLoop, wasm.OpIf, wasm.OpTryTable:
		t.deadDepth++
		return false
	case wasm.OpElse:
		return t.deadDepth == 0
	case wasm.OpEnd:
		if t.deadDepth > 0 {
			t.deadDepth--
			return false
		}
		return true
	}
	return false
}

// markDead starts an unreachable region after a terminator.
func (t *translator) markDead() {
	t.dead = true
	t.deadDepth = 0
}

func (t *translator) push(v ssa.Value) { t.stack = append(t.stack, v) }

func (t *translator) pop() ssa.Value {
	n := len(t.stack)
	if n == 0 {
		return ssa.NoValue // validation rules this out; the builder reports it
	}
	v := t.stack[n-1]
	t.stack = t.stack[:n-1]
	return v
}

// popN removes and returns the top n values, deepest first (a copy).
func (t *translator) popN(n int) []ssa.Value {
	if n > len(t.stack) {
		n = len(t.stack)
	}
	vals := append([]ssa.Value(nil), t.stack[len(t.stack)-n:]...)
	t.stack = t.stack[:len(t.stack)-n]
	return vals
}

// peekN returns the top n values, deepest first, without removing them.
func (t *translator) peekN(n int) []ssa.Value {
	if n > len(t.stack) {
		n = len(t.stack)
	}
	return append([]ssa.Value(nil), t.stack[len(t.stack)-n:]...)
}

// instr translates one reachable instruction.
func (t *translator) instr(in *wasm.Instr) error {
	op := in.Op
	switch {
	case op <= wasm.OpReturnCallRef || op == wasm.OpTryTable:
		return t.control(in)
	case op == wasm.OpDrop:
		t.pop()
	case op == wasm.OpSelect || op == wasm.OpSelectT:
		c := t.pop()
		y := t.pop()
		x := t.pop()
		t.push(t.b.Select(c, x, y))
	case op >= wasm.OpLocalGet && op <= wasm.OpGlobalSet:
		return t.variable(in)
	case op == wasm.OpTableGet || op == wasm.OpTableSet:
		return t.table(in)
	case op >= wasm.OpI32Load && op <= wasm.OpI64Store32:
		t.memoryAccess(in)
	case op == wasm.OpMemorySize || op == wasm.OpMemoryGrow:
		if t.otherMemory(in.X) {
			t.memorySizeGrowAt(in)
			return nil
		}
		t.memorySizeGrow(in)
	case op >= wasm.OpI32Const && op <= wasm.OpF64Const:
		t.constant(in)
	case op >= wasm.OpI32Eqz && op <= wasm.OpI64Extend32S:
		return t.numeric(in)
	case op >= wasm.OpRefNull && op <= wasm.OpRefFunc:
		t.reference(in)
	case op >= wasm.OpRefAsNonNull && op <= wasm.OpBrOnNonNull:
		return t.typedReference(in)
	case op >= wasm.OpI32TruncSatF32S && op <= wasm.OpI64TruncSatF64U:
		return t.numeric(in)
	case op >= wasm.OpMemoryInit && op <= wasm.OpMemoryFill:
		if t.bulkMemoryAt(in) {
			return nil
		}
		t.bulkMemory(in)
	case op >= wasm.OpTableInit && op <= wasm.OpTableFill:
		return t.table(in)
	case op>>8 == 0xFD:
		return t.simd(in)
	case op>>8 == 1:
		return t.relaxed(in)
	case op.Feature() == wasm.FeatureGC:
		return t.gc(in)
	default:
		return fmt.Errorf("unsupported instruction %s", op)
	}
	return nil
}

// variable translates local.get/set/tee and global.get/set.
func (t *translator) variable(in *wasm.Instr) error { return t.variableOp(in.Op, in.X) }

// variableOp translates local.get/set/tee and global.get/set of index x.
func (t *translator) variableOp(op wasm.Opcode, x uint32) error {
	switch op {
	case wasm.OpLocalGet, wasm.OpLocalSet, wasm.OpLocalTee:
		if x >= uint32(len(t.locals)) {
			return fmt.Errorf("local %d out of range", x)
		}
		v := t.locals[x]
		switch op {
		case wasm.OpLocalGet:
			t.push(t.b.UseVar(v))
		case wasm.OpLocalSet:
			t.defVar(v, t.pop())
		default:
			val := t.pop()
			t.defVar(v, val)
			t.push(val)
		}
	case wasm.OpGlobalGet:
		gt, err := t.globalType(x)
		if err != nil {
			return err
		}
		t.push(t.globalGet(x, gt))
	case wasm.OpGlobalSet:
		gt, err := t.globalType(x)
		if err != nil {
			return err
		}
		t.globalSet(x, gt, t.pop())
	}
	return nil
}

// globalType finds the type of global index i (imports first).
func (t *translator) globalType(i uint32) (wasm.GlobalType, error) {
	if i < t.m.NumImportedGlobals {
		n := uint32(0)
		for _, im := range t.m.Imports {
			if im.Kind == wasm.ExternGlobal {
				if n == i {
					return checkGlobal(im.Global)
				}
				n++
			}
		}
	} else if d := i - t.m.NumImportedGlobals; d < uint32(len(t.m.Globals)) {
		return checkGlobal(t.m.Globals[d].Type)
	}
	return wasm.GlobalType{}, fmt.Errorf("global %d out of range", i)
}

func checkGlobal(g wasm.GlobalType) (wasm.GlobalType, error) {
	return g, nil
}

func (t *translator) constant(in *wasm.Instr) { t.constantOp(in.Op, in.Imm) }

// constantOp translates a constant instruction with immediate imm.
func (t *translator) constantOp(op wasm.Opcode, imm uint64) {
	switch op {
	case wasm.OpI32Const:
		t.push(t.b.Iconst(ssa.I32, int64(imm)))
	case wasm.OpI64Const:
		t.push(t.b.Iconst(ssa.I64, int64(imm)))
	case wasm.OpF32Const:
		t.push(t.b.Insert(&ssa.Inst{Op: ssa.OpF32const, Imm: imm & 0xffffffff})[0])
	case wasm.OpF64Const:
		t.push(t.b.Insert(&ssa.Inst{Op: ssa.OpF64const, Imm: imm})[0])
	}
}

// size is what Env.MaxSize caps (see checkSize).
func (t *translator) size(pending int) int64 {
	return int64(t.f.NumValues()+t.f.NumBlockIDs()+len(t.frames)+pending) + t.targets
}

// checkSize fails when what Env.MaxSize caps, with pending more entries
// about to be built, is past it: the SSA function's values and blocks, the
// br_table targets translated (each a branch edge the back end keeps), and
// the open control frames (deep nesting builds no values until its ends).
func (t *translator) checkSize(pending int) error {
	if t.env == nil || t.env.MaxSize <= 0 {
		return nil
	}
	if t.size(pending) > t.env.MaxSize {
		return fmt.Errorf("%w: the function needs more than %d SSA values, blocks, branch targets and open blocks", ErrSizeLimit, t.env.MaxSize)
	}
	return nil
}
