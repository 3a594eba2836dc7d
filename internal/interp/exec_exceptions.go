package interp

import (
	"github.com/moat-run/moat/internal/abi"
	"github.com/moat-run/moat/internal/vm"
	"github.com/moat-run/moat/internal/wasm"
)

// newException makes the exception of throw: the tag of instruction in
// and the payload from its argument slots.
func newException(st *instState, in *instr, regs []uint64) *vm.Exception {
	tag := st.tags[in.b]
	n := uint32(tag.Type.ParamSlots())
	payload := make([]uint64, n)
	copy(payload, regs[in.a:in.a+n])
	return &vm.Exception{Tag: tag, Payload: payload}
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
