package moat_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"runtime/trace"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/moat-run/moat"
	"github.com/moat-run/moat/internal/testsuite"
	"github.com/moat-run/moat/internal/vm"
)

// A spinning guest must never stall the host: runtime.GC() (whose
// stop-the-world waits for every goroutine to reach a safepoint) returns
// about as fast as with no guest running, and cancelling a spinning call's
// context ends it promptly, on both engines, whatever shape the guest's code
// has. The tests assert that it happens (a hang fails by a timeout, never by
// a measured duration); the benchmarks measure how fast.

// spinShape is a guest whose "spin" export never returns.
type spinShape struct {
	name string
	wat  string
}

// spinShapes are the shapes the benchmarks measure: bulk operations of
// 256 MiB (memory.fill, memory.copy) or 4M table elements per iteration.
var spinShapes = makeSpinShapes(256 << 20)

// makeSpinShapes makes the guests with bulk operations of bulk bytes (a
// multiple of 64 KiB; bulk/64 table elements).
func makeSpinShapes(bulk int) []spinShape {
	pages := bulk >> 16
	return []spinShape{
		// A tight loop: a poll and a branch.
		{"loop", `(module (func (export "spin") (loop (br 0))))`},
		// A loop whose body is one huge bulk operation.
		{"fill", fmt.Sprintf(`(module (memory %d)
  (func (export "spin") (loop (memory.fill (i32.const 0) (i32.const 7) (i32.const %d)) (br 0))))`, pages, bulk)},
		{"copy", fmt.Sprintf(`(module (memory %d)
  (func (export "spin") (loop (memory.copy (i32.const 0) (i32.const %d) (i32.const %d)) (br 0))))`, 2*pages, bulk, bulk)},
		// A call tree without a single loop: 2^62 calls.
		{"calls", `(module
  (func $t (param i32)
    (if (local.get 0) (then
      (call $t (i32.sub (local.get 0) (i32.const 1)))
      (call $t (i32.sub (local.get 0) (i32.const 1))))))
  (func (export "spin") (call $t (i32.const 62))))`},
		// Deep recursion whose every frame runs a long straight line
		// after its call returns (dependent loads, which no optimization
		// folds): a chain of 50,000 returns.
		{"returns", fmt.Sprintf(`(module (memory 1)
  (func $r (param i32) (result i32) (local $x i32)
    (if (local.get 0) (then (local.set $x (call $r (i32.sub (local.get 0) (i32.const 1))))))
    %s
    (local.get $x))
  (func (export "spin") (loop (drop (call $r (i32.const 50000))) (br 0))))`,
			strings.Repeat("(local.set $x (i32.load (local.get $x)))", 250))},
		// A loop of table.fill.
		{"table", fmt.Sprintf(`(module (table %d funcref) (func $f) (elem declare func $f)
  (func (export "spin") (loop (table.fill (i32.const 0) (ref.func $f) (i32.const %d)) (br 0))))`, bulk/64, bulk/64)},
	}
}

// The tests use bulk operations of 32 MiB: still 128 chunks each.

// makeSpinShapes3 makes the guests of WebAssembly 3.0: loops of array.fill and array.copy over an array of
// bulk bytes (elements), a tail call to itself forever, and a loop that
// never branches back but catches its own exception into its header.
func makeSpinShapes3(bulk int) []spinShape {
	return []spinShape{
		{"array.fill", fmt.Sprintf(`(module (type $a (array (mut i8)))
  (func (export "spin") (local $x (ref null $a))
    (local.set $x (array.new_default $a (i32.const %d)))
    (loop (array.fill $a (local.get $x) (i32.const 0) (i32.const 7) (i32.const %[1]d)) (br 0))))`, bulk)},
		{"array.copy", fmt.Sprintf(`(module (type $a (array (mut i8)))
  (func (export "spin") (local $x (ref null $a))
    (local.set $x (array.new_default $a (i32.const %d)))
    (loop (array.copy $a $a (local.get $x) (i32.const %d) (local.get $x) (i32.const 0) (i32.const %[2]d)) (br 0))))`, 2*bulk, bulk)},
		{"return_call", `(module (func $f (export "spin") (return_call $f)))`},
		{"catch", `(module (tag $t)
  (func (export "spin") (loop $l (try_table (catch $t $l) (throw $t)))))`},
	}
}

// allSpinShapes are the shapes both engines run (both run WebAssembly
// 3.0), with bulk operations of bulk bytes.
func allSpinShapes(bulk int) []spinShape {
	return append(makeSpinShapes(bulk), makeSpinShapes3(bulk)...)
}

// spinEngines are the engines under test (the compiler where it exists).
func spinEngines() []moat.EngineKind {
	kinds := []moat.EngineKind{moat.EngineInterpreter}
	if _, err := moat.NewEngine(moat.Config{Engine: moat.EngineCompiler}); err == nil {
		kinds = append(kinds, moat.EngineCompiler)
	}
	return kinds
}

// spinFunc instantiates shape on a new engine of kind and returns "spin".
func spinFunc(tb testing.TB, kind moat.EngineKind, shape spinShape) *moat.Func {
	tb.Helper()
	e, err := moat.NewEngine(moat.Config{Engine: kind})
	if err != nil {
		tb.Fatal(err)
	}
	m, err := e.CompileText([]byte(shape.wat))
	if err != nil {
		tb.Fatal(err)
	}
	inst, err := moat.NewStore(e).Instantiate(context.Background(), m)
	if err != nil {
		tb.Fatal(err)
	}
	return inst.Func("spin")
}

// spinners runs n guests of shape, each in its own store and goroutine,
// until stop is called; stop fails tb unless every guest ended with the
// interrupted trap within a minute.
func spinners(tb testing.TB, kind moat.EngineKind, shape spinShape, n int) (stop func()) {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	errs := make(chan error, n)
	for range n {
		f := spinFunc(tb, kind, shape)
		go func() {
			_, err := f.Call(ctx)
			errs <- err
		}()
	}
	time.Sleep(20 * time.Millisecond) // let them spin
	return func() {
		cancel()
		timeout := time.After(time.Minute)
		for range n {
			select {
			case err := <-errs:
				if !isInterrupted(err) {
					tb.Errorf("%v/%s: got %v, want an interrupted trap", kind, shape.name, err)
				}
			case <-timeout:
				tb.Fatalf("%v/%s: a spinning guest ignored cancellation for a minute", kind, shape.name)
			}
		}
	}
}

func isInterrupted(err error) bool {
	var trap *moat.Trap
	return errors.As(err, &trap) && trap.Code == moat.TrapInterrupted
}

// gcWithin runs runtime.GC() in another goroutine and fails tb if it has
// not returned within limit (it would otherwise hang the test).
func gcWithin(tb testing.TB, limit time.Duration) {
	tb.Helper()
	done := make(chan struct{})
	go func() {
		tracedGC(tb)
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(limit):
		tb.Fatalf("runtime.GC() has not returned after %v", limit)
	}
}

// TestSpinningGuestsYield: with as many spinning guests as GOMAXPROCS, of
// every shape on every engine, garbage collections complete and
// cancellation ends every guest. A guest that never yields would stop the
// collector's stop-the-world, and with it every goroutine of the process
// (the test's timers too), so the test runs in a child process that the
// parent kills after a time limit.
func TestSpinningGuestsYield(t *testing.T) {
	if !testsuite.Isolated(t, 5*time.Minute) {
		return
	}
	for _, kind := range spinEngines() {
		for _, shape := range allSpinShapes(32 << 20) {
			t.Logf("%v/%s: starting", kind, shape.name)
			stop := spinners(t, kind, shape, runtime.GOMAXPROCS(0))
			for range 3 {
				runtime.GC()
			}
			stop()
			t.Logf("%v/%s: done", kind, shape.name)
		}
	}
}

// TestSpinningGuestsParkForGC: with as many spinning guests as GOMAXPROCS,
// of every shape on every engine, the guests park while a collection
// marks (internal/vm's gcpark.go), so that the collector's idle workers get
// the Ps, and once marking is over one of them hands its thread over
// until the sweep is done. In a process of its own, like
// TestSpinningGuestsYield.
func TestSpinningGuestsParkForGC(t *testing.T) {
	if !testsuite.Isolated(t, 5*time.Minute) {
		return
	}
	for _, kind := range spinEngines() {
		for _, shape := range allSpinShapes(32 << 20) {
			stop := spinners(t, kind, shape, runtime.GOMAXPROCS(0))
			parks, handOvers := vm.GCParks(), vm.GCHandOvers()
			// A collection's marking needs a P, which only a guest's
			// yield gives, and a guest that yields while it marks parks;
			// a few collections leave room for a yield that found the
			// watch busy, or a sweep over before a parked guest looked.
			for i := 0; i < 20 && (vm.GCParks() == parks || vm.GCHandOvers() == handOvers); i++ {
				gcWithin(t, time.Minute)
			}
			stop()
			if vm.GCParks() == parks {
				t.Errorf("%v/%s: no guest parked in 20 collections", kind, shape.name)
			}
			if vm.GCHandOvers() == handOvers {
				t.Errorf("%v/%s: no parked guest handed its thread over in 20 collections", kind, shape.name)
			}
		}
	}
}

// TestSpinningGuestsStop: a context's deadline or cancellation ends a
// spinning guest of every shape on every engine with the interrupted
// trap, wrapping the context's error, and the instance then runs normally
// (a poke never outlives the call it stopped) and no longer counts among
// the spinning guests that shorten every guest's time slices.
func TestSpinningGuestsStop(t *testing.T) {
	for _, kind := range spinEngines() {
		for _, shape := range allSpinShapes(32 << 20) {
			name := fmt.Sprintf("%v/%s", kind, shape.name)
			e, err := moat.NewEngine(moat.Config{Engine: kind})
			if err != nil {
				t.Fatal(err)
			}
			m, err := e.CompileText([]byte(strings.Replace(shape.wat, "(module", `(module (func (export "ok") (result i32) (i32.const 42))`, 1)))
			if err != nil {
				t.Fatal(err)
			}
			inst, err := moat.NewStore(e).Instantiate(context.Background(), m)
			if err != nil {
				t.Fatal(err)
			}
			for round := range 3 {
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Millisecond)
				want := context.DeadlineExceeded
				if round == 1 {
					ctx, cancel = context.WithCancel(context.Background())
					time.AfterFunc(5*time.Millisecond, cancel)
					want = context.Canceled
				}
				err := callWithin(t, inst.Func("spin"), ctx, time.Minute)
				cancel()
				if !isInterrupted(err) || !errors.Is(err, want) {
					t.Errorf("%s round %d: got %v, want an interrupted trap wrapping %v", name, round, err, want)
				}
				if res, err := inst.Func("ok").Call(context.Background()); err != nil || res[0] != 42 {
					t.Errorf("%s round %d: the next call got %v, %v", name, round, res, err)
				}
				if n := vm.SpinningGuests(); n != 0 {
					t.Errorf("%s round %d: %d guests still counted as spinning after their calls ended", name, round, n)
				}
			}
		}
	}
}

// callWithin calls f under ctx in another goroutine and fails tb if the
// call has not returned within limit (a guest that ignores its context
// would otherwise hang the test).
func callWithin(tb testing.TB, f *moat.Func, ctx context.Context, limit time.Duration) error {
	tb.Helper()
	done := make(chan error, 1)
	go func() {
		_, err := f.Call(ctx)
		done <- err
	}()
	select {
	case err := <-done:
		return err
	case <-time.After(limit):
		tb.Fatalf("the call has ignored its context for %v", limit)
		return nil
	}
}

// tracedGC runs runtime.GC() as a region "runtime.GC" of a task named
// after tb, so that a trace of the benchmarks (go test -trace) can be split
// into each collection's phases (bench/cmd/gcphases).
func tracedGC(tb testing.TB) {
	ctx, task := trace.NewTask(context.Background(), tb.Name())
	trace.WithRegion(ctx, "runtime.GC", runtime.GC)
	task.End()
}

// latencies collects durations and reports their mean and maximum.
type latencies []time.Duration

func (l latencies) report(b *testing.B) {
	if len(l) == 0 {
		return
	}
	sort.Slice(l, func(i, j int) bool { return l[i] < l[j] })
	var total time.Duration
	for _, d := range l {
		total += d
	}
	us := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e3 }
	b.ReportMetric(us(total)/float64(len(l)), "mean-µs")
	b.ReportMetric(us(l[len(l)/2]), "median-µs")
	b.ReportMetric(us(l[len(l)-1]), "max-µs")
}

// spinSink keeps the go-loop baseline's loops from being optimized away.
var spinSink atomic.Int64

// BenchmarkGCSpinning: runtime.GC() while GOMAXPROCS guests spin, per
// engine and shape (BenchmarkGCSpinning/idle is the baseline with none,
// go-loop the one with plain Go goroutines spinning).
func BenchmarkGCSpinning(b *testing.B) {
	b.Run("idle", func(b *testing.B) {
		var l latencies
		for b.Loop() {
			start := time.Now()
			tracedGC(b)
			l = append(l, time.Since(start))
		}
		l.report(b)
	})
	b.Run("go-loop", func(b *testing.B) {
		// The same number of goroutines spinning in plain Go code, which
		// the runtime preempts asynchronously: the interpreter's cost
		// without its time slices.
		var stop atomic.Bool
		var wg sync.WaitGroup
		for range runtime.GOMAXPROCS(0) {
			wg.Go(func() {
				n := 0
				for !stop.Load() {
					n++
				}
				spinSink.Add(int64(n))
			})
		}
		defer func() {
			stop.Store(true)
			wg.Wait()
		}()
		time.Sleep(20 * time.Millisecond)
		var l latencies
		for b.Loop() {
			start := time.Now()
			gcWithin(b, 30*time.Second)
			l = append(l, time.Since(start))
		}
		l.report(b)
	})
	for _, kind := range spinEngines() {
		for _, shape := range allSpinShapes(256 << 20) {
			b.Run(fmt.Sprintf("%v/%s", kind, shape.name), func(b *testing.B) {
				stop := spinners(b, kind, shape, runtime.GOMAXPROCS(0))
				defer stop()
				var l latencies
				for b.Loop() {
					start := time.Now()
					gcWithin(b, 30*time.Second)
					l = append(l, time.Since(start))
				}
				l.report(b)
			})
		}
	}
}

// BenchmarkCancelSpinning: from cancel() to the interrupted trap of one
// of GOMAXPROCS spinning guests, per engine and shape.
func BenchmarkCancelSpinning(b *testing.B) {
	for _, kind := range spinEngines() {
		for _, shape := range allSpinShapes(256 << 20) {
			b.Run(fmt.Sprintf("%v/%s", kind, shape.name), func(b *testing.B) {
				n := runtime.GOMAXPROCS(0)
				stop := spinners(b, kind, shape, n-1)
				defer stop()
				f := spinFunc(b, kind, shape)
				var l latencies
				for b.Loop() {
					l = append(l, cancelLatency(b, f, 2*time.Millisecond))
				}
				l.report(b)
			})
		}
	}
}

// cancelLatency starts f, lets it spin for d, cancels its context and
// returns how long the interrupted trap took to come back.
func cancelLatency(b *testing.B, f *moat.Func, d time.Duration) time.Duration {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan time.Time, 1)
	var err error
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		_, err = f.Call(ctx)
		done <- time.Now()
	}()
	time.Sleep(d)
	start := time.Now()
	cancel()
	var end time.Time
	select {
	case end = <-done:
	case <-time.After(30 * time.Second):
		b.Fatal("cancellation has not ended the call after 30s")
	}
	wg.Wait()
	if !isInterrupted(err) {
		b.Fatalf("got %v, want an interrupted trap", err)
	}
	return end.Sub(start)
}

// BenchmarkDeadlineSpinning: how far past its context's deadline a
// spinning call returns its interrupted trap, per engine (tight loop).
func BenchmarkDeadlineSpinning(b *testing.B) {
	for _, kind := range spinEngines() {
		b.Run(kind.String(), func(b *testing.B) {
			f := spinFunc(b, kind, spinShapes[0])
			var l latencies
			for b.Loop() {
				deadline := time.Now().Add(2 * time.Millisecond)
				ctx, cancel := context.WithDeadline(context.Background(), deadline)
				_, err := f.Call(ctx)
				over := time.Since(deadline)
				cancel()
				if !isInterrupted(err) {
					b.Fatalf("got %v, want an interrupted trap", err)
				}
				l = append(l, over)
			}
			l.report(b)
		})
	}
}

// BenchmarkSpinningThroughput: what yielding costs the guests. GOMAXPROCS
// guests (crowded: the shortest time slices) each count to n in a loop,
// per engine; it reports the CPU time of the process (every thread) and
// the wall time per iteration of one guest.
func BenchmarkSpinningThroughput(b *testing.B) {
	for _, kind := range spinEngines() {
		b.Run(kind.String(), func(b *testing.B) {
			n := int32(1 << 27)
			if kind == moat.EngineInterpreter {
				n = 1 << 23
			}
			wat := fmt.Sprintf(`(module (func (export "count") (local i32)
  (loop (br_if 0 (i32.ne (local.tee 0 (i32.add (local.get 0) (i32.const 1))) (i32.const %d))))))`, n)
			procs := runtime.GOMAXPROCS(0)
			funcs := make([]*moat.Func, procs)
			for i := range funcs {
				funcs[i] = spinFunc(b, kind, spinShape{"count", strings.Replace(wat, `"count"`, `"spin"`, 1)})
			}
			var cpu, wall time.Duration
			for b.Loop() {
				cpu0, start := cpuTime(), time.Now()
				var wg sync.WaitGroup
				for _, f := range funcs {
					wg.Go(func() {
						if _, err := f.Call(context.Background()); err != nil {
							b.Error(err)
						}
					})
				}
				wg.Wait()
				cpu, wall = cpu+cpuTime()-cpu0, wall+time.Since(start)
			}
			iters := float64(b.N) * float64(n)
			b.ReportMetric(float64(cpu.Nanoseconds())/iters/float64(procs), "cpu-ns/iter")
			b.ReportMetric(float64(wall.Nanoseconds())/iters, "wall-ns/iter")
		})
	}
}

// TestDisableRealtimeTicker: an engine made with
// Config.DisableRealtimeTicker keeps the epoch's ticker (the process's)
// out of the real-time class, and its compiled guests still end at their
// deadline, which only the ticker's epoch tells them. The test runs in a
// process of its own, as the setting holds for the rest of the process.
func TestDisableRealtimeTicker(t *testing.T) {
	if !testsuite.Isolated(t, 5*time.Minute) {
		return
	}
	e, err := moat.NewEngine(moat.Config{Engine: moat.EngineCompiler, DisableRealtimeTicker: true})
	if errors.Is(err, moat.ErrCompilerUnavailable) {
		t.Skipf("no compiler on this platform: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	if !e.Config().DisableRealtimeTicker {
		t.Error("the engine's Config does not report DisableRealtimeTicker")
	}
	m, err := e.CompileText([]byte(spinShapes[0].wat))
	if err != nil {
		t.Fatal(err)
	}
	inst, err := moat.NewStore(e).Instantiate(context.Background(), m)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Millisecond)
	defer cancel()
	if err := callWithin(t, inst.Func("spin"), ctx, time.Minute); !isInterrupted(err) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("got %v, want an interrupted trap wrapping the deadline", err)
	}
	if vm.RealtimeTicker() {
		t.Error("the epoch's ticker runs in the real-time class")
	}
}
