package moat_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/moat-run/moat"
	"github.com/moat-run/moat/wasi"
)

// readFixture reads a compiled fixture of testdata/small (sources beside
// them; go generate rebuilds them).
func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/small/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// dataWat is a module whose memory starts with data segments; "get" reads
// a byte and "put" writes one.
const dataWat = `(module
  (memory (export "mem") 2)
  (data (i32.const 0) "moat")
  (data (i32.const 70000) "second page")
  (data (i32.const 2) "AT")
  (func (export "get") (param i32) (result i32) (i32.load8_u (local.get 0)))
  (func (export "put") (param i32 i32) (i32.store8 (local.get 0) (local.get 1))))`

// Every instance of a prepared module starts from the module's data, in
// segment order, and what one instance writes stays its own (the image is
// copy-on-write), on every engine and bounds-check mode.
func TestInstancePreDataIsolated(t *testing.T) {
	ctx := context.Background()
	forEachMode(t, func(t *testing.T, e *moat.Engine) {
		pre, err := moat.NewLinker(e).Prepare(compile(t, e, dataWat))
		if err != nil {
			t.Fatal(err)
		}
		var insts []*moat.Instance
		for i := range 3 {
			inst, err := pre.Instantiate(ctx, moat.NewStore(e))
			if err != nil {
				t.Fatal(err)
			}
			mem := inst.Memory("mem").Bytes()
			if got := string(mem[:4]); got != "moAT" {
				t.Fatalf("instance %d: memory starts %q, want moAT", i, got)
			}
			if got := string(mem[70000:70011]); got != "second page" {
				t.Fatalf("instance %d: second page holds %q", i, got)
			}
			if !bytes.Equal(mem[4:70000], make([]byte, 70000-4)) || mem[len(mem)-1] != 0 {
				t.Fatalf("instance %d: memory not zero outside the segments", i)
			}
			// Write over the data and past it.
			if _, err := inst.Func("put").Call(ctx, 0, 'X'); err != nil {
				t.Fatal(err)
			}
			if _, err := inst.Func("put").Call(ctx, 100, 7); err != nil {
				t.Fatal(err)
			}
			insts = append(insts, inst)
		}
		for i, inst := range insts {
			for _, c := range []struct{ addr, want uint64 }{{0, 'X'}, {1, 'o'}, {100, 7}} {
				got, err := inst.Func("get").Call(ctx, c.addr)
				if err != nil || got[0] != c.want {
					t.Errorf("instance %d: byte %d = %v (%v), want %d", i, c.addr, got, err, c.want)
				}
			}
		}
	})
}

// forEachMode runs f on the interpreter and on the compiler in each
// bounds-check mode available here.
func forEachMode(t *testing.T, f func(t *testing.T, e *moat.Engine)) {
	cfgs := []struct {
		name string
		cfg  moat.Config
	}{{"interp", moat.Config{Engine: moat.EngineInterpreter}}}
	for _, mode := range boundsModes {
		cfgs = append(cfgs, struct {
			name string
			cfg  moat.Config
		}{"compiler/" + strings.ReplaceAll(mode.String(), " ", "_"), moat.Config{Engine: moat.EngineCompiler, BoundsChecks: mode}})
	}
	for _, c := range cfgs {
		e, err := moat.NewEngine(c.cfg)
		if err != nil {
			t.Logf("%s: %v", c.name, err)
			continue
		}
		t.Run(c.name, func(t *testing.T) { f(t, e) })
	}
}

// Prepare reports a missing import and a host function of the wrong type
// as a *LinkError, once, before any store is involved.
func TestPrepareLinkErrors(t *testing.T) {
	e := newEngine(t, moat.Config{})
	mod := compile(t, e, `(module (import "env" "f" (func (param i32) (result i32))))`)
	var le *moat.LinkError
	if _, err := moat.NewLinker(e).Prepare(mod); !errors.As(err, &le) || le.Reason != "unknown import" {
		t.Errorf("missing import: %v", err)
	}
	l := moat.NewLinker(e)
	l.DefineFunc("env", "f", func(int64) int64 { return 0 })
	if _, err := l.Prepare(mod); !errors.As(err, &le) || !strings.Contains(le.Reason, "incompatible import type") {
		t.Errorf("wrong type: %v", err)
	}
	l.DefineFunc("env", "f", func(x int32) int32 { return x + 1 })
	pre, err := l.Prepare(mod)
	if err != nil {
		t.Fatal(err)
	}
	// Redefining afterwards does not change what was prepared.
	l.DefineFunc("env", "f", func(int64) {})
	if _, err := pre.Instantiate(context.Background(), moat.NewStore(e)); err != nil {
		t.Errorf("instantiating after the linker changed: %v", err)
	}
	if pre.Module() != mod {
		t.Error("Module() is not the prepared module")
	}
	other := newEngine(t, moat.Config{})
	if _, err := pre.Instantiate(context.Background(), moat.NewStore(other)); err == nil {
		t.Error("instantiating in another engine's store succeeded")
	}
}

// A prepared module may import a store's externs: they are checked in the
// store that instantiates it, and refused in any other.
func TestPrepareStoreExterns(t *testing.T) {
	ctx := context.Background()
	e := newEngine(t, moat.Config{})
	exporter := compile(t, e, `(module (memory (export "m") 1) (data (i32.const 0) "\2a"))`)
	importer := compile(t, e, `(module (import "x" "m" (memory 1))
	  (func (export "first") (result i32) (i32.load8_u (i32.const 0))))`)
	s := moat.NewStore(e)
	x, err := s.Instantiate(ctx, exporter)
	if err != nil {
		t.Fatal(err)
	}
	l := moat.NewLinker(e)
	l.DefineInstance("x", x)
	pre, err := l.Prepare(importer)
	if err != nil {
		t.Fatal(err)
	}
	inst, err := pre.Instantiate(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := inst.Func("first").Call(ctx); err != nil || got[0] != 42 {
		t.Errorf("first() = %v, %v; want 42 through the imported memory", got, err)
	}
	var le *moat.LinkError
	if _, err := pre.Instantiate(ctx, moat.NewStore(e)); !errors.As(err, &le) || !strings.Contains(le.Reason, "another store") {
		t.Errorf("in another store: %v", err)
	}
}

// A WASI command prepared once runs in many stores, each with its own
// output.
func TestInstancePreWASIHello(t *testing.T) {
	ctx := context.Background()
	forEachMode(t, func(t *testing.T, e *moat.Engine) {
		mod, err := e.Compile(readFixture(t, "hello.wasm"))
		if err != nil {
			t.Fatal(err)
		}
		l := moat.NewLinker(e)
		if err := wasi.DefineImports(l); err != nil {
			t.Fatal(err)
		}
		pre, err := l.Prepare(mod)
		if err != nil {
			t.Fatal(err)
		}
		for i := range 3 {
			s := moat.NewStore(e)
			var out bytes.Buffer
			if _, err := wasi.Attach(s, wasi.Config{Stdout: &out}); err != nil {
				t.Fatal(err)
			}
			inst, err := pre.Instantiate(ctx, s)
			if err != nil {
				t.Fatal(err)
			}
			if code, err := wasi.Run(ctx, inst); code != 0 || err != nil {
				t.Fatalf("exit %d: %v", code, err)
			}
			if out.String() != "hello\n" {
				t.Errorf("run %d printed %q", i, out.String())
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
		}
	})
}

// A module with a megabyte of data starts with all of it, on every engine.
func TestInstanceLargeData(t *testing.T) {
	ctx := context.Background()
	data := make([]byte, 1<<20)
	for i := range data {
		data[i] = byte(i*7 + i>>12)
	}
	wat := largeDataWat(data)
	forEachMode(t, func(t *testing.T, e *moat.Engine) {
		pre, err := moat.NewLinker(e).Prepare(compile(t, e, wat))
		if err != nil {
			t.Fatal(err)
		}
		for range 2 {
			s := moat.NewStore(e)
			inst, err := pre.Instantiate(ctx, s)
			if err != nil {
				t.Fatal(err)
			}
			if got := inst.Memory("mem").Bytes()[1024 : 1024+len(data)]; !bytes.Equal(got, data) {
				t.Fatal("the data segment is not in memory")
			}
			if _, err := inst.Func("put").Call(ctx, 1024, 0); err != nil {
				t.Fatal(err)
			}
			s.Close()
		}
	})
}

// largeDataWat is a module of 20 pages whose memory holds data at 1024.
func largeDataWat(data []byte) string {
	var b strings.Builder
	b.WriteString(`(module (memory (export "mem") 20) (data (i32.const 1024) "`)
	for _, c := range data {
		fmt.Fprintf(&b, "\\%02x", c)
	}
	b.WriteString(`")
	  (func (export "put") (param i32 i32) (i32.store8 (local.get 0) (local.get 1))))`)
	return b.String()
}

// On the compiler, a module's data is a memfd image mapped into each
// memory, not copied: the mapping shows in /proc/self/maps while an
// instance lives.
func TestImageMapped(t *testing.T) {
	maps, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		t.Skip("no /proc/self/maps here")
	}
	_ = maps
	e, err := moat.NewEngine(moat.Config{Engine: moat.EngineCompiler})
	if err != nil {
		t.Skip(err)
	}
	pre, err := moat.NewLinker(e).Prepare(compile(t, e, largeDataWat(bytes.Repeat([]byte{1}, 100000))))
	if err != nil {
		t.Fatal(err)
	}
	s := moat.NewStore(e)
	if _, err := pre.Instantiate(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	maps, _ = os.ReadFile("/proc/self/maps")
	if !bytes.Contains(maps, []byte("memfd:moat-memory-image")) {
		t.Errorf("no memory image mapped:\n%s", maps)
	}
	s.Close()
}
