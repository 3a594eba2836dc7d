package backend

import (
	"math/rand"
	"testing"
)

// TestAllocateValidatesAsValidate: the allocator validates inside
// liveness' walk over the blocks (Liveness.compute with a vcodeCheck);
// on functions broken in every way validation knows, its error is
// exactly Validate's, and a function Validate accepts is not refused for
// a validation reason.
func TestAllocateValidatesAsValidate(t *testing.T) {
	n := 3000
	if testing.Short() {
		n = 300
	}
	refused := 0
	for seed := int64(0); seed < int64(n); seed++ {
		r := rand.New(rand.NewSource(seed))
		f := randomFunc(seed, 10+int(seed%60))
		for range 1 + r.Intn(2) {
			breakFunc(r, f)
		}
		for _, env := range []*MachineEnv{fakeEnv(), smallEnv()} {
			want := f.Validate(env)
			_, got := Allocate(f, env)
			switch {
			case want != nil && (got == nil || got.Error() != want.Error()):
				t.Fatalf("seed %d: Validate says %q, Allocate %v\n%s", seed, want, got, f)
			case want == nil && got != nil:
				// Allocate may refuse what validation lets through (a
				// register read before any definition), not for the
				// reasons validation gives.
				if e, ok := got.(*Error); !ok || e.Msg == "" {
					t.Fatalf("seed %d: Validate accepts, Allocate: %v", seed, got)
				}
			}
			if want != nil {
				refused++
			}
		}
	}
	if refused < n/2 {
		t.Errorf("only %d of %d functions broken", refused, 2*n)
	}
}

// breakFunc changes one thing of f at random, most often into something
// validation refuses.
func breakFunc(r *rand.Rand, f *Func) {
	pickOp := func() *Operand {
		if len(f.Ops) == 0 {
			return &Operand{}
		}
		return &f.Ops[r.Intn(len(f.Ops))]
	}
	pickBlock := func() *Block { return &f.Blocks[r.Intn(len(f.Blocks))] }
	vreg := func() VReg {
		switch r.Intn(4) {
		case 0:
			return InvalidVReg
		case 1:
			return VReg(f.NumVRegs() + r.Intn(3))
		case 2:
			return Pinned(PReg(r.Intn(int(NumPinned))))
		}
		return VReg(NumPinned + r.Intn(f.NumVRegs()-NumPinned))
	}
	switch r.Intn(16) {
	case 0:
		pickOp().VReg = vreg()
	case 1:
		pickOp().Kind = OperandKind(r.Intn(5))
	case 2:
		pickOp().Constraint = Constraint(r.Intn(6))
	case 3:
		op := pickOp()
		op.Constraint, op.Fixed = FixedReg, PReg(r.Intn(40))
	case 4:
		op := pickOp()
		op.Constraint, op.Reuse = ReuseInput, int32(r.Intn(5)-1)
	case 5:
		pickOp().Early = true
	case 6:
		i := r.Intn(len(f.recs))
		f.recs[i].flags ^= InstFlags(1 << r.Intn(3))
	case 7:
		i := r.Intn(len(f.recs))
		f.recs[i].lo += int32(r.Intn(5) - 2)
	case 8:
		i := r.Intn(len(f.recs))
		f.recs[i].hi += int32(r.Intn(5) - 2)
	case 9:
		f.Insts[r.Intn(len(f.Insts))] = nil
	case 10:
		b := pickBlock()
		b.Params = append(b.Params, vreg())
	case 11:
		b := pickBlock()
		if len(b.Succs) > 0 {
			b.Succs[r.Intn(len(b.Succs))] = BlockID(r.Intn(len(f.Blocks) + 2))
		}
	case 12:
		b := pickBlock()
		for k := range b.SuccArgs {
			if len(b.SuccArgs[k]) > 0 {
				args := append([]VReg(nil), b.SuccArgs[k]...)
				args[r.Intn(len(args))] = vreg()
				b.SuccArgs[k] = args
			}
		}
	case 13:
		b := pickBlock()
		if r.Intn(2) == 0 {
			b.End--
		} else {
			b.Start++
		}
	case 14:
		// Duplicate an instruction's operands (a second def of a value,
		// too many operands for a class).
		i := r.Intn(len(f.recs))
		lo, hi := f.recs[i].lo, f.recs[i].hi
		if lo >= 0 && lo <= hi && int(hi) <= len(f.Ops) {
			f.recs[i].lo = int32(len(f.Ops))
			f.Ops = append(f.Ops, f.Ops[lo:hi]...)
			f.Ops = append(f.Ops, f.Ops[lo:hi]...)
			f.recs[i].hi = int32(len(f.Ops))
		}
	case 15:
		f.Blocks[0].Params = append(f.Blocks[0].Params, vreg())
	}
}
