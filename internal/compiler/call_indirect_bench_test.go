package compiler_test

import (
	"context"
	"testing"
)

// BenchmarkCallIndirect is 10,000 call_indirect calls of a small function
// per op: the cost of the signature check, which reads the expected type
// id from the context (abi.CtxTypeIDs) rather than from an immediate.
func BenchmarkCallIndirect(b *testing.B) {
	inst := instantiateText(b, compilerConfig, `(module
  (type $t (func (param i32) (result i32)))
  (table 2 funcref)
  (elem (i32.const 0) $inc $dec)
  (func $inc (type $t) (i32.add (local.get 0) (i32.const 1)))
  (func $dec (type $t) (i32.sub (local.get 0) (i32.const 1)))
  (func (export "run") (param $n i32) (result i32)
    (local $acc i32)
    (loop $l
      (local.set $acc (call_indirect (type $t) (local.get $acc) (i32.and (local.get $n) (i32.const 1))))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (local.get $acc)))`)
	run := inst.Func("run")
	stack := make([]uint64, 1)
	for b.Loop() {
		stack[0] = 10000
		if err := run.CallWithStack(context.Background(), stack); err != nil {
			b.Fatal(err)
		}
	}
}
