package wasi_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/moat-run/moat"
	"github.com/moat-run/moat/wasi"
)

// args is the guest's argument list, as args_get writes it.
func (p *probe) args() []string {
	p.t.Helper()
	if e := p.call("args_sizes_get", outPtr, outPtr+4); e != eSuccess {
		p.t.Fatalf("args_sizes_get: %v", e)
	}
	n, size := p.u32(outPtr), p.u32(outPtr+4)
	if e := p.call("args_get", outPtr, bufPtr); e != eSuccess {
		p.t.Fatalf("args_get: %v", e)
	}
	if n == 0 {
		return nil
	}
	return strings.Split(strings.TrimSuffix(string(p.bytes(bufPtr, size)), "\x00"), "\x00")
}

// monotonic is the guest's reading of the monotonic clock.
func (p *probe) monotonic() uint64 {
	p.t.Helper()
	if e := p.call("clock_time_get", 1, 1, outPtr); e != eSuccess {
		p.t.Fatalf("clock_time_get: %v", e)
	}
	return p.u64(outPtr)
}

// TestAttachWithRecyclesNothingOfTheLastSandbox is the attacker's view of
// a System that AttachWith reuses once its System and store were closed:
// the next sandbox finds none of the last one's arguments, environment,
// standard streams, sleep, descriptor changes (files opened, descriptors
// closed, renumbered, with rights dropped), nor its monotonic clock's
// origin; and the last sandbox's instance, kept past its store's Close,
// reaches nothing of the next one's.
func TestAttachWithRecyclesNothingOfTheLastSandbox(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "x"), []byte("X"), 0o644); err != nil {
		t.Fatal(err)
	}
	var routeSlept int
	pp := newPreparedProbes(t, moat.EngineAuto, 2, wasi.Config{
		Sleep:    func(context.Context, time.Duration) { routeSlept++ },
		Args:     []string{"route"},
		Env:      []string{"ROUTE=1"},
		Preopens: []wasi.Preopen{{Guest: "/", Host: dir}},
	})
	reused := false
	for round := 0; round < 20 && !(reused && round >= 2); round++ {
		var outA, errA bytes.Buffer
		var aSlept int
		sa, a := pp.sandbox(&wasi.Sandbox{
			Args: []string{"a", "--secret"}, Env: []string{"SECRET=a"},
			Stdin: strings.NewReader("a's input"), Stdout: &outA, Stderr: &errA,
			Sleep: func(context.Context, time.Duration) { aSlept++ },
		})
		if e, fd := a.open(preopenFd, "x", 0, 0, rightRead, 0); e != eSuccess || fd != secondOpenFd {
			t.Fatalf("A opens x: %v, fd %d", e, fd)
		}
		expectErrno(t, "A drops fd 3's rights", a.call("fd_fdstat_set_rights", preopenFd, 0, 0), eSuccess)
		expectErrno(t, "A renumbers fd 4 over 1", a.call("fd_renumber", secondOpenFd, 1), eSuccess)
		expectErrno(t, "A closes fd 0", a.call("fd_close", 0), eSuccess)
		a.monotonic()
		a.monotonic() // a second reading, past the origin
		if _, _, err := a.pollCall(context.Background(), subscription(1, 0, 1, uint64(time.Hour), 0)); err != nil || aSlept != 1 {
			t.Fatalf("A sleeps: %v, its Sleep called %d times", err, aSlept)
		}
		aSys := a.sys
		pp.close(sa, a)

		var outB bytes.Buffer
		sb, b := pp.sandbox(&wasi.Sandbox{Env: []string{"OTHER=b"}, Stdout: &outB})
		reused = reused || wasi.SameParts(b.sys, aSys)
		if got := b.args(); len(got) != 1 || got[0] != "route" {
			t.Errorf("B's arguments %q, want the configuration's [route]", got)
		}
		if got := b.environ(); len(got) != 1 || got[0] != "OTHER=b" {
			t.Errorf("B's environment %q, want [OTHER=b]", got)
		}
		if e, _, rights := b.fdstat(0); e != eSuccess || rights&rightRead == 0 {
			t.Errorf("B's fd 0: %v, rights %#x; want the configuration's stdin", e, rights)
		}
		if e, got := b.read(0, 16); e != eSuccess || got != "" {
			t.Errorf("B reads fd 0: %v, %q; want the configuration's empty stdin", e, got)
		}
		if e, _ := b.read(secondOpenFd, 1); e != eBadf {
			t.Errorf("B reads fd 4: %v, want EBADF", e)
		}
		if e, _, rights := b.fdstat(preopenFd); e != eSuccess || rights == 0 {
			t.Errorf("B's fd 3: %v, rights %#x; want the preopen's (A dropped its own)", e, rights)
		}
		if e, n := b.write(1, "b"); e != eSuccess || n != 1 || outB.String() != "b" {
			t.Errorf("B writes to fd 1: %v, %d; its stdout has %q", e, n, outB.String())
		}
		if e, _ := b.write(2, "b"); e != eSuccess || errA.Len() != 0 {
			t.Errorf("B writes to fd 2: %v; A's stderr has %q", e, errA.String())
		}
		if got := b.monotonic(); got != 1 {
			t.Errorf("B's first monotonic reading is %d, want 1 (its own origin)", got)
		}
		routeSlept = 0
		if _, _, err := b.pollCall(context.Background(), subscription(1, 0, 1, uint64(time.Hour), 0)); err != nil || aSlept != 1 || routeSlept != 1 {
			t.Errorf("B sleeps: %v; A's Sleep called %d times, want 1; the configuration's %d, want 1", err, aSlept, routeSlept)
		}
		// A's instance, kept: its store is closed, so its calls fail
		// rather than reach B's System.
		if _, err := a.inst.Func("fd_write").Call(context.Background(), 1, iovPtr, 1, outPtr); !errors.Is(err, moat.ErrClosed) {
			t.Errorf("A's fd_write after its store closed: %v, want ErrClosed", err)
		}
		if outA.Len() != 0 || outB.String() != "b" {
			t.Errorf("A's stdout %q, B's %q", outA.String(), outB.String())
		}
		pp.close(sb, b)
	}
	if !reused && !raceEnabled {
		t.Error("AttachWith never reused a System whose System and store were closed")
	}
}

// TestAttachWithReusesOnlyWhatItsOwnerClosed: a System still open when
// its store closes, or whose store is never closed, is not reused.
func TestAttachWithReusesOnlyWhatItsOwnerClosed(t *testing.T) {
	pp := newPreparedProbes(t, moat.EngineAuto, 4, wasi.Config{})
	sb := &wasi.Sandbox{Env: []string{"K=V"}}

	// The store first, then the System.
	s, p := pp.sandbox(sb)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := p.sys.Close(); err != nil {
		t.Fatal(err)
	}
	s2, p2 := pp.sandbox(sb)
	if wasi.SameParts(p2.sys, p.sys) {
		t.Error("a System open when its store closed was reused")
	}

	// The System closed, its store never.
	if err := p2.sys.Close(); err != nil {
		t.Fatal(err)
	}
	s3, p3 := pp.sandbox(sb)
	if wasi.SameParts(p3.sys, p2.sys) {
		t.Error("a System whose store is still open was reused")
	}
	if _, err := p2.inst.Func("fd_write").Call(context.Background(), 1, iovPtr, 0, outPtr); err != nil {
		t.Errorf("the open store's call after its System's Close: %v", err)
	}
	pp.close(s3, p3)
	_ = s2
}

// TestAttachWithConcurrentSandboxesShareNoSystem attaches, runs and closes
// sandboxes on many goroutines at once, each with its own environment and
// stdout and opening a file: each sees only its own, and under the race
// detector two sandboxes sharing a System would be reported.
func TestAttachWithConcurrentSandboxesShareNoSystem(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "f"), []byte("F"), 0o644); err != nil {
		t.Fatal(err)
	}
	const goroutines = 4
	pp := newPreparedProbes(t, moat.EngineAuto, goroutines, wasi.Config{Preopens: []wasi.Preopen{{Guest: "/", Host: dir}}})
	t.Run("group", func(t *testing.T) {
		for g := range goroutines {
			t.Run(fmt.Sprint(g), func(t *testing.T) {
				t.Parallel()
				for i := range 20 {
					me := fmt.Sprintf("G%d=%d", g, i)
					var out bytes.Buffer
					s, p := pp.sandboxOf(t, &wasi.Sandbox{Env: []string{me}, Stdout: &out})
					if e, _ := p.read(secondOpenFd, 1); e != eBadf {
						t.Errorf("%s reads fd 4 before opening it: %v, want EBADF", me, e)
					}
					if e, fd := p.open(preopenFd, "f", 0, 0, rightRead, 0); e != eSuccess || fd != secondOpenFd {
						t.Errorf("%s opens f: %v, fd %d", me, e, fd)
					}
					if env := p.environ(); len(env) != 1 || env[0] != me {
						t.Errorf("%s's environment is %q", me, env)
					}
					if e, _ := p.write(1, me); e != eSuccess || out.String() != me {
						t.Errorf("%s writes %v; its stdout has %q", me, e, out.String())
					}
					if err := errors.Join(p.sys.Close(), s.Close()); err != nil {
						t.Error(err)
					}
				}
			})
		}
	})
}

// TestAttachWithAllocations: attaching a store with a Sandbox reuses a
// closed System's parts, so the attach and close of a sandbox allocate
// only the System's handle (the store's handle stays on the stack, its
// state is the engine's recycled one).
func TestAttachWithAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts and sync.Pool's reuse differ under the race detector")
	}
	eng, err := moat.NewEngine(moat.Config{Pooling: &moat.PoolingConfig{TotalMemories: 1}})
	if err != nil {
		t.Skip(err)
	}
	prep, err := wasi.Prepare(wasi.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer prep.Close()
	var out bytes.Buffer
	sb := wasi.Sandbox{Args: []string{"a"}, Env: []string{"K=V"}, Stdout: &out}
	cycle := func() {
		s := moat.NewStore(eng)
		sys, err := prep.AttachWith(s, sb)
		if err != nil {
			t.Fatal(err)
		}
		if err := errors.Join(sys.Close(), s.Close()); err != nil {
			t.Fatal(err)
		}
	}
	cycle()
	if n := testing.AllocsPerRun(100, cycle); n != 1 {
		t.Errorf("attach and close allocate %v times, want 1 (the System's handle)", n)
	}
}

// TestAttachWithStaleSystemCloses: a System of AttachWith closed a second
// time, or first, after its store closed and its parts went on to serve
// another sandbox, closes nothing of that sandbox: its open files, its
// standard streams and its later recycling stay its own.
func TestAttachWithStaleSystemCloses(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "f"), []byte("F"), 0o644); err != nil {
		t.Fatal(err)
	}
	pp := newPreparedProbes(t, moat.EngineAuto, 2, wasi.Config{Preopens: []wasi.Preopen{{Guest: "/", Host: dir}}})
	reused := false
	for round := 0; round < 20 && !reused; round++ {
		sa, a := pp.sandbox(&wasi.Sandbox{Env: []string{"WHO=a"}})
		stale := a.sys
		pp.close(sa, a) // the System, then its store: its parts go back

		var outB bytes.Buffer
		sb, b := pp.sandbox(&wasi.Sandbox{Env: []string{"WHO=b"}, Stdout: &outB})
		reused = wasi.SameParts(b.sys, stale)
		if e, fd := b.open(preopenFd, "f", 0, 0, rightRead, 0); e != eSuccess || fd != secondOpenFd {
			t.Fatalf("B opens f: %v, fd %d", e, fd)
		}
		for range 2 {
			if err := stale.Close(); err != nil {
				t.Errorf("A's System closed again: %v", err)
			}
		}
		if e, got := b.read(secondOpenFd, 1); e != eSuccess || got != "F" {
			t.Errorf("B reads its file after A's System closed again: %v, %q; want F", e, got)
		}
		if e, n := b.write(1, "b"); e != eSuccess || n != 1 || outB.String() != "b" {
			t.Errorf("B writes to fd 1 after A's System closed again: %v, %d; its stdout has %q", e, n, outB.String())
		}
		if env := b.environ(); len(env) != 1 || env[0] != "WHO=b" {
			t.Errorf("B's environment %q, want [WHO=b]", env)
		}
		pp.close(sb, b)
		// B's own Close ran: its parts went back, and a stale Close of
		// B's, after the next sandbox took them, is as harmless.
		sc, c := pp.sandbox(&wasi.Sandbox{Env: []string{"WHO=c"}})
		if err := b.sys.Close(); err != nil {
			t.Errorf("B's System closed again: %v", err)
		}
		if e, fd := c.open(preopenFd, "f", 0, 0, rightRead, 0); e != eSuccess || fd != secondOpenFd {
			t.Errorf("C opens f after B's System closed again: %v, fd %d", e, fd)
		}
		pp.close(sc, c)
	}
	if !reused && !raceEnabled {
		t.Error("AttachWith never reused a System whose System and store were closed")
	}
}

// TestAttachWithKeptCallerReachesNothingOfTheNextSandbox: a host function
// that keeps its Caller past its call, and the store it came from after
// that store closed, reach nothing of the sandbox whose System (and store
// state and memory slot) are the closed one's, reused.
func TestAttachWithKeptCallerReachesNothingOfTheNextSandbox(t *testing.T) {
	eng, err := moat.NewEngine(moat.Config{Pooling: &moat.PoolingConfig{TotalMemories: 1}})
	if err != nil {
		t.Skip(err)
	}
	mod, err := eng.CompileText([]byte(`(module
		(import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
		(import "env" "keep" (func $keep))
		(memory (export "memory") 1)
		(data (i32.const 16) "\18\00\00\00\01\00\00\00A")
		(func (export "keep") call $keep)
		(func (export "write") (result i32)
			(call $fd_write (i32.const 1) (i32.const 16) (i32.const 1) (i32.const 0))))`))
	if err != nil {
		t.Fatal(err)
	}
	var kept *moat.Caller
	l := moat.NewLinker(eng)
	if err := wasi.DefineImports(l); err != nil {
		t.Fatal(err)
	}
	if err := l.DefineFunc("env", "keep", func(ctx context.Context, c *moat.Caller) { kept = c }); err != nil {
		t.Fatal(err)
	}
	prep, err := wasi.Prepare(wasi.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer prep.Close()
	ctx := context.Background()
	sandbox := func(out *bytes.Buffer) (*moat.Store, *wasi.System, *moat.Instance) {
		s := moat.NewStore(eng)
		sys, err := prep.AttachWith(s, wasi.Sandbox{Stdout: out})
		if err != nil {
			t.Fatal(err)
		}
		inst, err := l.Instantiate(ctx, s, mod)
		if err != nil {
			t.Fatal(err)
		}
		return s, sys, inst
	}
	var outA, outB bytes.Buffer
	sa, sysA, a := sandbox(&outA)
	if _, err := a.Func("keep").Call(ctx); err != nil || kept == nil {
		t.Fatalf("keep: %v", err)
	}
	if res, err := a.Func("write").Call(ctx); err != nil || res[0] != 0 || outA.String() != "A" {
		t.Fatalf("A writes: %v, %v; its stdout has %q", res, err, outA.String())
	}
	outA.Reset()
	if err := errors.Join(sysA.Close(), sa.Close()); err != nil {
		t.Fatal(err)
	}
	sb, sysB, _ := sandbox(&outB)
	defer func() { _ = errors.Join(sysB.Close(), sb.Close()) }()
	if f := kept.ExportedFunc("write"); f != nil {
		if _, err := f.Call(ctx); err == nil {
			t.Error("A's kept Caller called write")
		}
	}
	if _, err := sa.Instantiate(ctx, mod); err == nil {
		t.Error("A's closed store instantiated a module")
	}
	if outA.Len() != 0 || outB.Len() != 0 {
		t.Errorf("after A closed, A's stdout has %q and B's %q, want both empty", outA.String(), outB.String())
	}
}
