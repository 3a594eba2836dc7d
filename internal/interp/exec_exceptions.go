package interp

import (
	"github.com/moat-run/moat/internal/abi"
	"github.com/moat-run/moat/internal/vm"
	"github.com/moat-run/moat/internal/wasm"
)

// newException makes the exception of throw: the tag of instruction in
// and the payload from its argument slots. It fills the spare exception
// that the last catch left when it can, so that a guest that throws and
// catches in a loop allocates nothing: each allocation would bring the Go
// collector's next cycle closer, and a guest that keeps it collecting
// keeps stopping the world and assisting its mark phase, which delayed
// the guest's cancellation by milliseconds.
func (m *machine) newException(st *instState, in *instr, regs []uint64) *vm.Exception {
	tag := st.tags[in.b]
	n := uint32(tag.Type.ParamSlots())
	e := m.spareExn
	if e == nil || uint32(cap(e.Payload)) < n {
		e = &vm.Exception{Payload: make([]uint64, n)}
	}
	m.spareExn = nil
	e.Tag, e.Payload = tag, e.Payload[:n]
	copy(e.Payload, regs[in.a:in.a+n])
	return e
}

// caught ends the unwinding of m.exn, which a clause has caught (and
// copied its payload out of). An exception this machine threw that no
// exnref names (a catch_ref registers it with the store) is held by
// nothing else, so it becomes the spare for the next throw.
func (m *machine) caught() {
	if m.exnOwned && !m.exn.HasRef() {
		m.spareExn = m.exn
	}
	m.exn, m.exnOwned = nil, false
}

// catch looks for a clause of fc's handlers around instruction site that
// catches m.exn, innermost try_table first. When one does, it writes what
// the clause hands its label into regs and returns it.
func (m *machine) catch(fc *funcCode, site int, st *instState, regs []uint64) (*catchTarget, abi.TrapCode) {
	exn := m.exn
	for i := range fc.handlers {
		h := &fc.handlers[i]
		if site < int(h.start) || site >= int(h.end) {
			continue
		}
		for j := h.first; j < h.first+h.n; j++ {
			ct := &fc.catches[j]
			if ct.kind.HasTag() && st.tags[ct.tag] != exn.Tag {
				continue
			}
			dst := ct.dst
			if ct.kind.HasTag() {
				copy(regs[dst:], exn.Payload)
				dst += uint32(len(exn.Payload))
			}
			if ct.kind == wasm.CatchRef || ct.kind == wasm.CatchAllRef {
				ref, err := st.store.ExnRef(exn)
				if err != nil {
					m.hostErr = err
					return nil, abi.TrapHostError
				}
				regs[dst] = ref
			}
			return ct, abi.TrapNone
		}
	}
	return nil, abi.TrapNone
}
