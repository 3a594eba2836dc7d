package moat_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/moat-run/moat"
)

// fuelWat exercises every event fuel counts: calls from the host, direct,
// indirect and recursive calls, calls of leaf functions (which the
// compiler polls only when fuel is on), loops entered once or many times,
// back-edges through br, br_if (with and without values to move) and
// br_table, and a host function that calls back into the instance.
var fuelWat = `(module
  (import "env" "host" (func $host (param i32) (result i32)))
  (type $un (func (param i32) (result i32)))
  (table 2 funcref)
  (elem (i32.const 0) $leaf $twice)
  (func $leaf (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
  (func $twice (param i32) (result i32) (i32.shl (local.get 0) (i32.const 1)))
  (func $sum (export "sum") (param $n i32) (result i32) (local $acc i32)
    (block $done (loop $top
      (br_if $done (i32.eqz (local.get $n)))
      (local.set $acc (i32.add (local.get $acc) (call $leaf (local.get $n))))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br $top)))
    (local.get $acc))
  (func $fib (export "fib") (param i32) (result i32)
    (if (result i32) (i32.lt_u (local.get 0) (i32.const 2))
      (then (local.get 0))
      (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                     (call $fib (i32.sub (local.get 0) (i32.const 2)))))))
  (func (export "nested") (param $n i32) (result i32) (local $i i32) (local $j i32) (local $acc i32)
    (block $exit (loop $outer
      (local.set $j (i32.const 0))
      (loop $inner
        (local.set $acc (i32.add (local.get $acc) (local.get $j)))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br_if $inner (i32.lt_u (local.get $j) (local.get $i))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      ;; br_table back to the outer loop while i < n
      (br_table $outer $exit (i32.ge_u (local.get $i) (local.get $n)))))
    (local.get $acc))
  (func (export "carry") (param $n i32) (result i32)
    ;; a loop with a parameter: the back-edge moves a value
    (local.get $n)
    (loop $l (param i32) (result i32)
      (i32.sub (i32.const 1))
      (local.tee $n)
      (local.get $n)
      (br_if $l))
    (drop) (local.get $n))
  (func (export "indirect") (param $n i32) (result i32) (local $acc i32)
    (block $done (loop $top
      (br_if $done (i32.eqz (local.get $n)))
      (local.set $acc (i32.add (local.get $acc)
        (call_indirect (type $un) (local.get $n) (i32.rem_u (local.get $n) (i32.const 2)))))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br $top)))
    (local.get $acc))
  (func (export "via_host") (param i32) (result i32) (call $host (local.get 0)))
  (func (export "straight") (param i32) (result i32)
    ` + strings.Repeat("(local.set 0 (i32.add (local.get 0) (i32.const 1)))", 1500) + `
    (local.get 0)))`

// fuelRig is an instance of fuelWat in a store with fuel. hostFuel records
// what Store.Fuel said inside the host function.
type fuelRig struct {
	store    *moat.Store
	inst     *moat.Instance
	hostFuel []uint64
}

func newFuelRig(t *testing.T, kind moat.EngineKind) *fuelRig {
	t.Helper()
	e := newEngine(t, moat.Config{Engine: kind, ConsumeFuel: true})
	m := compile(t, e, fuelWat)
	r := &fuelRig{store: moat.NewStore(e)}
	l := moat.NewLinker(e)
	un := moat.FuncType{Params: []moat.ValueType{moat.ValueI32}, Results: []moat.ValueType{moat.ValueI32}}
	err := l.DefineHostFunc("env", "host", un, func(ctx context.Context, c *moat.Caller, stack []uint64) error {
		left, err := c.Store().Fuel()
		if err != nil {
			return err
		}
		r.hostFuel = append(r.hostFuel, left)
		res, err := c.ExportedFunc("sum").Call(ctx, stack[0])
		if err != nil {
			return err
		}
		stack[0] = res[0]
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if r.inst, err = l.Instantiate(context.Background(), r.store, m); err != nil {
		t.Fatal(err)
	}
	return r
}

// fuelCase is one call of fuelWat and the fuel it must use.
type fuelCase struct {
	fn   string
	arg  uint64
	want uint64 // units
}

var fuelCases = []fuelCase{
	// sum(n): its entry, the loop header n+1 times, n calls of leaf.
	{"sum", 0, 2},
	{"sum", 10, 22},
	// fib(n): one unit per call, no loops.
	{"fib", 0, 1},
	{"fib", 10, 177},
	// nested(n): entry; outer header n times; inner header entered n
	// times, branched back to max(i,1)-1 times in round i.
	{"nested", 1, 3},
	{"nested", 5, 1 + 5 + 5 + (0 + 0 + 1 + 2 + 3)},
	// carry(n): entry and n headers.
	{"carry", 7, 8},
	// indirect(n) is sum(n) through a table.
	{"indirect", 10, 22},
	// via_host(n): its entry, then sum(n) called by the host function.
	{"via_host", 10, 1 + 22},
	// straight(n): its entry alone. The compiler's polls along its 6,000
	// instructions (frontend.PollStretch) let the Go runtime in and spend
	// no fuel.
	{"straight", 1, 1},
}

// TestFuelUnits: every case uses exactly the fuel the unit's definition
// gives, the same on both engines, and Store.Fuel is exact inside a host
// function.
func TestFuelUnits(t *testing.T) {
	for _, kind := range spinEngines() {
		r := newFuelRig(t, kind)
		const full = 1 << 40
		for _, c := range fuelCases {
			if err := r.store.SetFuel(full); err != nil {
				t.Fatal(err)
			}
			r.hostFuel = nil
			if _, err := r.inst.Func(c.fn).Call(context.Background(), c.arg); err != nil {
				t.Fatalf("%v: %s(%d): %v", kind, c.fn, c.arg, err)
			}
			left, err := r.store.Fuel()
			if err != nil {
				t.Fatal(err)
			}
			if used := full - left; used != c.want {
				t.Errorf("%v: %s(%d) used %d fuel, want %d", kind, c.fn, c.arg, used, c.want)
			}
			if c.fn == "via_host" && (len(r.hostFuel) != 1 || r.hostFuel[0] != full-1) {
				t.Errorf("%v: inside the host function Store.Fuel said %v, want [%d]", kind, r.hostFuel, uint64(full-1))
			}
		}
	}
}

// TestOutOfFuel: a call runs on exactly the fuel it needs and traps with
// "out of fuel" on one unit less, leaving the store empty, with the same
// backtrace on both engines; more fuel lets the store run again.
func TestOutOfFuel(t *testing.T) {
	backtraces := map[string]string{} // by case: the first engine's
	for _, kind := range spinEngines() {
		r := newFuelRig(t, kind)
		for _, c := range fuelCases {
			name := fmt.Sprintf("%v: %s(%d)", kind, c.fn, c.arg)
			if err := r.store.SetFuel(c.want - 1); err != nil {
				t.Fatal(err)
			}
			_, err := r.inst.Func(c.fn).Call(context.Background(), c.arg)
			var trap *moat.Trap
			if !errors.As(err, &trap) || trap.Code != moat.TrapOutOfFuel || trap.Error() != "out of fuel" {
				t.Errorf("%s on %d fuel: got %v, want an out-of-fuel trap", name, c.want-1, err)
			} else {
				key, bt := fmt.Sprintf("%s(%d)", c.fn, c.arg), fmt.Sprint(trap.Frames)
				if first, ok := backtraces[key]; ok && first != bt {
					t.Errorf("%s: backtrace %s, the interpreter's %s", name, bt, first)
				}
				backtraces[key] = bt
			}
			if left, _ := r.store.Fuel(); left != 0 {
				t.Errorf("%s: %d fuel left after running out", name, left)
			}
			if err := r.store.SetFuel(c.want); err != nil {
				t.Fatal(err)
			}
			if _, err := r.inst.Func(c.fn).Call(context.Background(), c.arg); err != nil {
				t.Errorf("%s on %d fuel: %v", name, c.want, err)
			}
			if left, _ := r.store.Fuel(); left != 0 {
				t.Errorf("%s: %d fuel left, want 0", name, left)
			}
		}
	}
}

// TestFuelLongRun: a loop far longer than one grant of polls is charged
// exactly, and the same on both engines.
func TestFuelLongRun(t *testing.T) {
	for _, kind := range spinEngines() {
		r := newFuelRig(t, kind)
		const n = 1_000_000
		if err := r.store.SetFuel(2*n + 2); err != nil {
			t.Fatal(err)
		}
		if _, err := r.inst.Func("sum").Call(context.Background(), n); err != nil {
			t.Fatalf("%v: %v", kind, err)
		}
		if left, _ := r.store.Fuel(); left != 0 {
			t.Errorf("%v: %d fuel left, want 0", kind, left)
		}
		if err := r.store.SetFuel(2 * n); err != nil {
			t.Fatal(err)
		}
		_, err := r.inst.Func("sum").Call(context.Background(), n)
		var trap *moat.Trap
		if !errors.As(err, &trap) || trap.Code != moat.TrapOutOfFuel {
			t.Errorf("%v: got %v, want an out-of-fuel trap", kind, err)
		}
	}
}

// TestFuelStartsEmpty: a metered store has no fuel until SetFuel; the first
// call traps at once.
func TestFuelStartsEmpty(t *testing.T) {
	for _, kind := range spinEngines() {
		r := newFuelRig(t, kind)
		if left, err := r.store.Fuel(); err != nil || left != 0 {
			t.Fatalf("%v: new store has %d fuel (%v), want 0", kind, left, err)
		}
		_, err := r.inst.Func("fib").Call(context.Background(), 0)
		var trap *moat.Trap
		if !errors.As(err, &trap) || trap.Code != moat.TrapOutOfFuel {
			t.Errorf("%v: got %v, want an out-of-fuel trap", kind, err)
		}
	}
}

// TestFuelDisabled: without Config.ConsumeFuel the fuel methods fail and
// code runs unmetered.
func TestFuelDisabled(t *testing.T) {
	for _, kind := range spinEngines() {
		e := newEngine(t, moat.Config{Engine: kind})
		s := moat.NewStore(e)
		if err := s.SetFuel(10); !errors.Is(err, moat.ErrFuelDisabled) {
			t.Errorf("%v: SetFuel: %v, want ErrFuelDisabled", kind, err)
		}
		if _, err := s.Fuel(); !errors.Is(err, moat.ErrFuelDisabled) {
			t.Errorf("%v: Fuel: %v, want ErrFuelDisabled", kind, err)
		}
	}
}

// TestFuel3: a tail call enters its callee, which is a unit like any other
// entry, and catching an exception into a loop's header is a branch back
// to it (the interpreter; the compiler does not take these 3.0 features);
// a tail call to itself forever runs out of fuel.
func TestFuel3(t *testing.T) {
	e := newEngine(t, moat.Config{Engine: moat.EngineInterpreter, ConsumeFuel: true})
	m := compile(t, e, `(module
  (func $down (export "down") (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
      (then (i32.const 0))
      (else (return_call $down (i32.sub (local.get 0) (i32.const 1))))))
  (func $forever (export "forever") (return_call $forever))
  (tag $t)
  (func (export "catches") (param $n i32) (result i32)
    (loop $l
      (try_table (catch $t $l)
        (if (local.get $n) (then
          (local.set $n (i32.sub (local.get $n) (i32.const 1)))
          (throw $t)))))
    (local.get $n)))`)
	s := moat.NewStore(e)
	inst, err := s.Instantiate(context.Background(), m)
	if err != nil {
		t.Fatal(err)
	}
	const full = 1 << 20
	if err := s.SetFuel(full); err != nil {
		t.Fatal(err)
	}
	if _, err := inst.Func("down").Call(context.Background(), 100); err != nil {
		t.Fatal(err)
	}
	if left, _ := s.Fuel(); full-left != 101 {
		t.Errorf("down(100) used %d fuel, want 101 (one per entry)", full-left)
	}
	if err := s.SetFuel(full); err != nil {
		t.Fatal(err)
	}
	if _, err := inst.Func("catches").Call(context.Background(), 100); err != nil {
		t.Fatal(err)
	}
	if left, _ := s.Fuel(); full-left != 102 {
		t.Errorf("catches(100) used %d fuel, want 102 (its entry, entering the loop, 100 catches back to it)", full-left)
	}
	_, err = inst.Func("forever").Call(context.Background())
	var trap *moat.Trap
	if !errors.As(err, &trap) || trap.Code != moat.TrapOutOfFuel {
		t.Errorf("forever: got %v, want an out-of-fuel trap", err)
	}
}

// TestArtifactFuelSetting: with fuel, compiled code polls at every
// function entry, so the artifact header records the setting and an
// engine with the other setting refuses the artifact by name; a matching
// engine loads it and meters it exactly.
func TestArtifactFuelSetting(t *testing.T) {
	metered := compilerEngine(t, moat.Config{ConsumeFuel: true})
	plain := compilerEngine(t, moat.Config{})
	arts := map[bool][]byte{}
	for consume, e := range map[bool]*moat.Engine{true: metered, false: plain} {
		b, err := compile(t, e, fuelWat).Serialize()
		if err != nil {
			t.Fatal(err)
		}
		arts[consume] = b
	}
	for _, c := range []struct {
		art        bool
		loader     *moat.Engine
		want, got  string
		loaderName string
	}{
		{false, metered, "every entry", "off", "metered"},
		{true, plain, "off", "every entry", "plain"},
	} {
		_, err := c.loader.Deserialize(arts[c.art])
		what := fmt.Sprintf("artifact with fuel %v in the %s engine", c.art, c.loaderName)
		wantArtifactError(t, what, err, "fuel")
		var ae *moat.ArtifactError
		if errors.As(err, &ae); ae.Want != c.want || ae.Got != c.got {
			t.Errorf("%s: %v, want %q and %q", what, err, c.want, c.got)
		}
	}
	mod, err := metered.Deserialize(arts[true])
	if err != nil {
		t.Fatal(err)
	}
	l := moat.NewLinker(metered)
	un := moat.FuncType{Params: []moat.ValueType{moat.ValueI32}, Results: []moat.ValueType{moat.ValueI32}}
	if err := l.DefineHostFunc("env", "host", un, func(context.Context, *moat.Caller, []uint64) error { return nil }); err != nil {
		t.Fatal(err)
	}
	s := moat.NewStore(metered)
	inst, err := l.Instantiate(context.Background(), s, mod)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetFuel(1000); err != nil {
		t.Fatal(err)
	}
	if _, err := inst.Func("fib").Call(context.Background(), 10); err != nil {
		t.Fatal(err)
	}
	if left, _ := s.Fuel(); left != 1000-177 {
		t.Errorf("fib(10) from the artifact used %d fuel, want 177", 1000-left)
	}
}
