package moat_test

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"testing"
	"weak"

	"github.com/moat-run/moat"
	"github.com/moat-run/moat/internal/vm/gcheap"
)

// gcModule keeps a list of boxes in a global and lets the host pass
// references in and out.
const gcModule = `(module
  (type $box (struct (field $v anyref) (field $ext externref) (field $next (mut (ref null $box)))))
  (type $bytes (array (mut i8)))
  (import "host" "collect" (func $collect))
  (global $list (mut (ref null $box)) (ref.null $box))
  (func (export "push") (param anyref externref)
    (global.set $list (struct.new $box (local.get 0) (local.get 1) (global.get $list))))
  (func (export "head-ext") (result externref)
    (struct.get $box $ext (ref.as_non_null (global.get $list))))
  (func (export "head") (result anyref) (struct.get $box $v (ref.as_non_null (global.get $list))))
  (func (export "clear") (global.set $list (ref.null $box)))
  (func (export "new-box") (result (ref $box)) (struct.new $box (ref.null any) (ref.null extern) (ref.null $box)))
  (func (export "id") (param anyref) (result anyref) (local.get 0))
  (func (export "internalize") (param externref) (result anyref) (any.convert_extern (local.get 0)))
  (func $bytes (export "bytes") (param i32) (result (ref $bytes)) (array.new_default $bytes (local.get 0)))
  (func (export "hold-across-collect") (result i32)
    (local $b (ref null $box))
    (local.set $b (struct.new $box (ref.i31 (i32.const 41)) (ref.null extern) (ref.null $box)))
    (call $collect)
    (drop (call $bytes (i32.const 100000)))
    (call $collect)
    (i31.get_s (ref.cast (ref i31) (struct.get $box $v (local.get $b)))))
  (func (export "keep") (param i32) (result i32)
    ;; builds a list of $n boxes, all kept, allocating garbage between
    (local $i i32)
    (loop $l
      (global.set $list (struct.new $box (ref.i31 (local.get $i)) (ref.null extern) (global.get $list)))
      (drop (array.new_default $bytes (i32.const 100)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get 0))))
    (local.get $i)))`

func gcSetup(t *testing.T, e *moat.Engine) (*moat.Store, *moat.Instance) {
	t.Helper()
	gcheap.SetVerify(true)
	m := compile(t, e, gcModule)
	s := moat.NewStore(e)
	l := moat.NewLinker(e)
	if err := l.DefineFunc("host", "collect", func(c *moat.Caller) error { return c.Store().GC() }); err != nil {
		t.Fatal(err)
	}
	inst, err := l.Instantiate(context.Background(), s, m)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if n, err := gcheap.VerifyFailures(); n != 0 {
			t.Errorf("%d heap verifications failed, last: %v", n, err)
		}
	})
	return s, inst
}

func gcCall(t *testing.T, inst *moat.Instance, name string, args ...uint64) []uint64 {
	t.Helper()
	r, err := inst.Func(name).Call(context.Background(), args...)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return r
}

// TestGCExternRefs: a host value passed as an externref and held only by
// a GC object survives collections and comes back as the same value; the
// conversions to anyref and back keep the word.
func TestGCExternRefs(t *testing.T) {
	eachEngine(t, moat.Config{}, func(t *testing.T, e *moat.Engine) {
		s, inst := gcSetup(t, e)
		type payload struct{ name string }
		v := &payload{"tenant-7"}
		w, err := moat.NewExternRef(s, v)
		if err != nil {
			t.Fatal(err)
		}
		gcCall(t, inst, "push", 0, w)
		if err := s.GC(); err != nil {
			t.Fatal(err)
		}
		got := gcCall(t, inst, "head-ext")[0]
		if d, ok := moat.ExternRefData(s, got); !ok || d != v {
			t.Fatalf("head-ext: %v %v, want %v", d, ok, v)
		}
		if a := gcCall(t, inst, "internalize", w)[0]; a != w || !s.RefHasType(a, moat.ValueAnyRef) {
			t.Errorf("internalize: %#x, want the same word %#x as an anyref", a, w)
		}
	})
}

// TestGCExternReleased: once nothing references a host value, a
// collection drops the store's hold on it, so Go can collect it too.
func TestGCExternReleased(t *testing.T) {
	eachEngine(t, moat.Config{}, func(t *testing.T, e *moat.Engine) {
		s, inst := gcSetup(t, e)
		type payload struct{ big [1 << 10]byte }
		var wp weak.Pointer[payload]
		func() {
			scope := s.RootScope()
			p := &payload{}
			wp = weak.Make(p)
			w, err := moat.NewExternRef(s, p)
			if err != nil {
				t.Fatal(err)
			}
			gcCall(t, inst, "push", 0, w)
			scope.Close()
		}()
		gcCall(t, inst, "clear")
		if err := s.GC(); err != nil {
			t.Fatal(err)
		}
		runtime.GC()
		if wp.Value() != nil {
			t.Error("the host value is still alive after the store dropped it")
		}
	})
}

// TestGCRefsFromTheHostAreChecked: a made-up word, a word of another
// store and a word whose root scope was closed are refused, never
// followed; a rooted word of the store passes.
func TestGCRefsFromTheHostAreChecked(t *testing.T) {
	eachEngine(t, moat.Config{}, func(t *testing.T, e *moat.Engine) {
		s, inst := gcSetup(t, e)
		box := gcCall(t, inst, "new-box")[0]
		if r := gcCall(t, inst, "id", box)[0]; r != box {
			t.Errorf("id: %#x, want %#x", r, box)
		}
		s2, inst2 := gcSetup(t, e)
		_ = s2
		foreign := gcCall(t, inst2, "new-box")[0]
		scope := s.RootScope()
		scoped := gcCall(t, inst, "new-box")[0]
		scope.Close()
		for name, w := range map[string]uint64{
			"made up":         0x1000,
			"made up extern":  0x4002,
			"odd word":        0x4,
			"foreign store":   foreign + 0x100000,
			"scope closed":    scoped,
			"function as any": 0,
		} {
			if w == 0 {
				continue
			}
			_, err := inst.Func("id").Call(context.Background(), w)
			if err == nil || !strings.Contains(err.Error(), "not a rooted reference") && !strings.Contains(err.Error(), "not a value of") {
				t.Errorf("%s (%#x): %v, want a refusal", name, w, err)
			}
		}
		// An i31 made by the host needs no store.
		if r := gcCall(t, inst, "id", moat.NewI31Ref(-5))[0]; !s.RefHasType(r, moat.ValueI31Ref.NonNull()) {
			t.Errorf("i31 round trip: %#x", r)
		} else if v, ok := moat.I31RefValue(r); !ok || v != -5 {
			t.Errorf("i31 value %d %v", v, ok)
		}
	})
}

// TestGCStackRootsAcrossHostCalls: a reference held only in a wasm local
// survives collections run by a host function the function calls.
func TestGCStackRootsAcrossHostCalls(t *testing.T) {
	eachEngine(t, moat.Config{}, func(t *testing.T, e *moat.Engine) {
		s, inst := gcSetup(t, e)
		if r := gcCall(t, inst, "hold-across-collect")[0]; int32(r) != 41 {
			t.Errorf("hold-across-collect: %d, want 41", int32(r))
		}
		if st := s.GCStats(); st.Collections < 2 {
			t.Errorf("stats %+v: want at least the two collections", st)
		}
	})
}

// TestGCCollectsWhileRunning: a guest that keeps 20,000 boxes while
// allocating 100-byte garbage arrays collects as it goes, keeps every box,
// and stays well under its heap limit.
func TestGCCollectsWhileRunning(t *testing.T) {
	eachEngine(t, moat.Config{MaxGCHeapBytes: 16 << 20}, func(t *testing.T, e *moat.Engine) {
		s, inst := gcSetup(t, e)
		if r := gcCall(t, inst, "keep", 20000)[0]; r != 20000 {
			t.Fatalf("keep: %d", r)
		}
		st := s.GCStats()
		if st.AllocatedBytes < 2<<20 || st.HeapBytes > 16<<20 {
			t.Errorf("stats %+v", st)
		}
		// Every box is there, newest first.
		if h := gcCall(t, inst, "head")[0]; !s.RefHasType(h, moat.ValueI31Ref.NonNull()) {
			t.Fatalf("head %#x is not an i31", h)
		} else if v, _ := moat.I31RefValue(h); v != 19999 {
			t.Errorf("head %d, want 19999", v)
		}
	})
}

// TestGCHeapLimit: a live set past MaxGCHeapBytes traps, an array larger
// than the limit traps at once, and the store stays usable: after the
// list is dropped, allocation works again.
func TestGCHeapLimit(t *testing.T) {
	eachEngine(t, moat.Config{MaxGCHeapBytes: 1 << 20}, func(t *testing.T, e *moat.Engine) {
		s, inst := gcSetup(t, e)
		_, err := inst.Func("keep").Call(context.Background(), 1_000_000)
		var trap *moat.Trap
		if !errors.As(err, &trap) || trap.Code != moat.TrapGCHeapOutOfMemory {
			t.Fatalf("keep past the limit: %v, want %s", err, moat.TrapGCHeapOutOfMemory)
		}
		_, err = inst.Func("bytes").Call(context.Background(), 2<<20)
		if !errors.As(err, &trap) || trap.Code != moat.TrapAllocationTooLarge {
			t.Fatalf("huge array: %v, want %s", err, moat.TrapAllocationTooLarge)
		}
		gcCall(t, inst, "clear")
		if r := gcCall(t, inst, "keep", 1000)[0]; r != 1000 {
			t.Errorf("keep after clear: %d", r)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		if st := s.GCStats(); st.HeapBytes != 0 {
			t.Errorf("after Close the heap still holds %d bytes", st.HeapBytes)
		}
	})
}

// TestGCHostFunctionRefs: a host function gets rooted anyref parameters
// and may return them; a made-up result is a trap, not a reference.
func TestGCHostFunctionRefs(t *testing.T) {
	eachEngine(t, moat.Config{}, func(t *testing.T, e *moat.Engine) {
		gcheap.SetVerify(true)
		m := compile(t, e, `(module
		  (type $s (struct (field i32)))
		  (import "host" "echo" (func $echo (param anyref) (result anyref)))
		  (import "host" "forge" (func $forge (result anyref)))
		  (func (export "echo") (result i32)
		    (struct.get $s 0 (ref.cast (ref $s) (call $echo (struct.new $s (i32.const 9))))))
		  (func (export "forge") (result anyref) (call $forge)))`)
		s := moat.NewStore(e)
		l := moat.NewLinker(e)
		anyref := []moat.ValueType{moat.ValueAnyRef}
		if err := l.DefineHostFunc("host", "echo", moat.FuncType{Params: anyref, Results: anyref},
			func(_ context.Context, _ *moat.Caller, st []uint64) error { return nil }); err != nil {
			t.Fatal(err)
		}
		if err := l.DefineHostFunc("host", "forge", moat.FuncType{Results: anyref},
			func(_ context.Context, _ *moat.Caller, st []uint64) error { st[0] = 0x2000; return nil }); err != nil {
			t.Fatal(err)
		}
		inst, err := l.Instantiate(context.Background(), s, m)
		if err != nil {
			t.Fatal(err)
		}
		if r := gcCall(t, inst, "echo")[0]; r != 9 {
			t.Errorf("echo: %d", r)
		}
		_, err = inst.Func("forge").Call(context.Background())
		var trap *moat.Trap
		if !errors.As(err, &trap) || trap.Code != moat.TrapHostError || !strings.Contains(err.Error(), "not a rooted reference") {
			t.Errorf("forge: %v, want a host-error trap refusing the word", err)
		}
	})
}
