package frontend

import (
	"fmt"

	"github.com/moat-run/moat/internal/abi"
	"github.com/moat-run/moat/internal/ssa/ssatest"
)

// The runtime builtins of the fake runtime, with the signatures that
// internal/abi documents (args[0] is the context).

func trap(c abi.TrapCode) error { return &ssatest.Trap{Code: c} }

func (inst *fakeInstance) builtin(b abi.Builtin, args []uint64) ([]uint64, error) {
	s := inst.space
	if args[0] != inst.ctx {
		return nil, fmt.Errorf("builtin %s called with context %#x", b, args[0])
	}
	a := func(i int) uint64 { return uint64(uint32(args[i])) }
	switch b {
	case abi.BuiltinPoll:
		if int64(s.word(inst.ctx+abi.CtxPollCounter)) >= 0 {
			return nil, fmt.Errorf("poll exit with a non-negative counter")
		}
		s.setWord(inst.ctx+abi.CtxPollCounter, pollRefill)
		return nil, nil
	case abi.BuiltinPollTick:
		n := int64(s.word(inst.ctx+abi.CtxPollCounter)) - 1
		if n < 0 {
			n = pollRefill
		}
		s.setWord(inst.ctx+abi.CtxPollCounter, uint64(n))
		return nil, nil
	case abi.BuiltinMemoryGrow:
		return []uint64{inst.memoryGrow(a(1))}, nil
	case abi.BuiltinTableGrow:
		return []uint64{inst.tableGrow(a(1), args[2], a(3))}, nil
	case abi.BuiltinMemoryInit:
		return nil, inst.memoryInit(a(1), a(2), a(3), a(4))
	case abi.BuiltinDataDrop:
		inst.datas[a(1)] = nil
		return nil, nil
	case abi.BuiltinMemoryCopy:
		mem := inst.memory()
		d, src, n := a(1), a(2), a(3)
		if d+n > uint64(len(mem)) || src+n > uint64(len(mem)) {
			return nil, trap(abi.TrapMemoryOutOfBounds)
		}
		copy(mem[d:d+n], mem[src:src+n])
		return nil, nil
	case abi.BuiltinMemoryFill:
		mem := inst.memory()
		d, v, n := a(1), byte(args[2]), a(3)
		if d+n > uint64(len(mem)) {
			return nil, trap(abi.TrapMemoryOutOfBounds)
		}
		for i := range n {
			mem[d+i] = v
		}
		return nil, nil
	case abi.BuiltinTableInit:
		return nil, inst.tableInit(a(1), a(2), a(3), a(4), a(5))
	case abi.BuiltinElemDrop:
		inst.elems[a(1)] = nil
		return nil, nil
	case abi.BuiltinTableCopy:
		dt, st := inst.tableElems(a(1)), inst.tableElems(a(2))
		d, src, n := a(3), a(4), a(5)
		if d+n > uint64(len(dt)) || src+n > uint64(len(st)) {
			return nil, trap(abi.TrapTableOutOfBounds)
		}
		copy(dt[d:d+n], st[src:src+n])
		inst.storeTable(a(1), dt)
		return nil, nil
	case abi.BuiltinTableFill:
		el := inst.tableElems(a(1))
		d, v, n := a(2), args[3], a(4)
		if d+n > uint64(len(el)) {
			return nil, trap(abi.TrapTableOutOfBounds)
		}
		for i := range n {
			el[d+i] = v
		}
		inst.storeTable(a(1), el)
		return nil, nil
	}
	return nil, fmt.Errorf("unknown builtin %d", b)
}

func (inst *fakeInstance) memory() []byte {
	if inst.memRegion < 0 {
		return nil
	}
	return inst.space.regions[inst.memRegion]
}

func (inst *fakeInstance) memoryGrow(delta uint64) uint64 {
	if inst.memRegion < 0 {
		return abi.GrowFailed
	}
	old := uint64(len(inst.memory())) >> 16
	if old+delta > inst.memMax {
		return abi.GrowFailed
	}
	inst.space.regions[inst.memRegion] = append(inst.memory(), make([]byte, delta<<16)...)
	inst.space.setWord(inst.ctx+abi.CtxMemoryLen, (old+delta)<<16)
	return old
}

func (inst *fakeInstance) memoryInit(data, d, src, n uint64) error {
	mem, seg := inst.memory(), inst.datas[data]
	if d+n > uint64(len(mem)) || src+n > uint64(len(seg)) {
		return trap(abi.TrapMemoryOutOfBounds)
	}
	copy(mem[d:d+n], seg[src:src+n])
	return nil
}

// tableElems reads table i's elements into a slice (a copy; storeTable
// writes it back).
func (inst *fakeInstance) tableElems(i uint64) []uint64 {
	reg := inst.space.regions[inst.tables[i].region]
	el := make([]uint64, len(reg)/abi.TableElemSize)
	for k := range el {
		for j := range 8 {
			el[k] |= uint64(reg[k*8+j]) << (8 * j)
		}
	}
	return el
}

func (inst *fakeInstance) storeTable(i uint64, el []uint64) {
	reg := make([]byte, len(el)*abi.TableElemSize)
	for k, x := range el {
		for j := range 8 {
			reg[k*8+j] = byte(x >> (8 * j))
		}
	}
	inst.space.regions[inst.tables[i].region] = reg
	inst.space.setWord(inst.tables[i].desc+abi.TableDescLen, uint64(len(el)))
}

func (inst *fakeInstance) tableInit(table, elem, d, src, n uint64) error {
	el, seg := inst.tableElems(table), inst.elems[elem]
	if d+n > uint64(len(el)) || src+n > uint64(len(seg)) {
		return trap(abi.TrapTableOutOfBounds)
	}
	copy(el[d:d+n], seg[src:src+n])
	inst.storeTable(table, el)
	return nil
}

func (inst *fakeInstance) tableGrow(table uint64, init, delta uint64) uint64 {
	el := inst.tableElems(table)
	old := uint64(len(el))
	if old+delta > inst.tables[table].max {
		return abi.GrowFailed
	}
	for range delta {
		el = append(el, init)
	}
	inst.storeTable(table, el)
	return old
}
