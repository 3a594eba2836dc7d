package frontend

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/moat-run/moat/internal/abi"
	"github.com/moat-run/moat/internal/ssa"
	"github.com/moat-run/moat/internal/ssa/ssatest"
	"github.com/moat-run/moat/internal/wasm"
)

// This file is a fake runtime for running translated functions on
// ssatest's interpreter: an address space of regions laid out as
// internal/abi describes (context, linear memory, global cells, table
// descriptors, function descriptors) and the builtins implemented in Go.
// It instantiates modules without imports.

// regionShift spaces regions so each can grow in place up to 64 GiB.
const regionShift = 36

// codeBase is the fake code address of function 0; the code address of
// function i is codeBase+i.
const codeBase = 0xC0DE << 40

// addrSpace is a set of regions; address (k+1)<<regionShift + off is byte
// off of region k. Accesses outside every region are faults: compiled
// code must never make them, so they fail the test rather than trap.
type addrSpace struct{ regions [][]byte }

func (s *addrSpace) alloc(size int) (uint64, int) {
	s.regions = append(s.regions, make([]byte, size))
	k := len(s.regions) - 1
	return uint64(k+1) << regionShift, k
}

func (s *addrSpace) slice(addr uint64, size int) ([]byte, error) {
	k := int(addr>>regionShift) - 1
	off := addr & (1<<regionShift - 1)
	if k < 0 || k >= len(s.regions) || off+uint64(size) > uint64(len(s.regions[k])) {
		return nil, fmt.Errorf("fault: %d-byte access at %#x outside every region", size, addr)
	}
	return s.regions[k][off : off+uint64(size)], nil
}

func (s *addrSpace) Load(addr uint64, size int) (uint64, error) {
	b, err := s.slice(addr, size)
	if err != nil {
		return 0, err
	}
	var buf [8]byte
	copy(buf[:], b)
	return binary.LittleEndian.Uint64(buf[:]), nil
}

func (s *addrSpace) Store(addr uint64, size int, x uint64) error {
	b, err := s.slice(addr, size)
	if err != nil {
		return err
	}
	var buf [8]byte
	binary.LittleEndian.PutUint64(buf[:], x)
	copy(b, buf[:size])
	return nil
}

func (s *addrSpace) word(addr uint64) uint64 { x, _ := s.Load(addr, 8); return x }
func (s *addrSpace) setWord(addr, x uint64)  { _ = s.Store(addr, 8, x) }

// fakeStore holds the instances of one script: one address space, one
// interpreter (so the step budget and call depth span cross-instance
// calls), the code addresses and the registered instances.
type fakeStore struct {
	space      *addrSpace
	machine    *ssatest.Machine
	byCtx      map[uint64]*fakeInstance
	code       []fakeCode // code address codeBase+k runs code[k]
	registered map[string]*fakeInstance
	typeIDs    map[string]uint32 // by wasm.FuncType.Key
	depth      int
}

// fakeCode is a function's code: function index of inst, or a spectest
// host function (inst nil) that does nothing.
type fakeCode struct {
	inst  *fakeInstance
	index uint32
	// hostCall marks the host call stub of every descriptor: it calls the
	// descriptor passed as its last argument with that descriptor's context.
	hostCall bool
}

func newFakeStore() *fakeStore {
	st := &fakeStore{space: &addrSpace{}, byCtx: map[uint64]*fakeInstance{}, registered: map[string]*fakeInstance{}, typeIDs: map[string]uint32{}}
	st.machine = &ssatest.Machine{Memory: st.space, Call: st.call, CallIndirect: st.callIndirect}
	return st
}

// errUnsupported: the module imports something the fake runtime cannot
// provide (a table or memory of another instance, an unknown import).
var errUnsupported = errors.New("unsupported imports")

type fakeTable struct {
	region int    // index of the elements region
	desc   uint64 // descriptor address
	max    uint64
}

// fakeInstance is one instantiated module.
type fakeInstance struct {
	m        *wasm.Module
	optimize bool
	store    *fakeStore
	space    *addrSpace
	ctx      uint64

	memRegion int // -1: no memory
	memMax    uint64

	cells     uint64 // address of global 0's cell
	funcDescs uint64 // address of function 0's descriptor
	tables    []fakeTable
	elems     [][]uint64 // element segments' values; nil once dropped
	datas     [][]byte   // data segments; nil once dropped
	typeIDs   []uint32

	funcs map[uint32]*ssa.Func
}

const (
	maxCallDepth   = 300
	maxTableGrowth = 1 << 20
	pollRefill     = 5 // small, so polls exit often
)

var errTranslate = errors.New("translate")

func newFakeInstance(st *fakeStore, m *wasm.Module, optimize bool) (*fakeInstance, error) {
	if !st.importable(m) {
		return nil, errUnsupported
	}
	inst := &fakeInstance{m: m, optimize: optimize, store: st, space: st.space, memRegion: -1, funcs: map[uint32]*ssa.Func{}}
	s := inst.space
	inst.ctx, _ = s.alloc(abi.ContextSize)
	st.byCtx[inst.ctx] = inst
	s.setWord(inst.ctx+abi.CtxPollCounter, pollRefill)

	// Canonical type ids, store-wide: equal signatures share an id.
	for i := range m.Types {
		key := m.Types[i].Func.Key()
		id, ok := st.typeIDs[key]
		if !ok {
			id = uint32(len(st.typeIDs))
			st.typeIDs[key] = id
		}
		inst.typeIDs = append(inst.typeIDs, id)
	}
	tids, _ := s.alloc(4 * max(len(inst.typeIDs), 1))
	for i, id := range inst.typeIDs {
		_ = s.Store(tids+uint64(4*i), 4, uint64(id))
	}
	s.setWord(inst.ctx+abi.CtxTypeIDs, tids)

	nf := int(m.NumFuncs())
	descs, _ := s.alloc(abi.FuncDescSize * max(nf, 1))
	ftab, _ := s.alloc(abi.FuncTableElemSize * max(nf, 1))
	inst.funcDescs = descs
	for i := range nf {
		d := descs + uint64(i)*abi.FuncDescSize
		code := fakeCode{inst: inst, index: uint32(i)}
		if imp := funcImport(m, uint32(i)); imp != nil {
			code.inst = nil // a spectest print function
			if exp := st.registered[imp.Module]; exp != nil {
				// The exporter's own descriptor: same code, same
				// context, same funcref identity.
				d = exp.exportedDesc(imp.Name)
			}
		}
		if code.inst != nil || d == descs+uint64(i)*abi.FuncDescSize {
			st.code = append(st.code, code)
			s.setWord(d+abi.FuncDescCode, codeBase+uint64(len(st.code)-1))
			s.setWord(d+abi.FuncDescContext, inst.ctx)
			tid := inst.typeIDs[funcTypeIndex(m, uint32(i))]
			_ = s.Store(d+abi.FuncDescTypeID, 4, uint64(tid))
			st.code = append(st.code, fakeCode{hostCall: true})
			s.setWord(d+abi.FuncDescHostCall, codeBase+uint64(len(st.code)-1))
		}
		s.setWord(ftab+uint64(i)*abi.FuncTableElemSize, d)
	}
	s.setWord(inst.ctx+abi.CtxFuncTable, ftab)

	ng := int(m.NumGlobals())
	garr, _ := s.alloc(abi.GlobalAddrSize * max(ng, 1))
	inst.cells, _ = s.alloc(abi.GlobalCellSize * max(ng, 1))
	s.setWord(inst.ctx+abi.CtxGlobalsBase, garr)
	for i := range ng {
		cell := inst.cells + uint64(i)*abi.GlobalCellSize
		s.setWord(garr+uint64(i)*abi.GlobalAddrSize, cell)
	}
	var tables []wasm.TableType
	for _, t := range m.Tables {
		tables = append(tables, t.Type)
	}
	memories := append([]wasm.MemoryType(nil), m.Memories...)
	gi := 0
	for _, im := range m.Imports {
		switch im.Kind {
		case wasm.ExternGlobal:
			if exp := st.registered[im.Module]; exp != nil {
				// Share the exporter's cell.
				s.setWord(garr+uint64(gi)*abi.GlobalAddrSize, exp.exportedCell(im.Name))
			} else {
				s.setWord(inst.cells+uint64(gi)*abi.GlobalCellSize, spectestGlobals[im.Name])
			}
			gi++
		case wasm.ExternTable: // spectest's table: 10 funcrefs, at most 20
			tables = append([]wasm.TableType{{Elem: wasm.FuncRef, Limits: wasm.Limits{Min: 10, Max: 20, HasMax: true}}}, tables...)
		case wasm.ExternMemory: // spectest's memory: 1 page, at most 2
			memories = append([]wasm.MemoryType{{Limits: wasm.Limits{Min: 1, Max: 2, HasMax: true}}}, memories...)
		}
	}
	for i, g := range m.Globals {
		cell := inst.cells + uint64(gi+i)*abi.GlobalCellSize
		s.setWord(cell, inst.constExpr(g.Init))
		s.setWord(cell+8, inst.constExprHigh(g.Init))
	}

	tdescs, _ := s.alloc(abi.TableDescSize * max(len(tables), 1))
	s.setWord(inst.ctx+abi.CtxTablesBase, tdescs)
	for i, tt := range tables {
		elems, k := s.alloc(abi.TableElemSize * int(tt.Limits.Min))
		d := tdescs + uint64(i)*abi.TableDescSize
		s.setWord(d+abi.TableDescElems, elems)
		s.setWord(d+abi.TableDescLen, uint64(tt.Limits.Min))
		mx := uint64(maxTableGrowth)
		if tt.Limits.HasMax {
			mx = min(mx, uint64(tt.Limits.Max))
		}
		inst.tables = append(inst.tables, fakeTable{region: k, desc: d, max: mx})
	}

	if len(memories) > 0 {
		lim := memories[0].Limits
		base, k := s.alloc(int(lim.Min) << 16)
		inst.memRegion = k
		inst.memMax = 65536
		if lim.HasMax {
			inst.memMax = uint64(lim.Max)
		}
		s.setWord(inst.ctx+abi.CtxMemoryBase, base)
		s.setWord(inst.ctx+abi.CtxMemoryLen, uint64(lim.Min)<<16)
	}

	for _, e := range m.Elems {
		vals := make([]uint64, e.Len())
		for i, it := range e.ItemExprs() {
			vals[i] = inst.constExpr(it)
		}
		inst.elems = append(inst.elems, vals)
	}
	for _, d := range m.Datas {
		inst.datas = append(inst.datas, d.Bytes)
	}
	for i, e := range m.Elems {
		switch e.Mode {
		case wasm.ElemActive:
			off := inst.constExpr(e.Offset)
			if err := inst.tableInit(uint64(e.Table), uint64(i), uint64(uint32(off)), 0, uint64(e.Len())); err != nil {
				return nil, err
			}
			inst.elems[i] = nil
		case wasm.ElemDeclarative:
			inst.elems[i] = nil
		}
	}
	for i, d := range m.Datas {
		if d.Mode == wasm.DataActive {
			off := inst.constExpr(d.Offset)
			if err := inst.memoryInit(uint64(i), uint64(uint32(off)), 0, uint64(len(d.Bytes))); err != nil {
				return nil, err
			}
			inst.datas[i] = nil
		}
	}
	if m.HasStart {
		if _, err := inst.invoke(m.Start, nil); err != nil {
			return nil, err
		}
	}
	return inst, nil
}

// constExpr evaluates a constant expression (no imports, so global.get
// reads an earlier defined global).
func (inst *fakeInstance) constExpr(c wasm.ConstExpr) uint64 {
	if c.Len() == 0 {
		return 0
	}
	in := c.At(0)
	switch in.Op {
	case wasm.OpI32Const, wasm.OpF32Const:
		return in.Imm & 0xffffffff
	case wasm.OpI64Const, wasm.OpF64Const, wasm.OpV128Const:
		return in.Imm
	case wasm.OpRefFunc:
		return inst.space.word(inst.space.word(inst.ctx+abi.CtxFuncTable) + uint64(in.X)*abi.FuncTableElemSize)
	case wasm.OpGlobalGet:
		return inst.space.word(inst.cell(in.X))
	}
	return 0 // ref.null
}

// constExprHigh is the high word of a v128 constant expression (0 for
// the other types).
func (inst *fakeInstance) constExprHigh(c wasm.ConstExpr) uint64 {
	if c.Len() == 0 {
		return 0
	}
	switch in := c.At(0); in.Op {
	case wasm.OpV128Const:
		return in.Hi
	case wasm.OpGlobalGet:
		return inst.space.word(inst.cell(in.X) + 8)
	}
	return 0
}

// fn translates (and caches) defined function i.
func (inst *fakeInstance) fn(i uint32) (*ssa.Func, error) {
	if f, ok := inst.funcs[i]; ok {
		return f, nil
	}
	f, err := Translate(inst.m, i, &Env{})
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errTranslate, err)
	}
	if err := ssa.Verify(f); err != nil {
		return nil, fmt.Errorf("%w: %v\n%s", errTranslate, err, f)
	}
	if inst.optimize {
		if err := (ssa.Pipeline{Passes: ssa.DefaultPasses, Verify: true}).Run(f); err != nil {
			return nil, fmt.Errorf("%w: %v", errTranslate, err)
		}
	}
	inst.funcs[i] = f
	return f, nil
}

// invoke calls function i from outside with a fresh step budget.
func (inst *fakeInstance) invoke(i uint32, args []uint64) ([]uint64, error) {
	st := inst.store
	st.machine.Steps = 0
	st.machine.MaxSteps = 20_000_000
	st.depth = 0
	desc := inst.space.word(inst.space.word(inst.ctx+abi.CtxFuncTable) + uint64(i)*abi.FuncTableElemSize)
	return st.callIndirect(inst.space.word(desc+abi.FuncDescCode), ssa.Signature{}, append([]uint64{inst.space.word(desc + abi.FuncDescContext)}, args...))
}

func (inst *fakeInstance) callFunc(i uint32, args []uint64) ([]uint64, error) {
	f, err := inst.fn(i)
	if err != nil {
		return nil, err
	}
	st := inst.store
	if st.depth >= maxCallDepth {
		return nil, &ssatest.Trap{Code: abi.TrapStackExhausted}
	}
	st.depth++
	defer func() { st.depth-- }()
	if args[0] != inst.ctx {
		return nil, fmt.Errorf("function %d called with context %#x", i, args[0])
	}
	return st.machine.Run(f, args)
}

// call performs a direct call: of a builtin, or of a defined function of
// the instance whose context is the first argument.
func (st *fakeStore) call(callee ssa.FuncRef, sig ssa.Signature, args []uint64) ([]uint64, error) {
	inst := st.byCtx[args[0]]
	if inst == nil {
		return nil, fmt.Errorf("direct call with context %#x", args[0])
	}
	if b, ok := abi.BuiltinOf(uint32(callee)); ok {
		return inst.builtin(b, args)
	}
	if uint32(callee) < inst.m.NumImportedFuncs {
		return nil, fmt.Errorf("direct call of import %d", callee)
	}
	return inst.callFunc(uint32(callee), args)
}

func (st *fakeStore) callIndirect(addr uint64, sig ssa.Signature, args []uint64) ([]uint64, error) {
	if addr < codeBase || addr-codeBase >= uint64(len(st.code)) {
		return nil, fmt.Errorf("call_indirect to %#x, not a code address", addr)
	}
	c := st.code[addr-codeBase]
	if c.hostCall {
		if len(args) < 2 {
			return nil, fmt.Errorf("host call stub called with %d arguments", len(args))
		}
		desc := args[len(args)-1]
		callee := append([]uint64{st.space.word(desc + abi.FuncDescContext)}, args[1:len(args)-1]...)
		return st.callIndirect(st.space.word(desc+abi.FuncDescCode), sig, callee)
	}
	if c.inst == nil {
		return nil, nil // spectest's print functions: no results, no effect
	}
	return c.inst.callFunc(c.index, args)
}

// cell is the address of global g's cell.
func (inst *fakeInstance) cell(g uint32) uint64 {
	return inst.space.word(inst.space.word(inst.ctx+abi.CtxGlobalsBase) + uint64(g)*abi.GlobalAddrSize)
}

func (inst *fakeInstance) export(name string, kind wasm.ExternKind) (uint32, bool) {
	for _, e := range inst.m.Exports {
		if e.Name == name && e.Kind == kind {
			return e.Index, true
		}
	}
	return 0, false
}

func (inst *fakeInstance) exportedDesc(name string) uint64 {
	i, _ := inst.export(name, wasm.ExternFunc)
	return inst.space.word(inst.space.word(inst.ctx+abi.CtxFuncTable) + uint64(i)*abi.FuncTableElemSize)
}

func (inst *fakeInstance) exportedCell(name string) uint64 {
	i, _ := inst.export(name, wasm.ExternGlobal)
	return inst.cell(i)
}

// importable reports whether every import of m is one the fake runtime
// provides: the spectest host module's functions, globals, table and
// memory, and functions and globals of registered instances.
func (st *fakeStore) importable(m *wasm.Module) bool {
	for _, im := range m.Imports {
		if exp := st.registered[im.Module]; exp != nil {
			if im.Kind != wasm.ExternFunc && im.Kind != wasm.ExternGlobal {
				return false
			}
			if _, ok := exp.export(im.Name, im.Kind); !ok {
				return false
			}
			continue
		}
		if im.Module != "spectest" {
			return false
		}
		switch im.Kind {
		case wasm.ExternFunc:
			if !strings.HasPrefix(im.Name, "print") {
				return false
			}
		case wasm.ExternGlobal:
			if _, ok := spectestGlobals[im.Name]; !ok {
				return false
			}
		case wasm.ExternTable:
			if im.Name != "table" {
				return false
			}
		case wasm.ExternMemory:
			if im.Name != "memory" {
				return false
			}
		}
	}
	return true
}

// funcImport is the import of function i, or nil for a defined function.
func funcImport(m *wasm.Module, i uint32) *wasm.Import {
	n := uint32(0)
	for k := range m.Imports {
		if m.Imports[k].Kind == wasm.ExternFunc {
			if n == i {
				return &m.Imports[k]
			}
			n++
		}
	}
	return nil
}

// spectestGlobals are the values of the spectest host module's globals.
var spectestGlobals = map[string]uint64{
	"global_i32": 666,
	"global_i64": 666,
	"global_f32": uint64(math.Float32bits(666.6)),
	"global_f64": math.Float64bits(666.6),
}

// funcTypeIndex is the type index of function i (imports first).
func funcTypeIndex(m *wasm.Module, i uint32) uint32 {
	if i >= m.NumImportedFuncs {
		return m.Funcs[i-m.NumImportedFuncs]
	}
	n := uint32(0)
	for _, im := range m.Imports {
		if im.Kind == wasm.ExternFunc {
			if n == i {
				return im.Func
			}
			n++
		}
	}
	return 0
}
