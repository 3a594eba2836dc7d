package compiler

import (
	"encoding/binary"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/moat-run/moat/internal/backend/amd64"
	"github.com/moat-run/moat/internal/pool"
	"github.com/moat-run/moat/internal/vm"
	"github.com/moat-run/moat/internal/wasm"
)

// moduleCode is a linked module: one sealed code mapping shared by every
// instance of the module, and its tables. The code is position-independent
// and holds no engine-specific value (calls between functions are relative;
// everything else goes through the context), so it runs unchanged wherever
// it is mapped: from a fresh link or straight from an artifact file.
type moduleCode struct {
	eng    *compilerEngine
	m      *wasm.Module
	code   *vm.Code
	tables *codeTables
	// typeIDs are the engine's canonical ids of the module's types, by
	// type index (abi.CtxTypeIDs points at them).
	typeIDs []uint32
	// file is the artifact mapping the module was loaded from (nil for a
	// fresh compile): the code and the data segments live in it.
	file *vm.FileMapping
	// mem0 is memory 0's copy-on-write image (image.go).
	mem0 pool.LazyImage
	// stubs are the host call stubs by type index, for the descriptors
	// of the module's functions (hostStubs).
	stubsOnce sync.Once
	stubs     []uintptr
	// template is descTemplate's, made once.
	templateOnce sync.Once
	template     []uint64
	// keptBlocks are descriptor blocks of released stores (takeBlock),
	// keptCount of them at most maxKeptBlocks.
	keptBlocks pool.FreeList[keptBlock]
	keptCount  atomic.Int32
}

// hostStubs returns the host call stub of every function type of the
// module, by type index (0 for a type the stub cannot carry or that is
// not a function type), looked up once.
func (mc *moduleCode) hostStubs() []uintptr {
	mc.stubsOnce.Do(func() {
		mc.stubs = make([]uintptr, len(mc.m.Types))
		for _, ti := range mc.m.Funcs {
			if mc.stubs[ti] == 0 {
				mc.stubs[ti], _ = mc.eng.hostStub(mc.m.FuncType(ti))
			}
		}
	})
	return mc.stubs
}

// link lays the functions out 16-byte aligned, then the entry stubs and
// the shared poll stub, straight into the code mapping (the layout is
// computed first, so no blob is built on the Go heap and copied), patches
// every relocation as its code is placed and seals the mapping W^X.
func link(e *compilerEngine, m *wasm.Module, typeIDs []uint32, fns []compiledFunc) (*moduleCode, error) {
	mc := &moduleCode{eng: e, m: m, typeIDs: typeIDs}
	type stub struct {
		code   []byte
		relocs []amd64.Reloc
	}
	stubs := make([]stub, len(fns))
	var tb tablesBuilder
	align := func(n int) int { return (n + 15) &^ 15 }
	// funcStart is each function's offset: relocations against a later
	// function are patched as the earlier one is placed.
	funcStart := make([]int, len(fns))
	size := 0
	var n tableCounts
	for i, c := range fns {
		fn := m.NumImportedFuncs + uint32(i)
		sig, err := ssaSignature(m.FuncTypeOf(fn))
		if err != nil {
			return nil, err
		}
		code, rs, err := amd64.EntryStub(sig, fn)
		if err != nil {
			return nil, fmt.Errorf("compiler: entry stub of function %d: %w", fn, err)
		}
		stubs[i] = stub{code, rs}
		funcStart[i] = align(size)
		size = funcStart[i] + len(c.Code)
		n.add(c)
	}
	for _, st := range stubs {
		size = align(size) + len(st.code)
	}
	poll, pollExitEntry := amd64.PollStub()
	pollOff := align(size)
	size = pollOff + len(poll)
	code, err := vm.NewCode(size)
	if err != nil {
		return nil, err
	}
	blob := code.Bytes()[:0]
	place := func(c []byte, relocs []amd64.Reloc) (int, error) {
		for len(blob)%16 != 0 {
			blob = append(blob, 0xCC) // int3 between functions
		}
		off := len(blob)
		blob = append(blob, c...)
		for _, r := range relocs {
			var target int
			switch {
			case r.Func == amd64.PollStubCallee:
				target = pollOff
			case r.Func == amd64.SavingExitCallee:
				target = pollOff + pollExitEntry
			case r.Func >= m.NumImportedFuncs && int(r.Func-m.NumImportedFuncs) < len(fns):
				target = funcStart[r.Func-m.NumImportedFuncs]
			default:
				return 0, fmt.Errorf("compiler: relocation against function %d, which is not defined here", r.Func)
			}
			at := off + r.Offset
			if r.Offset < 0 || r.Offset+4 > len(c) {
				return 0, fmt.Errorf("compiler: relocation at %d outside its code", at)
			}
			v := int64(target) + r.Addend - int64(at)
			binary.LittleEndian.PutUint32(blob[at:], uint32(int32(v)))
		}
		return off, nil
	}
	fail := func(err error) (*moduleCode, error) {
		code.Close()
		return nil, err
	}
	tb.reserve(n)
	for _, c := range fns {
		off, err := place(c.Code, c.Relocs)
		if err != nil {
			return fail(err)
		}
		tb.addFunc(off, off+len(c.Code))
		tb.addTraps(off, c.TrapSites)
		tb.addSites(off, c.Sites)
		tb.addHandlers(off, c.handlers, c.Landings, c.LandingSP)
		tb.addFaults(off, c.FaultSites)
	}
	for i, st := range stubs {
		off, err := place(st.code, st.relocs)
		if err != nil {
			return fail(err)
		}
		tb.setEntry(i, off)
	}
	if _, err := place(poll, nil); err != nil {
		return fail(err)
	}
	mc.tables = tb.finish(pollOff, pollOff+len(poll), len(blob))
	if err := code.Seal(); err != nil {
		return fail(err)
	}
	if err := allowFaults(code); err != nil {
		return fail(err)
	}
	mc.code = code
	runtime.AddCleanup(mc, func(c *vm.Code) { _ = c.Close() }, code)
	writePerfMap(mc)
	return mc, nil
}

// funcAt returns the defined function index whose code holds pc, or -1.
func (mc *moduleCode) funcAt(pc uintptr) int {
	base := mc.code.Addr()
	if pc < base || pc >= base+uintptr(mc.code.Size()) {
		return -1
	}
	return mc.tables.funcAt(int(pc - base))
}
