package moat_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"testing"

	"github.com/moat-run/moat"
)

// recursionWat recurses through "r" until the stack runs out, counting the
// frames in a global ("depth"). $r keeps values live across its call, so
// its frames have spills and locals on both engines. "r_host" recurses
// through the host function env.again, which calls "r_host" back.
const recursionWat = `(module
  (import "env" "again" (func $again))
  (global $d (mut i32) (i32.const 0))
  (func $r (export "r") (param $n i64) (result i64)
    (local $a i64) (local $b i64)
    (global.set $d (i32.add (global.get $d) (i32.const 1)))
    (local.set $a (i64.mul (local.get $n) (i64.const 3)))
    (local.set $b (i64.xor (local.get $n) (i64.const 5)))
    (i64.add (i64.add (local.get $a) (local.get $b))
      (call $r (i64.add (local.get $n) (i64.const 1)))))
  (func (export "r_host")
    (global.set $d (i32.add (global.get $d) (i32.const 1)))
    (call $again))
  (func (export "reset") (global.set $d (i32.const 0)))
  (func (export "depth") (result i32) (global.get $d)))`

// stackEngines are the engines this build runs, by kind.
func stackEngines(t *testing.T) []moat.EngineKind {
	kinds := []moat.EngineKind{moat.EngineInterpreter}
	if _, err := moat.NewEngine(moat.Config{Engine: moat.EngineCompiler}); err == nil {
		kinds = append(kinds, moat.EngineCompiler)
	} else if !errors.Is(err, moat.ErrCompilerUnavailable) {
		t.Fatal(err)
	}
	return kinds
}

// recursionInstance instantiates recursionWat on an engine of cfg; env.again
// calls "r_host" back.
func recursionInstance(t *testing.T, cfg moat.Config) *moat.Instance {
	t.Helper()
	e := newEngine(t, cfg)
	l := moat.NewLinker(e)
	err := l.DefineHostFunc("env", "again", moat.FuncType{}, func(ctx context.Context, c *moat.Caller, _ []uint64) error {
		_, err := c.ExportedFunc("r_host").Call(ctx)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	inst, err := l.Instantiate(context.Background(), moat.NewStore(e), compile(t, e, recursionWat))
	if err != nil {
		t.Fatal(err)
	}
	return inst
}

// exhaust calls export name of inst with args, requires "call stack
// exhausted", and returns how many frames the guest counted.
func exhaust(t *testing.T, inst *moat.Instance, what, name string, args ...uint64) int {
	t.Helper()
	ctx := context.Background()
	if _, err := inst.Func("reset").Call(ctx); err != nil {
		t.Fatal(err)
	}
	_, err := inst.Func(name).Call(ctx, args...)
	var trap *moat.Trap
	if !errors.As(err, &trap) || trap.Code != moat.TrapStackExhausted || trap.Error() == "" {
		t.Fatalf("%s: got %v, want call stack exhausted", what, err)
	}
	r, err := inst.Func("depth").Call(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return int(r[0])
}

// TestMaxWasmStackHonoured: with a call-depth limit far away, a recursion
// traps where its frames fill Config.MaxWasmStack bytes, on both engines.
// A frame's cost F is read from two limits (the depth reached grows by
// exactly one frame per F bytes); then every limit N must be met with
// depth×F within a frame (and the compiler's red-zone slack) of N, and the
// two engines' depths must be of the same order.
func TestMaxWasmStackHonoured(t *testing.T) {
	limits := []int{16 << 10, 64 << 10, 256 << 10, 1 << 20, 4 << 20}
	depths := map[moat.EngineKind][]int{}
	for _, k := range stackEngines(t) {
		for _, n := range limits {
			inst := recursionInstance(t, moat.Config{Engine: k, MaxCallDepth: 1 << 30, MaxWasmStack: n})
			depths[k] = append(depths[k], exhaust(t, inst, fmt.Sprintf("%v, %d bytes", k, n), "r", 0))
		}
		d := depths[k]
		last := len(limits) - 1
		frame := float64(limits[last]-limits[1]) / float64(d[last]-d[1])
		t.Logf("%v: depths %v, %.1f bytes a frame", k, d, frame)
		if frame < 16 || frame > 1024 {
			t.Fatalf("%v: %.1f bytes a frame", k, frame)
		}
		// Slack: up to a frame short (the next one did not fit), and the
		// compiler's small frames may reach half its red zone past the
		// limit before their prologue's check. The entry's own
		// frame and buffer are a few words more.
		for i, n := range limits {
			used := float64(d[i]) * frame
			if used > float64(n)+2048 || used+2*frame+256 < float64(n) {
				t.Errorf("%v, limit %d: depth %d uses about %.0f bytes", k, n, d[i], used)
			}
		}
	}
	if ci, ok := depths[moat.EngineCompiler]; ok {
		ii := depths[moat.EngineInterpreter]
		for i, n := range limits {
			if r := float64(ii[i]) / float64(ci[i]); r < 0.25 || r > 4 {
				t.Errorf("limit %d: interpreter depth %d, compiler %d: not the same order", n, ii[i], ci[i])
			}
		}
	}
}

// TestMaxWasmStackAcrossHost: wasm → host → wasm recursion charges every
// level's wasm frames to one limit on both engines, so it ends with the
// stack-exhausted trap well before a depth limit much further away.
func TestMaxWasmStackAcrossHost(t *testing.T) {
	const limit = 64 << 10
	for _, k := range stackEngines(t) {
		inst := recursionInstance(t, moat.Config{Engine: k, MaxCallDepth: 1 << 15, MaxWasmStack: limit})
		d := exhaust(t, inst, fmt.Sprintf("%v across host calls", k), "r_host")
		// Each level is at least one wasm frame of 16 bytes or more.
		t.Logf("%v: %d levels", k, d)
		if d < 8 || d > limit/16 {
			t.Errorf("%v: %d levels through the host under a %d-byte limit", k, d, limit)
		}
	}
}

// TestInterpreterStackAllocation: the interpreter charges its frames to the
// byte limit, so a recursion under a huge depth limit traps after
// allocating a small multiple of the limit (it once grew its frame list to
// gigabytes first). $f's frames have no value slots at all: only the
// per-frame charge stops it.
func TestInterpreterStackAllocation(t *testing.T) {
	const src = `(module
	  (func $f (export "f") (call $f)))`
	for _, limit := range []int{0, 32 << 20} {
		// A depth limit the byte limit reaches first, and small enough that
		// an interpreter without the byte charge would fail, not run out of
		// memory.
		e := newEngine(t, moat.Config{Engine: moat.EngineInterpreter, MaxCallDepth: 1 << 24, MaxWasmStack: limit})
		inst, err := moat.NewStore(e).Instantiate(context.Background(), compile(t, e, src))
		if err != nil {
			t.Fatal(err)
		}
		limit = e.Config().MaxWasmStack
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		_, err = inst.Func("f").Call(context.Background())
		runtime.ReadMemStats(&after)
		var trap *moat.Trap
		if !errors.As(err, &trap) || trap.Code != moat.TrapStackExhausted {
			t.Fatalf("limit %d: got %v, want call stack exhausted", limit, err)
		}
		grew := after.TotalAlloc - before.TotalAlloc
		t.Logf("limit %d: %d frames, %d bytes allocated", limit, len(trap.Frames), grew)
		if grew > uint64(3*limit) {
			t.Errorf("limit %d: the call allocated %d bytes", limit, grew)
		}
	}
}

// TestMaxWasmStackConfig: the default, and the range NewEngine accepts.
func TestMaxWasmStackConfig(t *testing.T) {
	for _, k := range stackEngines(t) {
		if got := newEngine(t, moat.Config{Engine: k}).Config().MaxWasmStack; got != moat.DefaultMaxWasmStack {
			t.Errorf("%v: default MaxWasmStack %d, want %d", k, got, moat.DefaultMaxWasmStack)
		}
		for _, bad := range []int{-1, 1<<30 + 1} {
			if _, err := moat.NewEngine(moat.Config{Engine: k, MaxWasmStack: bad}); err == nil {
				t.Errorf("%v: MaxWasmStack %d accepted", k, bad)
			}
		}
	}
}
