package amd64

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
)

// TestOperandMask: operandMask is argKind.accepts computed for all kinds
// at once.
func TestOperandMask(t *testing.T) {
	var ops []Operand
	for r := Reg(0); r < 40; r++ {
		ops = append(ops, R(r))
	}
	ops = append(ops, R(RIP), R(NoReg), M(Mem{Base: RAX}), M(Mem{Base: RIP, Label: 1}), L(0), L(3), immOperand(KindLabel, -1), immOperand(KindLabel, 1<<40), Func(0), Func(7), immOperand(KindFunc, -1), immOperand(KindFunc, 1<<33), Operand{}, Operand{Kind: 99})
	for _, v := range []int64{0, 1, 2, -1, 127, 128, -128, -129, 255, 256, 1<<15 - 1, 1 << 15, 1<<16 - 1, 1 << 16, -1 << 15, -1<<15 - 1,
		1<<31 - 1, 1 << 31, -1 << 31, -1<<31 - 1, 1<<32 - 1, 1 << 32, -1 << 63, 1<<63 - 1} {
		ops = append(ops, Imm(v))
	}
	for _, size := range []Size{0, S8, S16, S32, S64, S128} {
		for _, o := range ops {
			m := operandMask(&o, size)
			for k := argR; k <= argFunc; k++ {
				if got, want := m&(1<<k) != 0, k.accepts(&o, size); got != want {
					t.Errorf("size %v, operand %+v, kind %d: mask says %v, accepts %v", size, o, k, got, want)
				}
			}
		}
	}
}

// TestLookupCached: lookup, whose answers come from formCache once
// remembered, picks the form lookupSlow picks (form.accepts one operand
// at a time), for arbitrary instructions asked twice and from several
// goroutines at once (entries are overwritten as keys collide).
func TestLookupCached(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	insts := make([]Inst, 20000)
	for i := range insts {
		b := make([]byte, 40)
		for j := range b {
			b[j] = byte(rng.Uint32())
		}
		insts[i] = instFromBytes(b)
		if i%2 == 0 { // ops that exist, so that many have a form
			insts[i].Op = Op(rng.IntN(int(numOps)))
			insts[i].Size = []Size{0, S8, S16, S32, S64, S128}[rng.IntN(6)]
		}
	}
	var wg sync.WaitGroup
	errs := make(chan string, 4)
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			found := 0
			for round := range 2 {
				for i := g; i < len(insts); i += 1 + g%2 {
					in := &insts[i]
					got, want := lookup(in), (*form)(nil)
					if in.Op < numOps {
						want = lookupSlow(in)
					}
					if got != want {
						errs <- fmt.Sprintf("round %d: %+v: lookup %p, lookupSlow %p", round, *in, got, want)
						return
					}
					if got != nil {
						found++
					}
				}
			}
			if found == 0 {
				errs <- "no instruction had a form"
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}
