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

// link lays the functions out 16-byte aligned in one blob, then the entry
// stubs and the shared poll stub, patches every relocation and maps the
// blob W^X.
func link(e *compilerEngine, m *wasm.Module, typeIDs []uint32, fns []compiledFunc) (*moduleCode, error) {
	mc := &moduleCode{eng: e, m: m, typeIDs: typeIDs}
	funcStart := make([]int, len(fns))
	// The entry stubs first, so the blob's size is known and it is
	// allocated once.
	type stub struct {
		code   []byte
		relocs []amd64.Reloc
	}
	stubs := make([]stub, len(fns))
	size, nRelocs, nSites, nTraps, nFaults := 0, 0, 0, 0, 0
	var tb tablesBuilder
	align := func(n int) int { return (n + 15) &^ 15 }
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
		size = align(size) + len(c.Code)
		nRelocs += len(c.Relocs) + len(rs)
		nSites += len(c.Sites)
		nTraps += len(c.TrapSites)
		nFaults += len(c.FaultSites)
	}
	for _, st := range stubs {
		size = align(size) + len(st.code)
	}
	poll, pollExitEntry := amd64.PollStub()
	size = align(size) + len(poll)
	blob := make([]byte, 0, size)
	place := func(code []byte) int {
		for len(blob)%16 != 0 {
			blob = append(blob, 0xCC) // int3 between functions
		}
		off := len(blob)
		blob = append(blob, code...)
		return off
	}
	type relocAt struct {
		base int
		r    amd64.Reloc
	}
	relocs := make([]relocAt, 0, nRelocs)
	tb.funcs = make([]byte, 0, len(fns)*funcEntrySize)
	tb.sites = make([]byte, 0, nSites*siteEntrySize)
	tb.traps = make([]byte, 0, nTraps*trapEntrySize)
	tb.faults = make([]byte, 0, nFaults*faultEntrySize)
	for i, c := range fns {
		off := place(c.Code)
		funcStart[i] = off
		tb.addFunc(off, off+len(c.Code))
		for _, r := range c.Relocs {
			relocs = append(relocs, relocAt{off, r})
		}
		tb.addTraps(off, c.TrapSites)
		tb.addSites(off, c.Sites)
		tb.addHandlers(off, c.handlers, c.Landings, c.LandingSP)
		tb.addFaults(off, c.FaultSites)
	}
	for i, st := range stubs {
		off := place(st.code)
		tb.setEntry(i, off)
		for _, r := range st.relocs {
			relocs = append(relocs, relocAt{off, r})
		}
	}
	pollOff := place(poll)
	for _, r := range relocs {
		at := r.base + r.r.Offset
		var target int
		switch {
		case r.r.Func == amd64.PollStubCallee:
			target = pollOff
		case r.r.Func == amd64.SavingExitCallee:
			target = pollOff + pollExitEntry
		case r.r.Func >= m.NumImportedFuncs && int(r.r.Func-m.NumImportedFuncs) < len(fns):
			target = funcStart[r.r.Func-m.NumImportedFuncs]
		default:
			return nil, fmt.Errorf("compiler: relocation against function %d, which is not defined here", r.r.Func)
		}
		if at < 0 || at+4 > len(blob) {
			return nil, fmt.Errorf("compiler: relocation at %d outside the code", at)
		}
		v := int64(target) + r.r.Addend - int64(at)
		binary.LittleEndian.PutUint32(blob[at:], uint32(int32(v)))
	}
	mc.tables = tb.finish(pollOff, pollOff+len(poll), len(blob))
	code, err := mapGenerated(blob)
	if err != nil {
		return nil, err
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
