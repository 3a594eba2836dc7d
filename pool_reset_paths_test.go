package moat_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/moat-run/moat"
	"github.com/moat-run/moat/wasi"
)

// pathSecret is what a tenant writes through each write path; pathOffsets
// are where: the first page, past the first WebAssembly page, and the
// memory's last bytes (its two pages).
const pathSecret = "TENANT-SECRET-0123456789"

var pathOffsets = []uint32{0, 5000, 70000, 2*65536 - uint32(len(pathSecret))}

// writePath is one way bytes reach a memory in a slot besides the guest's
// own stores. run instantiates the tenant in s and writes pathSecret at
// pathOffsets through that way only: most run no call at all, so that a
// slot whose reset is skipped for a memory nothing wrote (no call ran in
// its store, nothing marked it) would hand the secret to the next tenant.
type writePath struct {
	name string
	run  func(t *testing.T, ctx context.Context, e *moat.Engine, s *moat.Store) *moat.Instance
}

// plainSpy is a tenant of two pages that runs nothing.
const plainSpy = `(module (memory (export "mem") 2 16))`

// hostWrite instantiates plainSpy and hands its memory to write.
func hostWrite(write func(m *moat.Memory, off uint32) bool) func(*testing.T, context.Context, *moat.Engine, *moat.Store) *moat.Instance {
	return func(t *testing.T, ctx context.Context, e *moat.Engine, s *moat.Store) *moat.Instance {
		inst := instantiateIn(t, ctx, s, prepare(t, e, plainSpy))
		m := inst.Memory("mem")
		for _, off := range pathOffsets {
			if !write(m, off) {
				t.Fatalf("the write at %d failed", off)
			}
		}
		return inst
	}
}

// dataAt is a data segment of pathSecret at off, escaped for a .wat string.
func dataAt(offset string) string { return fmt.Sprintf("(data (%s) %q)", offset, pathSecret) }

// secretData is a segment per offset of pathOffsets, each offset written
// with form (a format of one %d).
func secretData(form string) string {
	s := ""
	for _, off := range pathOffsets {
		s += dataAt(fmt.Sprintf(form, off))
	}
	return s
}

// secretStores is a function body that stores pathSecret at pathOffsets
// with i64 stores.
func secretStores() string {
	s := ""
	for _, off := range pathOffsets {
		for i := 0; i+8 <= len(pathSecret); i += 8 {
			w := binary.LittleEndian.Uint64([]byte(pathSecret[i:]))
			s += fmt.Sprintf("(i64.store (i32.const %d) (i64.const %d))", int(off)+i, int64(w))
		}
	}
	return s
}

var writePaths = []writePath{
	{"Memory.Write", hostWrite(func(m *moat.Memory, off uint32) bool { return m.Write(off, []byte(pathSecret)) })},
	{"Memory.Bytes", hostWrite(func(m *moat.Memory, off uint32) bool {
		b := m.Bytes()
		return copy(b[off:], pathSecret) == len(pathSecret)
	})},
	{"Memory.Read's view", hostWrite(func(m *moat.Memory, off uint32) bool {
		v, ok := m.Read(off, uint32(len(pathSecret)))
		copy(v, pathSecret)
		return ok
	})},
	{"Memory.WriteUint64Le", hostWrite(func(m *moat.Memory, off uint32) bool {
		ok := true
		for i := 0; i+8 <= len(pathSecret); i += 8 {
			ok = ok && m.WriteUint64Le(off+uint32(i), binary.LittleEndian.Uint64([]byte(pathSecret[i:])))
		}
		return ok
	})},
	{"Memory.Grow, then a write in the grown pages", func(t *testing.T, ctx context.Context, e *moat.Engine, s *moat.Store) *moat.Instance {
		inst := instantiateIn(t, ctx, s, prepare(t, e, `(module (memory (export "mem") 0 16))`))
		m := inst.Memory("mem")
		if _, ok := m.Grow(2); !ok {
			t.Fatal("grow failed")
		}
		for _, off := range pathOffsets {
			m.Write(off, []byte(pathSecret))
		}
		return inst
	}},
	// Offsets that are not one constant: applied at instantiation, not
	// in the image.
	{"data segments applied at instantiation", func(t *testing.T, ctx context.Context, e *moat.Engine, s *moat.Store) *moat.Instance {
		return instantiateIn(t, ctx, s, prepare(t, e, `(module (memory (export "mem") 2 16) `+
			secretData("i32.add (i32.const %d) (i32.const 0)")+`)`))
	}},
	// Another instance's data segments, written into the slot's memory it
	// imports: the memory's own instance ran nothing.
	{"an importer's data segments", func(t *testing.T, ctx context.Context, e *moat.Engine, s *moat.Store) *moat.Instance {
		owner := instantiateIn(t, ctx, s, prepare(t, e, plainSpy))
		l := moat.NewLinker(e)
		if err := l.DefineInstance("owner", owner); err != nil {
			t.Fatal(err)
		}
		mod := compile(t, e, `(module (import "owner" "mem" (memory 2 16)) `+secretData("i32.const %d")+`)`)
		if _, err := l.Instantiate(ctx, s, mod); err != nil {
			t.Fatal(err)
		}
		return owner
	}},
	{"a start function", func(t *testing.T, ctx context.Context, e *moat.Engine, s *moat.Store) *moat.Instance {
		return instantiateIn(t, ctx, s, prepare(t, e, `(module (memory (export "mem") 2 16)
		  (func $start `+secretStores()+`) (start $start))`))
	}},
	{"a host function through its Caller", func(t *testing.T, ctx context.Context, e *moat.Engine, s *moat.Store) *moat.Instance {
		l := moat.NewLinker(e)
		err := l.DefineHostFunc("host", "write", moat.FuncType{}, func(ctx context.Context, c *moat.Caller, stack []uint64) error {
			for _, off := range pathOffsets {
				c.Memory().Write(off, []byte(pathSecret))
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return runIn(t, ctx, s, l, `(module (import "host" "write" (func $w)) (memory (export "mem") 2 16)
		  (func (export "run") (call $w)))`)
	}},
	// WASI writes the environment into the guest's memory; the guest
	// itself stores nothing.
	{"WASI's environ_get", func(t *testing.T, ctx context.Context, e *moat.Engine, s *moat.Store) *moat.Instance {
		l := moat.NewLinker(e)
		if err := wasi.DefineImports(l); err != nil {
			t.Fatal(err)
		}
		if _, err := wasi.Attach(s, wasi.Config{Env: []string{"K=" + pathSecret}}); err != nil {
			t.Fatal(err)
		}
		return runIn(t, ctx, s, l, `(module
		  (import "wasi_snapshot_preview1" "environ_get" (func $get (param i32 i32) (result i32)))
		  (memory (export "mem") 2 16)
		  (func (export "run") (drop (call $get (i32.const 64) (i32.const 70000)))))`)
	}},
}

// runIn prepares wat with l, instantiates it in s and calls its "run".
func runIn(t *testing.T, ctx context.Context, s *moat.Store, l *moat.Linker, wat string) *moat.Instance {
	t.Helper()
	pre, err := l.Prepare(compile(t, s.Engine(), wat))
	if err != nil {
		t.Fatal(err)
	}
	inst := instantiateIn(t, ctx, s, pre)
	if _, err := inst.Func("run").Call(ctx); err != nil {
		t.Fatal(err)
	}
	return inst
}

func instantiateIn(t *testing.T, ctx context.Context, s *moat.Store, pre *moat.InstancePre) *moat.Instance {
	t.Helper()
	inst, err := pre.Instantiate(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	return inst
}

// Whatever way a tenant's bytes reached its memory, with or without a
// call into its store, the next tenant of the slot finds none of them:
// each write path of writePaths alone, the store closed at once or its
// instance first, then every victim in the same slot, in every
// keep-resident mode, on the interpreter and the compiler in both
// bounds-check modes. (A memory that nothing wrote skips its slot's reset:
// a path that did not mark its memory written would leave the secret.)
func TestPoolResetAttackWritePaths(t *testing.T) {
	ctx := context.Background()
	forEachKeep(t, func(t *testing.T, e *moat.Engine) {
		for _, path := range writePaths {
			t.Run(path.name, func(t *testing.T) { writePathAttack(t, ctx, e, path) })
		}
	})
}

// writePathAttack writes the secret through path, then looks for it as
// each victim in turn.
func writePathAttack(t *testing.T, ctx context.Context, e *moat.Engine, path writePath) {
	for _, v := range victims {
		pre, want := prepare(t, e, v.wat), v.memory()
		for round := range 2 {
			s := moat.NewStore(e)
			inst := path.run(t, ctx, e, s)
			if round == 1 {
				inst.Close(ctx) // the instance alone, then the store
			}
			s.Close()

			// The victim's store is closed however the test ends: the
			// next path's tenants need the one slot.
			s = moat.NewStore(e)
			defer s.Close()
			inst = instantiateIn(t, ctx, s, pre)
			if f := inst.Func("scan"); f != nil {
				got, err := f.Call(ctx)
				if err != nil || got[0] != 0 {
					t.Fatalf("%s after %s, round %d: the guest's scan read %#x (%v), want 0", v.name, path.name, round, got, err)
				}
			}
			checkMemory(t, inst, want, fmt.Sprintf("%s after %s, round %d", v.name, path.name, round))
			s.Close()
		}
	}
}

// A memory another instance imports is emptied when its own instance
// closes first (its pages given back at once, its slot kept until the
// store closes): the module's next instance in that slot still finds its
// data, in explicit mode copied in again rather than taken as still there.
func TestPoolRevokedMemoryKeepsImage(t *testing.T) {
	ctx := context.Background()
	forEachKeep(t, func(t *testing.T, e *moat.Engine) {
		const ownerWat = `(module (memory (export "mem") 1 16) (data (i32.const 100) "owner-image"))`
		owner, want := prepare(t, e, ownerWat), victim{pages: 1, data: map[int]string{100: "owner-image"}}.memory()
		importer := compile(t, e, `(module (import "owner" "mem" (memory 1 16)))`)
		for round := range 3 {
			s := moat.NewStore(e)
			inst := instantiateIn(t, ctx, s, owner)
			checkMemory(t, inst, want, fmt.Sprintf("round %d", round))
			l := moat.NewLinker(e)
			if err := l.DefineInstance("owner", inst); err != nil {
				t.Fatal(err)
			}
			if _, err := l.Instantiate(ctx, s, importer); err != nil {
				t.Fatal(err)
			}
			inst.Close(ctx)
			s.Close()
		}
	})
}

// Instantiating a pre-linked module writes nothing into its memory of its
// own accord (the data is the image's, mapped or copied by the slot), so
// an instance closed without a call costs its slot no reset: add, hello
// (WASI imports, an image) and, with MOAT_BENCH, bz2 and regex (a table
// filled by an element segment), on both engines and in both modes. One
// call, or taking the memory's bytes, makes the memory one to reset.
func TestInstantiateLeavesMemoryUnwritten(t *testing.T) {
	ctx := context.Background()
	poolingModes(t, moat.PoolingConfig{TotalMemories: 2}, func(t *testing.T, e *moat.Engine) {
		l := moat.NewLinker(e)
		if err := wasi.DefineImports(l); err != nil {
			t.Fatal(err)
		}
		nop := func(context.Context, *moat.Caller, []uint64) error { return nil }
		for _, name := range []string{"start", "end"} {
			if err := l.DefineHostFunc("bench", name, moat.FuncType{}, nop); err != nil {
				t.Fatal(err)
			}
		}
		mods := map[string]*moat.InstancePre{
			"add":   prepareFixture(t, e, l, "add.wasm"),
			"hello": prepareFixture(t, e, l, "hello.wasm"),
		}
		if dir := os.Getenv("MOAT_BENCH"); dir != "" {
			for _, name := range []string{"bz2", "regex"} {
				bin, err := os.ReadFile(filepath.Join(dir, name, "benchmark.wasm"))
				if err != nil {
					t.Fatal(err)
				}
				mod, err := e.Compile(bin)
				if err != nil {
					t.Fatal(err)
				}
				if mods[name], err = l.Prepare(mod); err != nil {
					t.Fatal(err)
				}
			}
		}
		for name, pre := range mods {
			s := moat.NewStore(e)
			if _, err := wasi.Attach(s, wasi.Config{}); err != nil {
				t.Fatal(err)
			}
			inst := instantiateIn(t, ctx, s, pre)
			if moat.MemoryMayBeWritten(inst, 0) {
				t.Errorf("%s: instantiating marked its memory written", name)
			}
			inst.Memory("memory").Size()
			if moat.MemoryMayBeWritten(inst, 0) {
				t.Errorf("%s: Memory.Size marked the memory written", name)
			}
			inst.Memory("memory").Bytes()
			if !moat.MemoryMayBeWritten(inst, 0) {
				t.Errorf("%s: Memory.Bytes left the memory unmarked", name)
			}
			s.Close()
		}
	})
}
