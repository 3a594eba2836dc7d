package wasi_test

import (
	"context"
	"errors"
	"io"
	"os"
	"runtime"
	"testing"

	"github.com/moat-run/moat"
	"github.com/moat-run/moat/internal/wasip1"
	"github.com/moat-run/moat/wasi"
)

// Stdio that bounds its own waits (wasi.ContextReader, wasi.ContextWriter)
// is called directly with the wasm call's context: no helper goroutine,
// the guest's bytes as they are, and the interrupted trap when it fails
// after that context ended.

// callKey marks the context of the wasm call, so that a reader or writer
// can tell it was given that context.
type callKey struct{}

// ctxStdio is a ContextReader and ContextWriter. With block set, each call
// signals entered (when set) and waits for its context to end, then fails
// with its error; otherwise reads return from data and writes append to
// got. Read and Write fail the test: the WASI functions must call the
// context methods.
type ctxStdio struct {
	t          *testing.T
	block      bool
	entered    chan struct{}
	fail       error // returned at once, when set
	data       []byte
	got        []byte
	calls      int
	goroutines int // runtime.NumGoroutine in the last call
	sawCallCtx bool
}

func (s *ctxStdio) ReadContext(ctx context.Context, p []byte) (int, error) {
	if err := s.enter(ctx); err != nil {
		return 0, err
	}
	if len(s.data) == 0 {
		return 0, io.EOF
	}
	n := copy(p, s.data)
	s.data = s.data[n:]
	return n, nil
}

func (s *ctxStdio) WriteContext(ctx context.Context, p []byte) (int, error) {
	if err := s.enter(ctx); err != nil {
		return 0, err
	}
	s.got = append(s.got, p...)
	return len(p), nil
}

func (s *ctxStdio) enter(ctx context.Context) error {
	s.calls++
	s.goroutines = runtime.NumGoroutine()
	s.sawCallCtx = ctx.Value(callKey{}) != nil
	switch {
	case s.fail != nil:
		return s.fail
	case s.block:
		if s.entered != nil {
			s.entered <- struct{}{}
		}
		<-ctx.Done()
		return ctx.Err()
	}
	return nil
}

func (s *ctxStdio) Read([]byte) (int, error) {
	s.t.Error("Read called on a ContextReader")
	return 0, io.EOF
}

func (s *ctxStdio) Write(p []byte) (int, error) {
	s.t.Error("Write called on a ContextWriter")
	return len(p), nil
}

func callCtx(ctx context.Context) context.Context {
	return context.WithValue(ctx, callKey{}, true)
}

// endOnEntry is a call's context (callCtx) that ends once entered
// receives: once the reader or writer is waiting on it. A deadline would
// race the call's start on a loaded machine (the engines refuse to enter a
// call whose context has ended), and the reader would never be called.
func endOnEntry(t *testing.T, entered <-chan struct{}) context.Context {
	ctx, cancel := context.WithCancel(callCtx(context.Background()))
	t.Cleanup(cancel)
	go func() {
		select {
		case <-entered:
			cancel()
		case <-ctx.Done():
		}
	}()
	return ctx
}

func TestContextWriterDirect(t *testing.T) {
	for name, kind := range testEngines(t) {
		t.Run(name, func(t *testing.T) {
			out := &ctxStdio{t: t}
			p := newProbeOn(t, kind, wasi.Config{Stdout: out})
			base := runtime.NumGoroutine()
			if err := p.writeCall(callCtx(context.Background()), 1, "hello, direct"); err != nil {
				t.Fatal(err)
			}
			if string(out.got) != "hello, direct" || out.calls != 1 || !out.sawCallCtx || out.goroutines > base {
				t.Errorf("got %q in %d calls, the call's context: %v, %d goroutines during the call (want at most %d)",
					out.got, out.calls, out.sawCallCtx, out.goroutines, base)
			}
		})
	}
}

func TestContextWriterInterrupted(t *testing.T) {
	for name, kind := range testEngines(t) {
		t.Run(name, func(t *testing.T) {
			out := &ctxStdio{t: t, block: true, entered: make(chan struct{}, 1)}
			p := newProbeOn(t, kind, wasi.Config{Stdout: out})
			ctx := endOnEntry(t, out.entered)
			base := runtime.NumGoroutine() // with endOnEntry's
			err := callWithin(t, "fd_write to a writer that waits", func() error { return p.writeCall(ctx, 1, "stuck") })
			expectInterrupted(t, "fd_write to a writer that waits", err)
			if out.goroutines > base+1 { // callWithin's goroutine runs the call
				t.Errorf("%d goroutines during the call, want at most %d: no helper", out.goroutines, base+1)
			}
			goroutinesAtMost(t, "after the interrupted write", base)
		})
	}
}

// TestContextWriterFails: a writer's own failure, its context alive, is
// an errno (EPIPE for a closed writer), not a trap.
func TestContextWriterFails(t *testing.T) {
	for name, kind := range testEngines(t) {
		t.Run(name, func(t *testing.T) {
			out := &ctxStdio{t: t, fail: os.ErrClosed}
			p := newProbeOn(t, kind, wasi.Config{Stdout: out})
			err := p.writeCall(context.Background(), 1, "x")
			if err == nil || err.Error() != "errno "+wasip1.EPIPE.Error() {
				var trap *moat.Trap
				t.Fatalf("fd_write to a closed writer: %v (trap: %v), want errno EPIPE", err, errors.As(err, &trap))
			}
		})
	}
}

func TestContextReaderDirect(t *testing.T) {
	for name, kind := range testEngines(t) {
		t.Run(name, func(t *testing.T) {
			in := &ctxStdio{t: t, data: []byte("request body")}
			p := newProbeOn(t, kind, wasi.Config{Stdin: in})
			base := runtime.NumGoroutine()
			// always ready for poll_oneoff: fd_read would not use a helper
			ud, _, err := p.pollCall(context.Background(), subscription(7, 1, 0, 0, 0))
			if err != nil || len(ud) != 1 || ud[0] != 7 {
				t.Fatalf("poll_oneoff on stdin: %v, %v", ud, err)
			}
			got, err := p.readCall(callCtx(context.Background()), 0, 7)
			if err != nil || got != "request" {
				t.Fatalf("fd_read: %q, %v", got, err)
			}
			rest, err := p.readCall(callCtx(context.Background()), 0, 64)
			if err != nil || rest != " body" || !in.sawCallCtx {
				t.Fatalf("second fd_read: %q, %v; the call's context: %v", rest, err, in.sawCallCtx)
			}
			if end, err := p.readCall(context.Background(), 0, 64); err != nil || end != "" {
				t.Fatalf("fd_read at the end: %q, %v", end, err)
			}
			if in.calls != 3 || in.goroutines > base {
				t.Errorf("%d calls, %d goroutines during them (want at most %d)", in.calls, in.goroutines, base)
			}
		})
	}
}

func TestContextReaderInterrupted(t *testing.T) {
	for name, kind := range testEngines(t) {
		t.Run(name, func(t *testing.T) {
			in := &ctxStdio{t: t, block: true, entered: make(chan struct{}, 1)}
			p := newProbeOn(t, kind, wasi.Config{Stdin: in})
			ctx := endOnEntry(t, in.entered)
			base := runtime.NumGoroutine() // with endOnEntry's
			err := callWithin(t, "fd_read from a reader that waits", func() error {
				_, err := p.readCall(ctx, 0, 16)
				return err
			})
			expectInterrupted(t, "fd_read from a reader that waits", err)
			if !in.sawCallCtx || in.goroutines > base+1 {
				t.Errorf("the call's context: %v; %d goroutines during the call, want at most %d", in.sawCallCtx, in.goroutines, base+1)
			}
		})
	}
}
