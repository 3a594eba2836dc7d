package moat_test

import (
	"context"
	"slices"
	"testing"

	"github.com/moat-run/moat"
)

// simdABIWat passes v128 values in XMM registers and on the stack (nine
// v128 parameters before an i32 and a tenth v128; four results, one on
// the stack) between compiled functions, through the host call stub and
// the entry stub, and keeps one in a global.
const simdABIWat = `(module
  (type $t (func (param v128 v128 v128 v128 v128 v128 v128 v128 v128 i32 v128) (result v128 i64 v128 v128)))
  (import "host" "h" (func $h (type $t)))
  (global $g (export "g") (mut v128) (v128.const i64x2 5 6))
  (func $inner (type $t)
    (local.get 10) (i64.extend_i32_u (local.get 9)) (local.get 8) (local.get 0))
  (func (export "direct") (type $t)
    (call $inner (local.get 0) (local.get 1) (local.get 2) (local.get 3) (local.get 4) (local.get 5)
      (local.get 6) (local.get 7) (local.get 8) (local.get 9) (local.get 10)))
  (func (export "viahost") (type $t)
    (call $h (local.get 0) (local.get 1) (local.get 2) (local.get 3) (local.get 4) (local.get 5)
      (local.get 6) (local.get 7) (local.get 8) (local.get 9) (local.get 10)))
  (func (export "swap") (param v128) (result v128)
    (global.get $g) (global.set $g (local.get 0))))`

func TestSIMDABI(t *testing.T) {
	for _, baseline := range []bool{false, true} {
		name := "host"
		if baseline {
			name = "baseline"
			t.Setenv("MOAT_NO_AVX", "1")
		}
		t.Run(name, func(t *testing.T) { testSIMDABI(t) })
	}
}

func testSIMDABI(t *testing.T) {
	ctx := context.Background()
	e := newEngine(t, moat.Config{Engine: moat.EngineCompiler})
	v := moat.ValueV128
	ft := moat.FuncType{
		Params:  []moat.ValueType{v, v, v, v, v, v, v, v, v, moat.ValueI32, v},
		Results: []moat.ValueType{v, moat.ValueI64, v, v},
	}
	// The host function does what $inner does, on the value words.
	host := func(_ context.Context, _ *moat.Caller, s []uint64) error {
		p0, p8, p9, p10 := slices.Clone(s[0:2]), slices.Clone(s[16:18]), s[18], slices.Clone(s[19:21])
		copy(s[0:2], p10)
		s[2] = uint64(uint32(p9))
		copy(s[3:5], p8)
		copy(s[5:7], p0)
		return nil
	}
	l := moat.NewLinker(e)
	if err := l.DefineHostFunc("host", "h", ft, host); err != nil {
		t.Fatal(err)
	}
	inst, err := l.Instantiate(ctx, moat.NewStore(e), compile(t, e, simdABIWat))
	if err != nil {
		t.Fatal(err)
	}
	params := make([]uint64, 21)
	for i := range params {
		params[i] = uint64(i+1)*0x0101010101010101 + uint64(i)<<60
	}
	params[18] = 0xffffffff
	want := []uint64{params[19], params[20], 0xffffffff, params[16], params[17], params[0], params[1]}
	for _, fn := range []string{"direct", "viahost"} {
		got, err := inst.Func(fn).Call(ctx, params...)
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("%s = %x, %v; want %x", fn, got, err, want)
		}
	}
	stack := []uint64{7, 8}
	if err := inst.Func("swap").CallWithStack(ctx, stack); err != nil || stack[0] != 5 || stack[1] != 6 {
		t.Errorf("swap = %v, %v; want [5 6]", stack, err)
	}
	if lo, hi := inst.Global("g").GetV128(); lo != 7 || hi != 8 {
		t.Errorf("global after swap = %d %d; want 7 8", lo, hi)
	}
}
