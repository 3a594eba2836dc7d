package compiler

import (
	"encoding/binary"
	"fmt"
	"runtime"
	"sort"

	"github.com/moat-run/moat/internal/backend/amd64"
	"github.com/moat-run/moat/internal/vm"
	"github.com/moat-run/moat/internal/wasm"
)

// moduleCode is a linked module: one sealed code mapping shared by every
// instance of the module.
type moduleCode struct {
	eng  *compilerEngine
	m    *wasm.Module
	code *vm.Code
	// funcStart[i] is defined function i's offset in the blob; funcEnd its end.
	funcStart, funcEnd []int
	// entry[i] is the offset of defined function i's entry stub.
	entry []int
	// trapSites maps a trap exit's resume offset to its stub (backtraces).
	trapSites map[int]amd64.TrapSite
	// sites are the return addresses with their wasm positions, by offset.
	sites []amd64.Site
	// pollStart and pollEnd delimit the shared poll stub.
	pollStart, pollEnd int
}

// link lays the functions out 16-byte aligned in one blob, then the entry
// stubs and the shared poll stub, patches every relocation and maps the
// blob W^X.
func link(e *compilerEngine, m *wasm.Module, fns []*amd64.Compiled) (*moduleCode, error) {
	mc := &moduleCode{eng: e, m: m, funcStart: make([]int, len(fns)), funcEnd: make([]int, len(fns)),
		entry: make([]int, len(fns)), trapSites: map[int]amd64.TrapSite{}}
	// The entry stubs first, so the blob's size is known and it is
	// allocated once.
	type stub struct {
		code   []byte
		relocs []amd64.Reloc
	}
	stubs := make([]stub, len(fns))
	size, nRelocs, nSites, nTraps := 0, 0, 0, 0
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
	mc.sites = make([]amd64.Site, 0, nSites)
	mc.trapSites = make(map[int]amd64.TrapSite, nTraps)
	for i, c := range fns {
		off := place(c.Code)
		mc.funcStart[i], mc.funcEnd[i] = off, off+len(c.Code)
		for _, r := range c.Relocs {
			relocs = append(relocs, relocAt{off, r})
		}
		for _, ts := range c.TrapSites {
			mc.trapSites[off+ts.Offset] = ts
		}
		for _, s := range c.Sites {
			mc.sites = append(mc.sites, amd64.Site{Offset: off + s.Offset, Pos: s.Pos})
		}
	}
	for i, st := range stubs {
		off := place(st.code)
		mc.entry[i] = off
		for _, r := range st.relocs {
			relocs = append(relocs, relocAt{off, r})
		}
	}
	pollOff := place(poll)
	mc.pollStart, mc.pollEnd = pollOff, pollOff+len(poll)
	for _, r := range relocs {
		at := r.base + r.r.Offset
		var target int
		switch {
		case r.r.Func == amd64.PollStubCallee:
			target = pollOff
		case r.r.Func == amd64.SavingExitCallee:
			target = pollOff + pollExitEntry
		case r.r.Func >= m.NumImportedFuncs && int(r.r.Func-m.NumImportedFuncs) < len(fns):
			target = mc.funcStart[r.r.Func-m.NumImportedFuncs]
		default:
			return nil, fmt.Errorf("compiler: relocation against function %d, which is not defined here", r.r.Func)
		}
		if at < 0 || at+4 > len(blob) {
			return nil, fmt.Errorf("compiler: relocation at %d outside the code", at)
		}
		v := int64(target) + r.r.Addend - int64(at)
		binary.LittleEndian.PutUint32(blob[at:], uint32(int32(v)))
	}
	code, err := vm.MapCode(blob)
	if err != nil {
		return nil, err
	}
	mc.code = code
	runtime.AddCleanup(mc, func(c *vm.Code) { _ = c.Close() }, code)
	return mc, nil
}

// funcAt returns the defined function index whose code holds pc, or -1.
func (mc *moduleCode) funcAt(pc uintptr) int {
	base := mc.code.Addr()
	if pc < base || pc >= base+uintptr(mc.code.Size()) {
		return -1
	}
	off := int(pc - base)
	i := sort.Search(len(mc.funcStart), func(i int) bool { return mc.funcStart[i] > off }) - 1
	if i >= 0 && off <= mc.funcEnd[i] {
		return i
	}
	return -1
}
