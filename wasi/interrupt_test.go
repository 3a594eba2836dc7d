package wasi_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/moat-run/moat"
	"github.com/moat-run/moat/internal/wasip1"
	"github.com/moat-run/moat/wasi"
)

// Blocking WASI calls and the call's context: a guest waiting on stdin, on
// stdout, on poll_oneoff or spinning on sched_yield ends with the
// interrupted trap when the context of the call ends, on every engine; no
// byte is lost and no goroutine is left per call. Each call runs under
// callWithin, so a call that stays blocked fails the test instead of
// hanging it. Nothing here measures latency: BenchmarkInterruptLatency does.

// blockedFor is how long a call may take before the test calls it stuck.
// The calls return within microseconds of their deadline; this is generous
// for slow, shared machines.
const blockedFor = 20 * time.Second

// shortDeadline is the context deadline the blocking calls get.
const shortDeadline = 20 * time.Millisecond

// callWithin runs f and returns its error, failing the test if f has not
// returned after blockedFor.
func callWithin(t *testing.T, what string, f func() error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- f() }()
	return errWithin(t, what, done)
}

// expectInterrupted asserts err is the interrupted trap.
func expectInterrupted(t *testing.T, what string, err error) {
	t.Helper()
	var trap *moat.Trap
	if !errors.As(err, &trap) || trap.Code != moat.TrapInterrupted {
		t.Fatalf("%s: got %v, want the interrupted trap", what, err)
	}
}

// callCtx calls the probe's function name under ctx: its errno, or the
// error that ended the call.
func (p *probe) callCtx(ctx context.Context, name string, args ...uint64) (uint64, error) {
	res, err := p.inst.Func(name).Call(ctx, args...)
	if err != nil {
		return 0, err
	}
	return res[0], nil
}

// readCall is fd_read of up to n bytes from fd into bufPtr under ctx.
func (p *probe) readCall(ctx context.Context, fd, n uint32) (string, error) {
	var iov [8]byte
	binary.LittleEndian.PutUint32(iov[0:], bufPtr)
	binary.LittleEndian.PutUint32(iov[4:], n)
	p.mem.Write(iovPtr, iov[:])
	e, err := p.callCtx(ctx, "fd_read", uint64(fd), iovPtr, 1, outPtr)
	if err != nil {
		return "", err
	}
	if e != 0 {
		return "", errors.New("errno " + eName(e))
	}
	return string(p.bytes(bufPtr, p.u32(outPtr))), nil
}

// writeCall is fd_write of data (up to 120 KiB) to fd under ctx.
func (p *probe) writeCall(ctx context.Context, fd uint32, data string) error {
	const iovAt = 2<<16 - 8 // past any data
	p.put(bufPtr, data)
	var iov [8]byte
	binary.LittleEndian.PutUint32(iov[0:], bufPtr)
	binary.LittleEndian.PutUint32(iov[4:], uint32(len(data)))
	p.mem.Write(iovAt, iov[:])
	e, err := p.callCtx(ctx, "fd_write", uint64(fd), iovAt, 1, outPtr)
	if err == nil && (e != 0 || p.u32(outPtr) != uint32(len(data))) {
		return errors.New("errno " + eName(e))
	}
	return err
}

// pollCall is poll_oneoff over subs under ctx; it returns the userdata of
// each event and the nbytes of the first.
func (p *probe) pollCall(ctx context.Context, subs ...[]byte) (userdata []uint64, nbytes uint64, err error) {
	p.mem.Write(bufPtr, bytes.Join(subs, nil))
	const events = 8192
	e, err := p.callCtx(ctx, "poll_oneoff", bufPtr, events, uint64(len(subs)), outPtr)
	if err != nil {
		return nil, 0, err
	}
	if e != 0 {
		return nil, 0, errors.New("errno " + eName(e))
	}
	for i := uint32(0); i < p.u32(outPtr); i++ {
		userdata = append(userdata, p.u64(events+32*i))
	}
	return userdata, p.u64(events + 16), nil
}

func eName(e uint64) string { return wasip1.Errno(e).Error() }

// deadlineCtx is a context that ends shortDeadline from now.
func deadlineCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), shortDeadline)
	t.Cleanup(cancel)
	return ctx
}

// goroutinesAtMost waits (up to blockedFor) for the goroutine count to
// drop to n, and fails the test if it does not.
func goroutinesAtMost(t *testing.T, what string, n int) {
	t.Helper()
	deadline := time.Now().Add(blockedFor)
	for runtime.NumGoroutine() > n {
		if time.Now().After(deadline) {
			t.Fatalf("%s: %d goroutines, want at most %d", what, runtime.NumGoroutine(), n)
		}
		time.Sleep(time.Millisecond)
	}
}

// pipes are the two kinds of pipe an embedder hands a sandbox: io.Pipe,
// and an *os.File pipe. Each returns the read and write ends.
var pipes = map[string]func(t *testing.T) (io.ReadCloser, io.WriteCloser){
	"io.Pipe": func(*testing.T) (io.ReadCloser, io.WriteCloser) { return io.Pipe() },
	"os.Pipe": func(t *testing.T) (io.ReadCloser, io.WriteCloser) {
		r, w, err := os.Pipe()
		must(t, err)
		t.Cleanup(func() { r.Close(); w.Close() })
		return r, w
	},
}

// forEngines runs f on every engine and pipe kind.
func forEngines(t *testing.T, f func(t *testing.T, kind moat.EngineKind, pipe func(*testing.T) (io.ReadCloser, io.WriteCloser))) {
	for name, kind := range testEngines(t) {
		for pname, pipe := range pipes {
			t.Run(name+"/"+pname, func(t *testing.T) { f(t, kind, pipe) })
		}
	}
}

func TestInterruptStdinRead(t *testing.T) {
	forEngines(t, func(t *testing.T, kind moat.EngineKind, pipe func(*testing.T) (io.ReadCloser, io.WriteCloser)) {
		pr, pw := pipe(t)
		p := newProbeOn(t, kind, wasi.Config{Stdin: pr})
		base := runtime.NumGoroutine()
		for i := 0; i < 20; i++ {
			err := callWithin(t, "fd_read on a silent pipe", func() error {
				_, err := p.readCall(deadlineCtx(t), 0, 64)
				return err
			})
			expectInterrupted(t, "fd_read on a silent pipe", err)
		}
		// one read in flight, however many calls it outlived
		goroutinesAtMost(t, "after 20 interrupted reads", base+1)

		// what arrives now reaches the next fd_read, whole
		go pw.Write([]byte("hello"))
		var got string
		err := callWithin(t, "fd_read after the write", func() (err error) {
			got, err = p.readCall(context.Background(), 0, 64)
			return err
		})
		if err != nil || got != "hello" {
			t.Fatalf("fd_read after an interrupted one: %q, %v; want hello", got, err)
		}
		// the writer closes: end of input, and no goroutine stays
		pw.Close()
		err = callWithin(t, "fd_read at EOF", func() (err error) {
			got, err = p.readCall(context.Background(), 0, 64)
			return err
		})
		if err != nil || got != "" {
			t.Fatalf("fd_read at EOF: %q, %v", got, err)
		}
		goroutinesAtMost(t, "after EOF", base)
	})
}

// TestInterruptStdinNoDataLost reads a stream the writer feeds in small
// pieces while the reader's calls keep getting interrupted: the bytes that
// come out are exactly the bytes that went in, in order.
func TestInterruptStdinNoDataLost(t *testing.T) {
	pr, pw := io.Pipe()
	p := newProbe(t, wasi.Config{Stdin: pr})
	var want strings.Builder
	for i := range 200 {
		want.WriteString(strings.Repeat(string(rune('a'+i%26)), 1+i%7))
	}
	go func() {
		s := want.String()
		for len(s) > 0 {
			n := min(len(s), 5)
			pw.Write([]byte(s[:n]))
			s = s[n:]
			time.Sleep(50 * time.Microsecond)
		}
		pw.Close()
	}()
	var got strings.Builder
	interrupted := 0
	for i := 0; ; i++ {
		// alternately a context that is already ending and a patient one
		ctx, cancel := context.WithTimeout(context.Background(), time.Duration(i%3)*30*time.Microsecond)
		if i%4 == 3 {
			ctx, cancel = context.WithTimeout(context.Background(), blockedFor)
		}
		var s string
		err := callWithin(t, "fd_read", func() (err error) {
			s, err = p.readCall(ctx, 0, 3)
			return err
		})
		cancel()
		if err != nil {
			expectInterrupted(t, "fd_read", err)
			interrupted++
			continue
		}
		if s == "" {
			break // EOF
		}
		got.WriteString(s)
	}
	if got.String() != want.String() {
		t.Fatalf("read %d bytes %q\nwant %d bytes %q", got.Len(), got.String(), want.Len(), want.String())
	}
	t.Logf("%d bytes through %d interrupted calls", got.Len(), interrupted)
}

func TestInterruptPollClock(t *testing.T) {
	for name, kind := range testEngines(t) {
		t.Run(name, func(t *testing.T) {
			p := newProbeOn(t, kind, wasi.Config{})
			err := callWithin(t, "poll_oneoff on an hour", func() error {
				_, _, err := p.pollCall(deadlineCtx(t), subscription(1, 0, 1, uint64(time.Hour), 0))
				return err
			})
			expectInterrupted(t, "poll_oneoff on an hour", err)
		})
	}
}

func TestInterruptPollStdin(t *testing.T) {
	forEngines(t, func(t *testing.T, kind moat.EngineKind, pipe func(*testing.T) (io.ReadCloser, io.WriteCloser)) {
		pr, pw := pipe(t)
		p := newProbeOn(t, kind, wasi.Config{Stdin: pr})
		stdin := subscription(7, 1, 0, 0, 0)
		err := callWithin(t, "poll_oneoff on a silent stdin", func() error {
			_, _, err := p.pollCall(deadlineCtx(t), stdin)
			return err
		})
		expectInterrupted(t, "poll_oneoff on a silent stdin", err)
		// with a clock beside it, the clock fires
		var ud []uint64
		err = callWithin(t, "poll_oneoff on stdin and a clock", func() (err error) {
			ud, _, err = p.pollCall(context.Background(), stdin, subscription(8, 0, 1, uint64(time.Millisecond), 0))
			return err
		})
		if err != nil || len(ud) != 1 || ud[0] != 8 {
			t.Fatalf("poll_oneoff on stdin and a clock: events %v, %v; want the clock (8)", ud, err)
		}
		// input arrives: stdin is ready with its byte count, then read whole
		go pw.Write([]byte("hello"))
		var nbytes uint64
		err = callWithin(t, "poll_oneoff on stdin with input", func() (err error) {
			ud, nbytes, err = p.pollCall(context.Background(), stdin)
			return err
		})
		if err != nil || len(ud) != 1 || ud[0] != 7 || nbytes != 5 {
			t.Fatalf("poll_oneoff with input: events %v nbytes %d, %v; want stdin (7) with 5 bytes", ud, nbytes, err)
		}
		if got, err := p.readCall(context.Background(), 0, 64); err != nil || got != "hello" {
			t.Fatalf("fd_read after poll: %q, %v", got, err)
		}
	})
}

func TestInterruptPollStdout(t *testing.T) {
	for name, kind := range testEngines(t) {
		t.Run(name, func(t *testing.T) {
			pr, pw := io.Pipe()
			p := newProbeOn(t, kind, wasi.Config{Stdout: pw})
			err := callWithin(t, "fd_write to an unread pipe", func() error { return p.writeCall(deadlineCtx(t), 1, "stuck") })
			expectInterrupted(t, "fd_write to an unread pipe", err)
			// stdout is not writable while that write is in flight
			err = callWithin(t, "poll_oneoff on a blocked stdout", func() error {
				_, _, err := p.pollCall(deadlineCtx(t), subscription(3, 2, 1, 0, 0))
				return err
			})
			expectInterrupted(t, "poll_oneoff on a blocked stdout", err)
			// once read, it is
			go io.ReadAll(pr)
			var ud []uint64
			err = callWithin(t, "poll_oneoff on a drained stdout", func() (err error) {
				ud, _, err = p.pollCall(context.Background(), subscription(3, 2, 1, 0, 0))
				return err
			})
			if err != nil || len(ud) != 1 || ud[0] != 3 {
				t.Fatalf("poll_oneoff on a drained stdout: %v, %v", ud, err)
			}
		})
	}
}

// yieldLoopWat calls sched_yield forever.
const yieldLoopWat = `(module
  (import "wasi_snapshot_preview1" "sched_yield" (func $yield (result i32)))
  (memory (export "memory") 1)
  (func (export "_start") (loop (drop (call $yield)) (br 0))))`

func TestInterruptSchedYieldLoop(t *testing.T) {
	for name, kind := range testEngines(t) {
		t.Run(name, func(t *testing.T) {
			eng, err := moat.NewEngine(moat.Config{Engine: kind})
			must(t, err)
			mod, err := eng.CompileText([]byte(yieldLoopWat))
			must(t, err)
			l := moat.NewLinker(eng)
			must(t, wasi.DefineImports(l))
			store := moat.NewStore(eng)
			sys, err := wasi.Attach(store, wasi.Config{})
			must(t, err)
			defer sys.Close()
			inst, err := l.Instantiate(context.Background(), store, mod)
			must(t, err)
			err = callWithin(t, "a sched_yield loop", func() error {
				_, err := wasi.Run(deadlineCtx(t), inst)
				return err
			})
			expectInterrupted(t, "a sched_yield loop", err)
		})
	}
}

// TestInterruptSchedYieldHost: sched_yield itself refuses to return once
// the context has ended (the engine's own poll is not what ends the loop).
func TestInterruptSchedYieldHost(t *testing.T) {
	const wat = `(module
	  (import "wasi_snapshot_preview1" "sched_yield" (func $yield (result i32)))
	  (import "env" "cancel" (func $cancel))
	  (func (export "run") (result i32) (call $cancel) (call $yield)))`
	for name, kind := range testEngines(t) {
		t.Run(name, func(t *testing.T) {
			eng, err := moat.NewEngine(moat.Config{Engine: kind})
			must(t, err)
			mod, err := eng.CompileText([]byte(wat))
			must(t, err)
			l := moat.NewLinker(eng)
			must(t, wasi.DefineImports(l))
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			must(t, l.DefineFunc("env", "cancel", func() { cancel() }))
			store := moat.NewStore(eng)
			sys, err := wasi.Attach(store, wasi.Config{})
			must(t, err)
			defer sys.Close()
			inst, err := l.Instantiate(context.Background(), store, mod)
			must(t, err)
			_, err = inst.Func("run").Call(ctx)
			expectInterrupted(t, "sched_yield after cancel", err)
		})
	}
}
