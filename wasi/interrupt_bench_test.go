package wasi_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/moat-run/moat"
	"github.com/moat-run/moat/wasi"
)

// BenchmarkInterruptLatency measures how soon a blocked WASI call returns
// with the interrupted trap once its context ends, for a call that would
// otherwise block for good. Two ways to end it, each with mean and max:
//
//   - deadline: a deadline 300 µs ahead; the time from the deadline to the
//     call's return. This includes the Go runtime's own timer latency, which
//     the "baseline" case measures alone (a goroutine waiting on the same
//     kind of context).
//
//   - cancel: cancel() 200 µs after the call began; the time from cancel()
//     to the call's return.
//
//     go test -run '^$' -bench InterruptLatency -benchtime 2000x ./wasi
func BenchmarkInterruptLatency(b *testing.B) {
	cases := []struct {
		name string
		cfg  func() wasi.Config
		call func(p *probe, ctx context.Context) error
	}{
		{"baseline", func() wasi.Config { return wasi.Config{} },
			func(_ *probe, ctx context.Context) error {
				<-ctx.Done()
				return moat.NewTrap(moat.TrapInterrupted, "")
			}},
		{"fd_read", func() wasi.Config { r, _ := io.Pipe(); return wasi.Config{Stdin: r} },
			func(p *probe, ctx context.Context) error { _, err := p.readCall(ctx, 0, 64); return err }},
		{"fd_write", func() wasi.Config { _, w := io.Pipe(); return wasi.Config{Stdout: w} },
			func(p *probe, ctx context.Context) error { return p.writeCall(ctx, 1, "blocked") }},
		{"poll_oneoff_clock", func() wasi.Config { return wasi.Config{} },
			func(p *probe, ctx context.Context) error {
				_, _, err := p.pollCall(ctx, subscription(1, 0, 1, uint64(time.Hour), 0))
				return err
			}},
		{"poll_oneoff_stdin", func() wasi.Config { r, _ := io.Pipe(); return wasi.Config{Stdin: r} },
			func(p *probe, ctx context.Context) error {
				_, _, err := p.pollCall(ctx, subscription(1, 1, 0, 0, 0))
				return err
			}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			p := newProbe(b, c.cfg())
			latencies(b, func(ctx context.Context) error { return c.call(p, ctx) })
		})
	}
	b.Run("sched_yield_loop", func(b *testing.B) {
		eng, err := moat.NewEngine(moat.Config{})
		if err != nil {
			b.Fatal(err)
		}
		mod, err := eng.CompileText([]byte(yieldLoopWat))
		if err != nil {
			b.Fatal(err)
		}
		l := moat.NewLinker(eng)
		if err := wasi.DefineImports(l); err != nil {
			b.Fatal(err)
		}
		store := moat.NewStore(eng)
		sys, err := wasi.Attach(store, wasi.Config{})
		if err != nil {
			b.Fatal(err)
		}
		defer sys.Close()
		inst, err := l.Instantiate(context.Background(), store, mod)
		if err != nil {
			b.Fatal(err)
		}
		latencies(b, func(ctx context.Context) error { _, err := wasi.Run(ctx, inst); return err })
	})
}

// latencies runs the deadline and cancel measurements of call.
func latencies(b *testing.B, call func(ctx context.Context) error) {
	b.Run("deadline", func(b *testing.B) {
		latency(b, func() time.Duration {
			deadline := time.Now().Add(300 * time.Microsecond)
			ctx, cancel := context.WithDeadline(context.Background(), deadline)
			defer cancel()
			mustInterrupt(b, call(ctx))
			return time.Since(deadline)
		})
	})
	b.Run("cancel", func(b *testing.B) {
		latency(b, func() time.Duration {
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan time.Time, 1)
			go func() {
				mustInterrupt(b, call(ctx))
				done <- time.Now()
			}()
			time.Sleep(200 * time.Microsecond) // let it block
			start := time.Now()
			cancel()
			return (<-done).Sub(start)
		})
	})
}

func mustInterrupt(b *testing.B, err error) {
	var trap *moat.Trap
	if !errors.As(err, &trap) || trap.Code != moat.TrapInterrupted {
		panic(fmt.Sprintf("got %v, want the interrupted trap", err))
	}
}

// latency runs one measurement per iteration and reports their mean and
// max.
func latency(b *testing.B, measure func() time.Duration) {
	var worst, total time.Duration
	n := 0
	for b.Loop() {
		d := measure()
		worst, total, n = max(worst, d), total+d, n+1
	}
	b.ReportMetric(float64(total.Nanoseconds())/float64(n)/1e3, "mean-µs")
	b.ReportMetric(float64(worst.Nanoseconds())/1e3, "max-µs")
}

// opaqueWriter hides io.Discard's type, so fd_write treats it as a writer
// that may block (stream.go) rather than one it can call directly.
type opaqueWriter struct{ io.Writer }

// opaqueReader is an endless reader of 'x' that fd_read treats as one that
// may block.
type opaqueReader struct{}

func (opaqueReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'x'
	}
	return len(p), nil
}

// BenchmarkStdio is the cost of the helper goroutine a stream that may
// block goes through, against the direct path: fd_write and fd_read of 64
// bytes.
func BenchmarkStdio(b *testing.B) {
	for _, c := range []struct {
		name string
		cfg  wasi.Config
		call func(p *probe) error
	}{
		{"fd_write/direct", wasi.Config{Stdout: io.Discard}, func(p *probe) error { return p.writeCall(context.Background(), 1, line) }},
		{"fd_write/stream", wasi.Config{Stdout: opaqueWriter{io.Discard}}, func(p *probe) error { return p.writeCall(context.Background(), 1, line) }},
		{"fd_read/direct", wasi.Config{Stdin: strings.NewReader(strings.Repeat("x", 1<<30))}, readLine},
		{"fd_read/stream", wasi.Config{Stdin: opaqueReader{}}, readLine},
	} {
		b.Run(c.name, func(b *testing.B) {
			p := newProbe(b, c.cfg)
			for b.Loop() {
				if err := c.call(p); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

var line = strings.Repeat("y", 63) + "\n"

func readLine(p *probe) error {
	s, err := p.readCall(context.Background(), 0, 64)
	if err == nil && len(s) != 64 {
		err = fmt.Errorf("read %d bytes", len(s))
	}
	return err
}
