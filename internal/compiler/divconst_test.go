package compiler_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestDivRemByConstant checks i32 div_u, rem_u, div_s and rem_s by
// constants (compiled with multiplications) against Go on edge and random
// dividends.
func TestDivRemByConstant(t *testing.T) {
	divisors := []uint32{2, 3, 5, 6, 7, 10, 11, 25, 100, 641, 1000, 139968, 1 << 20, 0x7fffffff, 0x80000000, 0x80000001, 0xfffffffe, 0xffffffff,
		0xfffffffd, 0xfffffff6, 0xffffff9c, 0x80000002}
	r := rand.New(rand.NewPCG(1, 2))
	for range 20 {
		divisors = append(divisors, r.Uint32()|2, uint32(r.IntN(1000)+2))
	}
	var src strings.Builder
	src.WriteString("(module\n")
	for k, d := range divisors {
		fmt.Fprintf(&src, "(func (export \"div%d\") (param i32) (result i32) (i32.div_u (local.get 0) (i32.const %d)))\n", k, int32(d))
		fmt.Fprintf(&src, "(func (export \"rem%d\") (param i32) (result i32) (i32.rem_u (local.get 0) (i32.const %d)))\n", k, int32(d))
		fmt.Fprintf(&src, "(func (export \"sdiv%d\") (param i32) (result i32) (i32.div_s (local.get 0) (i32.const %d)))\n", k, int32(d))
		fmt.Fprintf(&src, "(func (export \"srem%d\") (param i32) (result i32) (i32.rem_s (local.get 0) (i32.const %d)))\n", k, int32(d))
	}
	src.WriteString(")")
	inst := instantiateText(t, compilerConfig, src.String())
	xs := []uint32{0, 1, 2, 3, 6, 7, 9, 10, 99, 100, 139967, 139968, 139969, 0x7fffffff, 0x80000000, 0x80000001, 0xfffffffe, 0xffffffff}
	for range 200 {
		xs = append(xs, r.Uint32())
	}
	for k, d := range divisors {
		xs := append(xs, d-1, d, d+1, 2*d-1, 2*d, ^uint32(0)/d*d, ^uint32(0)/d*d-1)
		for _, x := range xs {
			q, err := inst.Func(fmt.Sprintf("div%d", k)).Call(context.Background(), uint64(x))
			if err != nil {
				t.Fatal(err)
			}
			m, err := inst.Func(fmt.Sprintf("rem%d", k)).Call(context.Background(), uint64(x))
			if err != nil {
				t.Fatal(err)
			}
			if uint32(q[0]) != x/d || uint32(m[0]) != x%d {
				t.Fatalf("%d / %d: got %d rem %d, want %d rem %d", x, d, uint32(q[0]), uint32(m[0]), x/d, x%d)
			}
			sx, sd := int32(x), int32(d)
			if sd == -1 {
				continue // MIN / -1 traps; the compiler keeps the division
			}
			q, err = inst.Func(fmt.Sprintf("sdiv%d", k)).Call(context.Background(), uint64(x))
			if err != nil {
				t.Fatal(err)
			}
			m, err = inst.Func(fmt.Sprintf("srem%d", k)).Call(context.Background(), uint64(x))
			if err != nil {
				t.Fatal(err)
			}
			if int32(q[0]) != sx/sd || int32(m[0]) != sx%sd {
				t.Fatalf("%d /s %d: got %d rem %d, want %d rem %d", sx, sd, int32(q[0]), int32(m[0]), sx/sd, sx%sd)
			}
		}
	}
}
