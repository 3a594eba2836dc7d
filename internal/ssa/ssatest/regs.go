package ssatest

import "github.com/moat-run/moat/internal/ssa"

// regs holds a function's values: lo is every value's word (the low half
// of a V128), hi the high half of V128 values.
type regs struct{ lo, hi []uint64 }

func newRegs(n int) *regs { return &regs{lo: make([]uint64, n), hi: make([]uint64, n)} }

// list flattens vs into words, two (low, high) for a V128.
func (r *regs) list(f *ssa.Func, vs []ssa.Value) []uint64 {
	out := make([]uint64, 0, len(vs))
	for _, v := range vs {
		out = append(out, r.lo[v])
		if f.ValueType(v) == ssa.V128 {
			out = append(out, r.hi[v])
		}
	}
	return out
}

// setList assigns flattened words to vs; it reports whether the number of
// words fits.
func (r *regs) setList(f *ssa.Func, vs []ssa.Value, words []uint64) bool {
	k := 0
	for _, v := range vs {
		t := f.ValueType(v)
		if k >= len(words) {
			return false
		}
		r.lo[v] = mask(t, words[k])
		k++
		if t == ssa.V128 {
			if k >= len(words) {
				return false
			}
			r.hi[v] = words[k]
			k++
		}
	}
	return k == len(words)
}

// load128 reads 16 bytes as two 8-byte accesses; the frontend's bounds
// check covers both.
func (m *Machine) load128(addr uint64) (lo, hi uint64, err error) {
	if lo, err = m.Memory.Load(addr, 8); err != nil {
		return 0, 0, err
	}
	hi, err = m.Memory.Load(addr+8, 8)
	return lo, hi, err
}

func (m *Machine) store128(addr, lo, hi uint64) error {
	if err := m.Memory.Store(addr, 8, lo); err != nil {
		return err
	}
	return m.Memory.Store(addr+8, 8, hi)
}
