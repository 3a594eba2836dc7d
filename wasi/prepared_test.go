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
	"github.com/moat-run/moat/internal/wasip1"
	"github.com/moat-run/moat/wasi"
)

// preparedProbes makes probe sandboxes attached with one Prepared, on a
// pooled engine of two slots (so that a closed sandbox's store state and
// slot serve the next one).
type preparedProbes struct {
	t    *testing.T
	eng  *moat.Engine
	pre  *moat.InstancePre
	prep *wasi.Prepared
}

func newPreparedProbes(t *testing.T, kind moat.EngineKind, slots int, cfg wasi.Config) *preparedProbes {
	t.Helper()
	eng, err := moat.NewEngine(moat.Config{Engine: kind, Pooling: &moat.PoolingConfig{TotalMemories: slots}})
	if err != nil {
		t.Skip(err)
	}
	mod, l := probeLinker(t, eng)
	pre, err := l.Prepare(mod)
	if err != nil {
		t.Fatal(err)
	}
	prep, err := wasi.Prepare(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { prep.Close() })
	return &preparedProbes{t: t, eng: eng, pre: pre, prep: prep}
}

// sandbox attaches a new store with sb (nil: Attach) and instantiates the
// probe in it; closing the store and the system is the caller's.
func (pp *preparedProbes) sandbox(sb *wasi.Sandbox) (*moat.Store, *probe) {
	pp.t.Helper()
	return pp.sandboxOf(pp.t, sb)
}

// sandboxOf is sandbox for the test t (a parallel subtest's).
func (pp *preparedProbes) sandboxOf(t *testing.T, sb *wasi.Sandbox) (*moat.Store, *probe) {
	t.Helper()
	s := moat.NewStore(pp.eng)
	p := &probe{t: t}
	var err error
	if sb == nil {
		p.sys, err = pp.prep.Attach(s)
	} else {
		p.sys, err = pp.prep.AttachWith(s, *sb)
	}
	if err != nil {
		t.Fatal(err)
	}
	if p.inst, err = pp.pre.Instantiate(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	p.mem = p.inst.Memory("memory")
	return s, p
}

// close closes a sandbox's system and store.
func (pp *preparedProbes) close(s *moat.Store, p *probe) {
	pp.t.Helper()
	if err := errors.Join(p.sys.Close(), s.Close()); err != nil {
		pp.t.Fatal(err)
	}
}

// fdstat is fd_fdstat_get's errno, flags, and base rights.
func (p *probe) fdstat(fd uint32) (wasip1.Errno, uint16, uint64) {
	p.t.Helper()
	e := p.call("fd_fdstat_get", uint64(fd), outPtr)
	return e, uint16(p.u32(outPtr + 2)), p.u64(outPtr + 8)
}

// environ is the guest's environment, as environ_get writes it.
func (p *probe) environ() []string {
	p.t.Helper()
	if e := p.call("environ_sizes_get", outPtr, outPtr+4); e != eSuccess {
		p.t.Fatalf("environ_sizes_get: %v", e)
	}
	n, size := p.u32(outPtr), p.u32(outPtr+4)
	if e := p.call("environ_get", outPtr, bufPtr); e != eSuccess {
		p.t.Fatalf("environ_get: %v", e)
	}
	text := strings.TrimSuffix(string(p.bytes(bufPtr, size)), "\x00")
	if n == 0 {
		return nil
	}
	return strings.Split(text, "\x00")
}

// readdirNames lists fd from cookie (one call, a buffer of 4 KiB).
func (p *probe) readdirNames(fd uint32, cookie uint64) []string {
	p.t.Helper()
	if e := p.call("fd_readdir", uint64(fd), bufPtr, 4096, cookie, outPtr); e != eSuccess {
		p.t.Fatalf("fd_readdir: %v", e)
	}
	b := p.bytes(bufPtr, p.u32(outPtr))
	var names []string
	for len(b) >= 24 {
		n := int(b[16]) | int(b[17])<<8
		names = append(names, string(b[24:24+n]))
		b = b[24+n:]
	}
	return names
}

// TestPreparedSandboxesSeeOnlyTheirOwn is the attacker's view of a WASI
// configuration shared by many sandboxes (wasi.Prepare): whatever one
// sandbox does to the descriptors it starts with (the standard streams
// and a preopen: dropping rights, setting flags, closing, renumbering,
// listing a directory) and the files it opens, no other sandbox attached
// with the same configuration sees, neither one living beside it nor the
// next tenant of its store state and memory slot; nor another's
// environment, read-ahead stdin or exit code.
func TestPreparedSandboxesSeeOnlyTheirOwn(t *testing.T) {
	for _, kind := range []moat.EngineKind{moat.EngineInterpreter, moat.EngineCompiler} {
		t.Run(kind.String(), func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "x"), []byte("X"), 0o644); err != nil {
				t.Fatal(err)
			}
			var shared bytes.Buffer // the Prepared's stdout, which B and C write
			pp := newPreparedProbes(t, kind, 2, wasi.Config{
				Env:      []string{"ROUTE=1"},
				Stdout:   &shared,
				Preopens: []wasi.Preopen{{Guest: "/", Host: dir}},
			})
			var outA bytes.Buffer
			sa, a := pp.sandbox(&wasi.Sandbox{Env: []string{"SECRET=a"}, Stdout: &outA})
			sb, b := pp.sandbox(nil)

			// A changes every descriptor it started with, and opens a file.
			if e, fd := a.open(preopenFd, "x", 0, 0, rightRead, 0); e != eSuccess || fd != secondOpenFd {
				t.Fatalf("A opens x: %v, fd %d", e, fd)
			}
			expectErrno(t, "A drops fd 2's rights", a.call("fd_fdstat_set_rights", 2, 0, 0), eSuccess)
			expectErrno(t, "A sets fd 3's flags", a.call("fd_fdstat_set_flags", preopenFd, fdAppend), eSuccess)
			if names := a.readdirNames(preopenFd, 0); !contains(names, "x") {
				t.Fatalf("A lists %v", names)
			}
			expectErrno(t, "A renumbers fd 1 over 0", a.call("fd_renumber", 1, 0), eSuccess)
			expectErrno(t, "A writes to fd 0", first(a.write(0, "a")), eSuccess)
			expectErrno(t, "A closes fd 3", a.call("fd_close", preopenFd), eSuccess)
			expectErrno(t, "A's fd 1", first(a.write(1, "a")), eBadf)
			if outA.String() != "a" {
				t.Errorf("A's stdout got %q, want \"a\"", outA.String())
			}
			if err := os.Remove(filepath.Join(dir, "x")); err != nil {
				t.Fatal(err)
			}

			// B, beside it, and C, A's next tenant, see the configuration's.
			check := func(who string, p *probe) {
				t.Helper()
				if e, _, rights := p.fdstat(0); e != eSuccess || rights&rightWrite != 0 || rights&rightRead == 0 {
					t.Errorf("%s's fd 0: %v, rights %#x; want stdin's", who, e, rights)
				}
				if e, _, rights := p.fdstat(2); e != eSuccess || rights&rightWrite == 0 {
					t.Errorf("%s's fd 2: %v, rights %#x; want stderr's", who, e, rights)
				}
				if e, flags, _ := p.fdstat(preopenFd); e != eSuccess || flags != 0 {
					t.Errorf("%s's fd 3: %v, flags %#x; want the preopen, no flags", who, e, flags)
				}
				if e, _ := p.read(secondOpenFd, 1); e != eBadf {
					t.Errorf("%s reads fd 4: %v, want EBADF", who, e)
				}
				// A listed x; the directory no longer has it.
				if names := p.readdirNames(preopenFd, 2); contains(names, "x") {
					t.Errorf("%s lists %v from cookie 2: A's listing", who, names)
				}
				if env := p.environ(); len(env) != 1 || env[0] != "ROUTE=1" {
					t.Errorf("%s's environment %q, want [ROUTE=1]", who, env)
				}
				shared.Reset()
				if e, n := p.write(1, who); e != eSuccess || n != uint32(len(who)) || shared.String() != who {
					t.Errorf("%s writes to fd 1: %v, %d, the configuration's stdout has %q", who, e, n, shared.String())
				}
			}
			check("B", b)
			if env := a.environ(); len(env) != 1 || env[0] != "SECRET=a" {
				t.Errorf("A's environment %q, want [SECRET=a]", env)
			}
			pp.close(sa, a)
			sc, c := pp.sandbox(nil)
			check("C", c)
			if e, fd := c.open(preopenFd, ".", 0, oDirectory, rightRead, 0); e != eSuccess || fd != secondOpenFd {
				t.Errorf("C opens a directory: %v, fd %d; want fd 4", e, fd)
			}
			pp.close(sb, b)
			pp.close(sc, c)

			// Exit codes are each sandbox's own.
			s1, p1 := pp.sandbox(nil)
			_, err := p1.inst.Func("proc_exit").Call(context.Background(), 7)
			var exit *wasi.ExitError
			if !errors.As(err, &exit) || exit.Code != 7 {
				t.Errorf("proc_exit(7): %v", err)
			}
			s2, p2 := pp.sandbox(nil)
			if e, _, _ := p2.fdstat(1); e != eSuccess {
				t.Errorf("the next sandbox's fdstat: %v", e)
			}
			pp.close(s1, p1)
			pp.close(s2, p2)
		})
	}
}

// TestPreparedStdinReadAheadStaysWithItsSandbox: a Prepared's stdin that
// may block is read through a helper goroutine whose state is each
// sandbox's own: what a poll read ahead for one sandbox is gone with it,
// and the next sandbox reads only what comes after.
func TestPreparedStdinReadAheadStaysWithItsSandbox(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	pp := newPreparedProbes(t, moat.EngineAuto, 2, wasi.Config{Stdin: r})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	sa, a := pp.sandbox(nil)
	if _, err := w.WriteString("secret"); err != nil {
		t.Fatal(err)
	}
	if ud, n, err := a.pollCall(ctx, subscription(1, 1, 0, 0, 0)); err != nil || len(ud) != 1 || n != 6 {
		t.Fatalf("A polls stdin: %v, %d bytes, %v", ud, n, err)
	}
	pp.close(sa, a)

	sb, b := pp.sandbox(nil)
	defer pp.close(sb, b)
	if _, err := w.WriteString("next"); err != nil {
		t.Fatal(err)
	}
	if got, err := b.readCall(ctx, 0, 64); err != nil || got != "next" {
		t.Errorf("B reads stdin: %q, %v; want \"next\" (A's read-ahead is A's)", got, err)
	}
}

// TestPreparedConcurrentSandboxes runs sandboxes of one Prepared on many
// goroutines at once, each changing its descriptors: under the race
// detector, any write to the shared configuration is reported.
func TestPreparedConcurrentSandboxes(t *testing.T) {
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
				for range 20 {
					var out bytes.Buffer
					s, p := pp.sandboxOf(t, &wasi.Sandbox{Stdout: &out})
					expectErrno(t, "set fd 3's flags", p.call("fd_fdstat_set_flags", preopenFd, fdAppend), eSuccess)
					p.readdirNames(preopenFd, 0)
					if e, _ := p.open(preopenFd, "f", 0, 0, rightRead, 0); e != eSuccess {
						t.Errorf("open f: %v", e)
					}
					expectErrno(t, "drop fd 2's rights", p.call("fd_fdstat_set_rights", 2, 0, 0), eSuccess)
					expectErrno(t, "renumber fd 3 over 2", p.call("fd_renumber", preopenFd, 2), eSuccess)
					expectErrno(t, "close fd 0", p.call("fd_close", 0), eSuccess)
					if err := errors.Join(p.sys.Close(), s.Close()); err != nil {
						t.Error(err)
					}
				}
			})
		}
	})
	// The preopen is still open, and whole, for the next sandbox.
	s, p := pp.sandbox(nil)
	defer pp.close(s, p)
	if e, _ := p.open(preopenFd, "f", 0, 0, rightRead, 0); e != eSuccess {
		t.Errorf("opening f after the others: %v", e)
	}
	if e, flags, _ := p.fdstat(preopenFd); e != eSuccess || flags != 0 {
		t.Errorf("fd 3 after the others: %v, flags %#x", e, flags)
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func first[A, B any](a A, _ B) A { return a }

// TestPreparedLifetime: a closed Prepared attaches no more sandboxes, a
// nil or zero one none at all (an error, not a crash), and its preopen
// stays open for the sandboxes attached before its Close until they are
// closed.
func TestPreparedLifetime(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "f"), []byte("F"), 0o644); err != nil {
		t.Fatal(err)
	}
	pp := newPreparedProbes(t, moat.EngineAuto, 2, wasi.Config{Preopens: []wasi.Preopen{{Guest: "/", Host: dir}}})
	s, p := pp.sandbox(nil)
	if err := pp.prep.Close(); err != nil {
		t.Fatal(err)
	}
	if e, _ := p.open(preopenFd, "f", 0, 0, rightRead, 0); e != eSuccess {
		t.Errorf("a sandbox attached before Close opens f: %v", e)
	}
	pp.close(s, p)
	store := moat.NewStore(pp.eng)
	defer store.Close()
	if _, err := pp.prep.Attach(store); err == nil {
		t.Error("a closed Prepared attached a store")
	}
	var nilPrep *wasi.Prepared
	if _, err := nilPrep.Attach(store); err == nil {
		t.Error("a nil Prepared attached a store")
	}
	if _, err := new(wasi.Prepared).AttachWith(store, wasi.Sandbox{}); err == nil {
		t.Error("a zero Prepared attached a store")
	}
	if _, err := wasi.Prepare(wasi.Config{Env: []string{"A=\x00"}}); err == nil {
		t.Error("Prepare took an environment entry holding a NUL")
	}
	prep, err := wasi.Prepare(wasi.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer prep.Close()
	if _, err := prep.AttachWith(store, wasi.Sandbox{Args: []string{"a\x00"}}); err == nil {
		t.Error("AttachWith took an argument holding a NUL")
	}
}
