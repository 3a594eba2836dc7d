package wasi_test

import (
	"context"
	"io"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/moat-run/moat"
	"github.com/moat-run/moat/wasi"
)

// fd_write on a stdout that may block, interrupted by the call's context.
// Go cannot cut a Write short, so an interrupted call leaves its transfer
// (one 64 KiB chunk at most) in flight and ends with the interrupted trap;
// the next fd_write waits for that transfer, then writes its own bytes.
// What comes out is therefore: the interrupted call's whole chunks up to
// and including the one in flight, then the later calls' bytes, in order.
// Whether a later call that is itself interrupted gets to start its own
// transfer depends on whether the one in flight finishes within its
// context: these tests fix each case with the writer's state, never with
// a clock, since the order of a deadline and a scheduled goroutine is
// anyone's guess on a loaded machine.

// chunk is the stream's largest transfer (wasip1's maxChunk).
const chunk = 64 << 10

// enteredWriter is w with a signal: entered receives a value each time a
// Write starts, so that a test ends a call's context only once its
// transfer is in flight.
type enteredWriter struct {
	io.Writer
	entered chan struct{}
}

func (w *enteredWriter) Write(p []byte) (int, error) {
	select {
	case w.entered <- struct{}{}:
	default: // one signal pending is enough
	}
	return w.Writer.Write(p)
}

// readUntil reads r on a goroutine until what it read ends with suffix,
// and sends it all.
func readUntil(r io.Reader, suffix string) <-chan string {
	got := make(chan string, 1)
	go func() {
		var acc []byte
		b := make([]byte, 4096)
		for !strings.HasSuffix(string(acc), suffix) {
			n, err := r.Read(b)
			acc = append(acc, b[:n]...)
			if err != nil {
				break
			}
		}
		got <- string(acc)
	}()
	return got
}

// TestInterruptStdoutWrite: a write to a full pipe nobody reads ends with
// the interrupted trap, with its first chunk in flight; a write behind it
// ends the same way without starting its own transfer (the one ahead
// never finishes); once a reader arrives, the chunk in flight comes out
// whole and then the next write's bytes, nothing lost, doubled or
// reordered, and no goroutine stays.
func TestInterruptStdoutWrite(t *testing.T) {
	forEngines(t, func(t *testing.T, kind moat.EngineKind, pipe func(*testing.T) (io.ReadCloser, io.WriteCloser)) {
		pr, pw := pipe(t)
		filled := fillPipe(t, pw)
		w := &enteredWriter{Writer: pw, entered: make(chan struct{}, 1)}
		p := newProbeOn(t, kind, wasi.Config{Stdout: w})
		base := runtime.NumGoroutine()

		first := strings.Repeat("1", chunk+chunk/2)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		go func() { <-w.entered; cancel() }()
		err := callWithin(t, "fd_write to a full pipe", func() error { return p.writeCall(ctx, 1, first) })
		expectInterrupted(t, "fd_write to a full pipe", err)

		// its context may end before or during the wait: either way the
		// chunk ahead is still stuck, so it never starts a transfer
		err = callWithin(t, "fd_write behind an interrupted one", func() error { return p.writeCall(deadlineCtx(t), 1, "2") })
		expectInterrupted(t, "fd_write behind an interrupted one", err)
		select {
		case <-w.entered:
			t.Fatal("fd_write behind an interrupted one started a transfer while the one ahead was stuck")
		default:
		}
		goroutinesAtMost(t, "after 2 interrupted writes", base+1)

		got := readUntil(pr, "second")
		err = callWithin(t, "fd_write with a reader", func() error { return p.writeCall(context.Background(), 1, "second") })
		if err != nil {
			t.Fatalf("fd_write with a reader: %v", err)
		}
		var s string
		select {
		case s = <-got:
		case <-time.After(blockedFor):
			t.Fatalf("the reader did not see the last write after %v", blockedFor)
		}
		want := string(filled) + first[:chunk] + "second"
		if s != want {
			t.Errorf("reader got %s; want %s", describeOnes(s, len(filled)), describeOnes(want, len(filled)))
		}
		goroutinesAtMost(t, "after the writes completed", base)
	})
}

// TestInterruptStdoutUnreadPipe: an embedder's pipe as it is (not
// wrapped, so that an *os.File pipe is known to block) makes a write
// nobody reads end with the interrupted trap, whenever the context ends;
// closing the reader ends the transfer left in flight.
func TestInterruptStdoutUnreadPipe(t *testing.T) {
	forEngines(t, func(t *testing.T, kind moat.EngineKind, pipe func(*testing.T) (io.ReadCloser, io.WriteCloser)) {
		pr, pw := pipe(t)
		p := newProbeOn(t, kind, wasi.Config{Stdout: pw})
		base := runtime.NumGoroutine()
		err := callWithin(t, "fd_write to an unread pipe", func() error { return p.writeCall(deadlineCtx(t), 1, strings.Repeat("1", chunk+chunk/2)) })
		expectInterrupted(t, "fd_write to an unread pipe", err)
		goroutinesAtMost(t, "after an interrupted write", base+1)
		pr.Close()
		goroutinesAtMost(t, "after the reader closed", base)
	})
}

// gateWriter is a stdout whose Writes wait for the test: each announces
// its bytes on entered, then writes them when release receives. It
// counts Writes that began while another was in progress: a stream must
// never have two (their bytes could interleave).
type gateWriter struct {
	entered  chan string
	release  chan struct{}
	mu       sync.Mutex
	out      strings.Builder
	active   int
	overlaps int
}

func newGateWriter() *gateWriter {
	return &gateWriter{entered: make(chan string), release: make(chan struct{})}
}

func (g *gateWriter) Write(p []byte) (int, error) {
	g.mu.Lock()
	g.active++
	if g.active > 1 {
		g.overlaps++
	}
	g.mu.Unlock()
	g.entered <- string(p)
	<-g.release
	g.mu.Lock()
	defer g.mu.Unlock()
	g.active--
	return g.out.Write(p)
}

// written is what the Writes have written so far, and how many of them
// overlapped another.
func (g *gateWriter) written() (string, int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.out.String(), g.overlaps
}

// expectEntered waits for the gate's next Write and checks its bytes.
func (g *gateWriter) expectEntered(t *testing.T, what, want string) {
	t.Helper()
	select {
	case got := <-g.entered:
		if got != want {
			t.Fatalf("%s: a Write of %s, want %s", what, describeOnes(got, 0), describeOnes(want, 0))
		}
	case <-time.After(blockedFor):
		t.Fatalf("%s: no Write after %v", what, blockedFor)
	}
}

// callAsync starts f on a goroutine; its error arrives on the channel.
func callAsync(f func() error) <-chan error {
	done := make(chan error, 1)
	go func() { done <- f() }()
	return done
}

// errWithin is the error from done, failing the test after blockedFor.
func errWithin(t *testing.T, what string, done <-chan error) error {
	t.Helper()
	select {
	case err := <-done:
		return err
	case <-time.After(blockedFor):
		t.Fatalf("%s: still blocked after %v", what, blockedFor)
		return nil
	}
}

// TestInterruptStdoutWriteInFlightFinishes is what a loaded machine makes
// of TestInterruptStdoutWrite's first two calls when the first call's
// context ends before its first chunk has reached the pipe: that chunk
// finishes during the second call, which then starts its own transfer, is
// interrupted in turn and leaves it in flight. Its bytes come out after
// the first chunk and before the next call's: the order of the calls,
// though neither interrupted call reported a count.
func TestInterruptStdoutWriteInFlightFinishes(t *testing.T) {
	for name, kind := range testEngines(t) {
		t.Run(name, func(t *testing.T) {
			g := newGateWriter()
			p := newProbeOn(t, kind, wasi.Config{Stdout: g})
			base := runtime.NumGoroutine()
			first := strings.Repeat("1", chunk+chunk/2)

			ctx1, cancel1 := context.WithCancel(context.Background())
			defer cancel1()
			done := callAsync(func() error { return p.writeCall(ctx1, 1, first) })
			g.expectEntered(t, "the first fd_write", first[:chunk])
			cancel1()
			expectInterrupted(t, "the first fd_write", errWithin(t, "the first fd_write", done))

			ctx2, cancel2 := context.WithCancel(context.Background())
			defer cancel2()
			done = callAsync(func() error { return p.writeCall(ctx2, 1, "2") })
			g.release <- struct{}{} // the first chunk goes out during the second call
			g.expectEntered(t, "the second fd_write", "2")
			cancel2()
			expectInterrupted(t, "the second fd_write", errWithin(t, "the second fd_write", done))
			if got, _ := g.written(); got != first[:chunk] {
				t.Fatalf("after two interrupted writes: %s written, want the first chunk", describeOnes(got, 0))
			}

			done = callAsync(func() error { return p.writeCall(context.Background(), 1, "second") })
			g.release <- struct{}{} // "2", which the third call waits for
			g.expectEntered(t, "the third fd_write", "second")
			g.release <- struct{}{}
			if err := errWithin(t, "the third fd_write", done); err != nil {
				t.Fatalf("the third fd_write: %v", err)
			}
			got, overlaps := g.written()
			if want := first[:chunk] + "2second"; got != want {
				t.Errorf("written: %s; want %s", describeOnes(got, 0), describeOnes(want, 0))
			}
			if overlaps != 0 {
				t.Errorf("%d Writes began while another was in progress", overlaps)
			}
			goroutinesAtMost(t, "after the writes completed", base)
		})
	}
}

// describeOnes describes s for a failure message: the filler it starts
// with, the run of '1's after it and what follows.
func describeOnes(s string, filler int) string {
	if filler > len(s) {
		return "only " + strconv.Itoa(len(s)) + " bytes of the pipe's filler"
	}
	rest := s[filler:]
	ones := len(rest) - len(strings.TrimLeft(rest, "1"))
	tail := rest[ones:]
	if len(tail) > 32 {
		tail = tail[:32] + "..."
	}
	d := strconv.Itoa(ones) + " '1's, then \"" + tail + "\""
	if filler > 0 {
		d = strconv.Itoa(filler) + " bytes of filler, " + d
	}
	return d
}
