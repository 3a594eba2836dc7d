package moat_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/moat-run/moat"
	"github.com/moat-run/moat/internal/artifact"
	"github.com/moat-run/moat/internal/vm"
)

// The address space tests run in a subprocess of their own: the limits
// count every mapping moat holds in the process, and only a fresh process
// holds exactly what the test made (no other test's memories waiting for
// the garbage collector).

const spaceEnv = "MOAT_SPACE_TEST"

// runSpaceChild re-runs the test binary as TestSpaceChild in mode and
// returns its output, failing when it fails.
func runSpaceChild(t *testing.T, mode string, env ...string) string {
	t.Helper()
	if _, err := moat.NewEngine(moat.Config{Engine: moat.EngineCompiler, BoundsChecks: moat.BoundsChecksGuardPages}); err != nil {
		t.Skipf("no compiler with guard pages here: %v", err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestSpaceChild$", "-test.count=1", "-test.v")
	cmd.Env = append(append(os.Environ(), spaceEnv+"="+mode), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", mode, err, out)
	}
	return string(out)
}

// TestAddressSpaceLimit: with MaxAddressSpace (then MaxMappings) set to
// what two more guard-page memories need, two instantiations succeed and
// the third fails with ErrAddressSpace; releasing one makes room again.
func TestAddressSpaceLimit(t *testing.T) {
	for _, mode := range []string{"bytes", "mappings"} {
		out := runSpaceChild(t, mode)
		if !strings.Contains(out, "instantiated 2, then: address space exhausted: a linear memory needs") {
			t.Errorf("%s:\n%s", mode, out)
		}
	}
}

// TestCloseReturnsSpace: Instance.Close and Store.Close give a memory's
// reservation back at once, with the garbage collector off, and a call
// gives back the stack it borrowed (the next call reuses it).
func TestCloseReturnsSpace(t *testing.T) {
	if out := runSpaceChild(t, "close"); !strings.Contains(out, "close returned everything") {
		t.Errorf("child output:\n%s", out)
	}
}

// TestArtifactSpace: loading an artifact from a file charges its two
// mappings (the file, read-only, and its code, read+execute) to moat's
// address space, exactly, and unloading the module returns them.
func TestArtifactSpace(t *testing.T) {
	out := runSpaceChild(t, "artifact")
	if !strings.Contains(out, "artifact charged exactly") || !strings.Contains(out, "artifact released") {
		t.Errorf("child output:\n%s", out)
	}
}

// TestAddressSpaceExhaustion creates guard-page memories with moat's
// limits lifted until the kernel refuses one (address space or
// vm.max_map_count), which must be a typed error, not a crash; then as
// many as fit under moat's default limits, which must also end in the
// typed error, and the process must carry on. It makes some 60,000
// memories (about 20 seconds), so it runs only with MOAT_SPACE_EXHAUST=1,
// and logs the counts (the README's figures).
func TestAddressSpaceExhaustion(t *testing.T) {
	if os.Getenv("MOAT_SPACE_EXHAUST") == "" {
		t.Skip("set MOAT_SPACE_EXHAUST=1 to exhaust the address space (in a subprocess, about 20 s)")
	}
	out := runSpaceChild(t, "exhaust")
	if !strings.Contains(out, "kernel refused after") || !strings.Contains(out, "defaults refused after") {
		t.Fatalf("child output:\n%s", out)
	}
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, "refused after") {
			t.Log(strings.TrimSpace(l))
		}
	}
}

// TestSpaceChild is the subprocess of the address space tests.
func TestSpaceChild(t *testing.T) {
	mode := os.Getenv(spaceEnv)
	if mode == "" {
		return
	}
	ctx := context.Background()
	src := []byte(`(module (memory 1) (func (export "f") (result i32) (i32.load (i32.const 0))))`)
	// The runtime's own stubs are mapped by the first engine; measure after.
	if _, err := moat.NewEngine(moat.Config{Engine: moat.EngineCompiler}); err != nil {
		t.Fatal(err)
	}
	switch mode {
	case "bytes", "mappings":
		const perMemory = 4<<30 + 2*32<<20 // reservation and two guards
		const perCode = 4096               // one page of code, one mapping
		used := vm.SpaceInUse()
		cfg := moat.Config{Engine: moat.EngineCompiler, BoundsChecks: moat.BoundsChecksGuardPages}
		if mode == "bytes" {
			cfg.MaxAddressSpace = used.Bytes + perCode + 2*perMemory + perMemory/2
		} else {
			cfg.MaxMappings = used.Mappings + 1 + 2*3 + 2
		}
		e, err := moat.NewEngine(cfg)
		if err != nil {
			t.Fatal(err)
		}
		mod, err := e.Compile(src)
		if err != nil {
			t.Fatal(err)
		}
		var keep []*moat.Instance
		for {
			inst, err := moat.NewStore(e).Instantiate(ctx, mod)
			if err != nil {
				if !errors.Is(err, moat.ErrAddressSpace) {
					t.Fatalf("after %d: %v is not ErrAddressSpace", len(keep), err)
				}
				fmt.Printf("instantiated %d, then: %v\n", len(keep), err)
				break
			}
			keep = append(keep, inst)
		}
		// Unreachable memories are collected when the limit is reached.
		keep = keep[:1]
		if _, err := moat.NewStore(e).Instantiate(ctx, mod); err != nil {
			t.Fatalf("after releasing one: %v", err)
		}
	case "density":
		densityChild(t)
	case "close":
		// The garbage collector is off: only Close can give space back.
		debug.SetGCPercent(-1)
		e, err := moat.NewEngine(moat.Config{Engine: moat.EngineCompiler, BoundsChecks: moat.BoundsChecksGuardPages})
		if err != nil {
			t.Fatal(err)
		}
		mod, err := e.Compile(src)
		if err != nil {
			t.Fatal(err)
		}
		// The first instantiation maps the engine's host call stubs for
		// good, and its call leaves a stack idle in the engine's pool.
		if s := moat.NewStore(e); true {
			inst, err := s.Instantiate(ctx, mod)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := inst.Func("f").Call(ctx); err != nil {
				t.Fatal(err)
			}
			s.Close()
		}
		before := vm.SpaceInUse()
		s := moat.NewStore(e)
		inst, err := s.Instantiate(ctx, mod)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := inst.Func("f").Call(ctx); err != nil {
			t.Fatal(err)
		}
		if vm.SpaceInUse() == before {
			t.Fatal("an instance with a memory charged nothing")
		}
		if err := inst.Close(ctx); err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		if got := vm.SpaceInUse(); got != before {
			t.Fatalf("after Close moat holds %+v, %+v before", got, before)
		}
		fmt.Println("close returned everything")
	case "artifact":
		e, err := moat.NewEngine(moat.Config{Engine: moat.EngineCompiler})
		if err != nil {
			t.Fatal(err)
		}
		mod, err := e.Compile(src)
		if err != nil {
			t.Fatal(err)
		}
		b, err := mod.Serialize()
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), "m.cwasm")
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		f, err := artifact.Load(b, artifact.Options{})
		if err != nil {
			t.Fatal(err)
		}
		// Whatever the first instantiation maps for good is mapped before
		// the measure.
		if _, err := moat.NewStore(e).Instantiate(ctx, mod); err != nil {
			t.Fatal(err)
		}
		page := uint64(os.Getpagesize())
		round := func(n uint64) uint64 { return (n + page - 1) &^ (page - 1) }
		want := vm.Limits{Bytes: round(uint64(len(b))) + round(f.Header.Section(artifact.SectionCode).Size), Mappings: 2}
		// The instance's memory and anything else unreachable go first.
		before := vm.SpaceInUse()
		for range 100 {
			runtime.GC()
			time.Sleep(10 * time.Millisecond)
			now := vm.SpaceInUse()
			if now == before {
				break
			}
			before = now
		}
		loaded, err := e.DeserializeFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := vm.SpaceInUse(); got.Bytes-before.Bytes != want.Bytes || got.Mappings-before.Mappings != want.Mappings {
			t.Fatalf("loading charged %+v, want %+v", vm.Limits{Bytes: got.Bytes - before.Bytes, Mappings: got.Mappings - before.Mappings}, want)
		}
		fmt.Println("artifact charged exactly", want.Bytes, "bytes in", want.Mappings, "mappings")
		if _, err := moat.NewStore(e).Instantiate(ctx, loaded); err != nil {
			t.Fatal(err)
		}
		loaded = nil
		for deadline := time.Now().Add(10 * time.Second); vm.SpaceInUse() != before; {
			if time.Now().After(deadline) {
				t.Fatalf("moat holds %+v after the module was dropped, %+v before it was loaded", vm.SpaceInUse(), before)
			}
			runtime.GC()
			time.Sleep(10 * time.Millisecond)
		}
		runtime.KeepAlive(mod)
		fmt.Println("artifact released")
	case "exhaust":
		for _, c := range []struct {
			name string
			cfg  moat.Config
		}{
			{"kernel", moat.Config{MaxAddressSpace: 1 << 62, MaxMappings: 1 << 30}},
			{"defaults", moat.Config{}},
		} {
			c.cfg.Engine, c.cfg.BoundsChecks = moat.EngineCompiler, moat.BoundsChecksGuardPages
			e, err := moat.NewEngine(c.cfg)
			if err != nil {
				t.Fatal(err)
			}
			mod, err := e.Compile(src)
			if err != nil {
				t.Fatal(err)
			}
			store := moat.NewStore(e)
			var keep []*moat.Instance
			first, err := store.Instantiate(ctx, mod)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := first.Func("f").Call(ctx); err != nil { // borrows a stack
				t.Fatal(err)
			}
			keep = append(keep, first)
			for {
				inst, err := store.Instantiate(ctx, mod)
				if err != nil {
					if !errors.Is(err, moat.ErrAddressSpace) {
						t.Fatalf("%s: after %d: %v is not ErrAddressSpace", c.name, len(keep), err)
					}
					in := vm.SpaceInUse()
					fmt.Printf("%s refused after %d guard-page memories (moat holding %d GiB in %d mappings): %v\n",
						c.name, len(keep), in.Bytes>>30, in.Mappings, err)
					break
				}
				keep = append(keep, inst)
			}
			// Everything still works, and the memories go back once their
			// store is unreachable.
			if r, err := keep[len(keep)-1].Func("f").Call(ctx); err != nil || r[0] != 0 {
				t.Fatalf("%s: the last instance: %v, %v", c.name, r, err)
			}
			for _, inst := range keep {
				if err := inst.Close(ctx); err != nil {
					t.Fatal(err)
				}
			}
			keep, first, store = nil, nil, nil
			if _, err := moat.NewStore(e).Instantiate(ctx, mod); err != nil {
				t.Fatalf("%s: after releasing them: %v", c.name, err)
			}
		}
	default:
		t.Fatalf("unknown mode %q", mode)
	}
	fmt.Println("child done, pid " + strconv.Itoa(os.Getpid()))
}
