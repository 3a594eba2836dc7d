package vm

import (
	"bytes"
	"context"
	"errors"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/moat-run/moat/internal/abi"
	"github.com/moat-run/moat/internal/testsuite"
)

// rig is one goroutine's native execution state.
type rig struct {
	ctx   *Context
	stack *Stack
}

func newRig(t testing.TB, stackSize int) *rig {
	t.Helper()
	st, err := NewStack(stackSize)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return &rig{ctx: NewContext(), stack: st}
}

func mapProgram(t testing.TB, code []byte) uintptr {
	t.Helper()
	c, err := MapCode(code)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c.Addr()
}

func (g *rig) run(r *Runner, ctx context.Context, entry uintptr, vals []uint64) error {
	return r.Run(ctx, g.ctx, g.stack, entry, vals)
}

func wantTrap(t *testing.T, err error, code abi.TrapCode) {
	t.Helper()
	var tr *Trap
	if !errors.As(err, &tr) || tr.Code != code {
		t.Fatalf("got %v, want trap %q", err, code)
	}
}

func TestNativeReturnConstant(t *testing.T) {
	g := newRig(t, 0)
	entry := mapProgram(t, progReturn42)
	vals := []uint64{0}
	for i := 0; i < 3; i++ { // the context and stack are reusable
		vals[0] = 0
		if err := g.run(&Runner{}, context.Background(), entry, vals); err != nil {
			t.Fatal(err)
		}
		if vals[0] != 42 {
			t.Fatalf("got %d, want 42", vals[0])
		}
	}
	if g.stack.next != g.stack.Top() {
		t.Fatal("stack not released after the run")
	}
}

// TestNativeContextG: every entry stores the running goroutine's g in the
// context, so a context used from one goroutine and then another always
// names the one running it.
func TestNativeContextG(t *testing.T) {
	g := newRig(t, 0)
	entry := mapProgram(t, progReturn42)
	for range 3 {
		done := make(chan error)
		go func() {
			err := g.run(&Runner{}, context.Background(), entry, []uint64{0})
			if err == nil && g.ctx.G != getg() {
				err = errors.New("context's G is not the running goroutine's g")
			}
			done <- err
		}()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
}

func TestNativeAddArgs(t *testing.T) {
	g := newRig(t, 0)
	entry := mapProgram(t, progAdd)
	vals := []uint64{40, 2, 99} // odd length: the buffer is padded
	if err := g.run(&Runner{}, context.Background(), entry, vals); err != nil {
		t.Fatal(err)
	}
	if vals[0] != 42 || vals[1] != 2 || vals[2] != 99 {
		t.Fatalf("got %v", vals)
	}
}

func TestNativeSpinCancelled(t *testing.T) {
	g := newRig(t, 0)
	entry := mapProgram(t, progSpin)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := g.run(&Runner{}, ctx, entry, nil)
	wantTrap(t, err, abi.TrapInterrupted)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("trap does not wrap the context's error: %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("interrupt took %v", d)
	}
	// An already cancelled context traps without running.
	wantTrap(t, g.run(&Runner{}, ctx, entry, nil), abi.TrapInterrupted)
}

// TestNativeCancelPoke cancels with a poll interval so large that only the
// poke into the poll counter can stop the loop in time. The collector is
// off meanwhile: with such an interval a stop-the-world would wait for the
// guest for minutes (which is why real intervals are small).
func TestNativeCancelPoke(t *testing.T) {
	if runtime.GOMAXPROCS(0) < 2 {
		t.Skip("needs a second P for the canceller while the guest spins")
	}
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	g := newRig(t, 0)
	entry := mapProgram(t, progSpin)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(20*time.Millisecond, cancel)
	start := time.Now()
	wantTrap(t, g.run(&Runner{PollInterval: 1 << 33}, ctx, entry, nil), abi.TrapInterrupted)
	if d := time.Since(start); d > time.Second {
		t.Errorf("interrupt took %v", d)
	}
}

// TestNativePollSeesPreemption: with a poll counter that never runs out,
// only the poll's look at the goroutine's preemption word (abi.CtxG) can
// let a stop-the-world in: garbage collections complete beside a spinning
// guest, and cancellation still ends it through the counter. A blind poll
// would hang the whole process, so the test runs in a child process.
func TestNativePollSeesPreemption(t *testing.T) {
	if runtime.GOMAXPROCS(0) < 2 {
		t.Skip("needs a second P for the collector while the guest spins")
	}
	if !testsuite.Isolated(t, 2*time.Minute) {
		return
	}
	g := newRig(t, 0)
	entry := mapProgram(t, progSpinPreempt)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- g.run(&Runner{PollInterval: 1 << 60}, ctx, entry, nil) }()
	time.Sleep(5 * time.Millisecond)
	gcDone := make(chan struct{})
	go func() {
		for range 5 {
			runtime.GC()
		}
		close(gcDone)
	}()
	select {
	case <-gcDone:
	case <-time.After(30 * time.Second):
		t.Fatal("runtime.GC stalled: the poll did not see the runtime's preemption request")
	}
	wantCancelled(t, cancel, done)
}

// TestNativeSpinDoesNotStallRuntime runs a guest that loops forever while
// another goroutine runs the garbage collector 20 times and sleeping
// goroutines keep being scheduled, with a single P so that the guest's
// goroutine has to give way.
func TestNativeSpinDoesNotStallRuntime(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	g := newRig(t, 0)
	entry := mapProgram(t, progSpin)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- g.run(&Runner{}, ctx, entry, nil) }()
	time.Sleep(5 * time.Millisecond) // let the guest start spinning

	var ticks atomic.Int64
	stopTicks := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stopTicks:
				return
			default:
				time.Sleep(time.Millisecond)
				ticks.Add(1)
			}
		}
	}()

	start := time.Now()
	gcDone := make(chan struct{})
	go func() {
		for i := 0; i < 20; i++ {
			runtime.GC()
		}
		close(gcDone)
	}()
	select {
	case <-gcDone:
	case <-time.After(20 * time.Second):
		t.Fatal("runtime.GC stalled behind the spinning guest")
	}
	gcTime := time.Since(start)
	time.Sleep(20 * time.Millisecond)
	close(stopTicks)
	wg.Wait()
	if ticks.Load() < 5 {
		t.Errorf("sleeping goroutine ran only %d times", ticks.Load())
	}
	select {
	case err := <-done:
		t.Fatalf("guest stopped by itself: %v", err)
	default:
	}
	cancel()
	wantTrap(t, <-done, abi.TrapInterrupted)
	t.Logf("20 GCs in %v beside a spinning guest; %d sleeper ticks", gcTime, ticks.Load())
}

func TestNativeHostCall(t *testing.T) {
	g := newRig(t, 0)
	entry := mapProgram(t, progHostCall)
	var gotIndex uint32
	r := &Runner{HostCall: func(ctx context.Context, index uint32, stack []uint64) error {
		gotIndex = index
		stack[0] = stack[0] * 10
		return nil
	}}
	vals := []uint64{4}
	if err := g.run(r, context.Background(), entry, vals); err != nil {
		t.Fatal(err)
	}
	if gotIndex != 3 || vals[0] != 41 {
		t.Fatalf("host function %d, result %d; want 3, 41", gotIndex, vals[0])
	}
}

// TestNativeHostReentry has the host function call back into native code
// on the same context and stack, three levels deep.
func TestNativeHostReentry(t *testing.T) {
	g := newRig(t, 0)
	hostEntry := mapProgram(t, progHostCall)
	addEntry := mapProgram(t, progAdd)
	var r *Runner
	depth := 0
	r = &Runner{HostCall: func(ctx context.Context, index uint32, stack []uint64) error {
		depth++
		defer func() { depth-- }()
		if depth < 3 {
			vals := []uint64{stack[0]}
			if err := g.run(r, ctx, hostEntry, vals); err != nil {
				return err
			}
			stack[0] = vals[0]
			return nil
		}
		vals := []uint64{stack[0], 100}
		if err := g.run(r, ctx, addEntry, vals); err != nil {
			return err
		}
		stack[0] = vals[0]
		return nil
	}}
	vals := []uint64{1}
	if err := g.run(r, context.Background(), hostEntry, vals); err != nil {
		t.Fatal(err)
	}
	// 1 → +100 at the bottom, +1 per level on the way out (3 levels).
	if vals[0] != 104 {
		t.Fatalf("got %d, want 104", vals[0])
	}
	if g.stack.next != g.stack.Top() {
		t.Fatal("stack not released after nested runs")
	}
}

func TestNativeHostError(t *testing.T) {
	g := newRig(t, 0)
	entry := mapProgram(t, progHostCall)
	boom := errors.New("boom")
	r := &Runner{HostCall: func(context.Context, uint32, []uint64) error { return boom }}
	err := g.run(r, context.Background(), entry, []uint64{1})
	wantTrap(t, err, abi.TrapHostError)
	if !errors.Is(err, boom) {
		t.Fatalf("cause lost: %v", err)
	}
	own := &Trap{Code: abi.TrapUnreachable}
	r.HostCall = func(context.Context, uint32, []uint64) error { return own }
	if err := g.run(r, context.Background(), entry, []uint64{1}); err != own {
		t.Fatalf("host trap not passed on: %v", err)
	}
}

func TestNativeTrapExit(t *testing.T) {
	g := newRig(t, 0)
	entry := mapProgram(t, progTrap)
	wantTrap(t, g.run(&Runner{}, context.Background(), entry, nil), abi.TrapIntegerDivideByZero)
	var pc uintptr
	r := &Runner{Trap: func(code abi.TrapCode, e *Exit) *Trap {
		pc = e.PC
		return &Trap{Code: code, Frames: []Frame{{Offset: int(e.PC - entry)}}}
	}}
	wantTrap(t, g.run(r, context.Background(), entry, nil), abi.TrapIntegerDivideByZero)
	if pc != entry+0x14 { // just after the call to the exit stub
		t.Fatalf("trap PC at offset %#x, want 0x14", pc-entry)
	}
}

func TestNativeStackOverflow(t *testing.T) {
	g := newRig(t, 64<<10)
	entry := mapProgram(t, progRecurse)
	for i := 0; i < 2; i++ {
		wantTrap(t, g.run(&Runner{}, context.Background(), entry, nil), abi.TrapStackExhausted)
	}
	// The stack still works after an overflow.
	if err := g.run(&Runner{}, context.Background(), mapProgram(t, progReturn42), []uint64{0}); err != nil {
		t.Fatal(err)
	}
}

func TestNativeMemoryGrowExit(t *testing.T) {
	g := newRig(t, 0)
	entry := mapProgram(t, progGrow)
	pages := uint64(1)
	r := &Runner{Exit: func(ctx context.Context, c *Context, e *Exit) error {
		if e.Code != abi.ExitMemoryGrow || e.Index != 0 {
			return errors.New("unexpected exit")
		}
		if pages+e.Args[0] > 4 {
			e.Args[0] = abi.GrowFailed
			return nil
		}
		e.Args[0], pages = pages, pages+e.Args[0]
		c.MemoryLen = pages * 65536
		return nil
	}}
	vals := []uint64{2, 0}
	if err := g.run(r, context.Background(), entry, vals); err != nil {
		t.Fatal(err)
	}
	if vals[0] != 1 || vals[1] != 3*65536 {
		t.Fatalf("got %v", vals)
	}
	vals = []uint64{5, 0}
	if err := g.run(r, context.Background(), entry, vals); err != nil {
		t.Fatal(err)
	}
	if vals[0] != abi.GrowFailed {
		t.Fatalf("got %v", vals)
	}
}

func TestNativeFuel(t *testing.T) {
	g := newRig(t, 0)
	entry := mapProgram(t, progCount)
	r := &Runner{PollInterval: 64}
	var fuel Fuel
	fuel.Enable()
	g.ctx.UseFuel(&fuel)
	fuel.Set(1000)
	if err := g.run(r, context.Background(), entry, []uint64{1000}); err != nil {
		t.Fatalf("1000 polls on 1000 fuel: %v", err)
	}
	if left := fuel.Left(); left != 0 {
		t.Fatalf("fuel left %d, want 0", left)
	}
	fuel.Set(999)
	wantTrap(t, g.run(r, context.Background(), entry, []uint64{1000}), abi.TrapOutOfFuel)
	if left := fuel.Left(); left != 0 {
		t.Fatalf("fuel left %d after running out, want 0", left)
	}
	fuel.Set(5000)
	if err := g.run(r, context.Background(), entry, []uint64{1234}); err != nil {
		t.Fatal(err)
	}
	if left := fuel.Left(); left != 5000-1234 {
		t.Fatalf("fuel left %d, want %d", left, 5000-1234)
	}
	// The pacer's grants (no fixed interval) charge the same.
	fuel.Set(5000)
	if err := g.run(&Runner{}, context.Background(), entry, []uint64{1234}); err != nil {
		t.Fatal(err)
	}
	if left := fuel.Left(); left != 5000-1234 {
		t.Fatalf("paced: fuel left %d, want %d", left, 5000-1234)
	}
	g.ctx.UseFuel(nil)
	vals := []uint64{100000}
	if err := g.run(&Runner{PollInterval: 3}, context.Background(), entry, vals); err != nil || vals[0] != 7 {
		t.Fatalf("unmetered: %v, %v", err, vals)
	}
}

func TestNativeConcurrent(t *testing.T) {
	count := mapProgram(t, progCount)
	add := mapProgram(t, progAdd)
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for i := 0; i < 100; i++ {
		g := newRig(t, 64<<10)
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := &Runner{PollInterval: 100}
			for j := 0; j < 20; j++ {
				vals := []uint64{5000}
				if err := g.run(r, context.Background(), count, vals); err != nil || vals[0] != 7 {
					errs <- err
					return
				}
				vals = []uint64{uint64(i), uint64(j)}
				if err := g.run(r, context.Background(), add, vals); err != nil || vals[0] != uint64(i+j) {
					errs <- errors.New("wrong sum")
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestNativeMalformedExits(t *testing.T) {
	g := newRig(t, 0)
	r := &Runner{HostCall: func(context.Context, uint32, []uint64) error {
		t.Error("host called with a bad buffer")
		return nil
	}}
	if err := g.run(r, context.Background(), mapProgram(t, progBadHostCall), nil); err == nil {
		t.Fatal("bad host-call buffer accepted")
	}
	if err := g.run(r, context.Background(), mapProgram(t, progBadExit), nil); err == nil {
		t.Fatal("unknown exit code accepted")
	}
	if err := g.run(r, context.Background(), mapProgram(t, progGrow), []uint64{1, 0}); err == nil {
		t.Fatal("grow exit without a handler accepted")
	}
	// Too many values for the stack.
	small := newRig(t, 16<<10)
	wantTrap(t, small.run(r, context.Background(), mapProgram(t, progReturn42), make([]uint64, 4096)), abi.TrapStackExhausted)
}

// TestNativeStubsEncoding checks the stub page against GNU as's encoding of
// the listing in native_stubs_linux_amd64.go ({disp32} forms).
func TestNativeStubsEncoding(t *testing.T) {
	want := []byte{
		0x49, 0x8b, 0xaf, 0x88, 0x00, 0x00, 0x00, 0x49, 0x8b, 0xa7, 0x80, 0x00, 0x00, 0x00, 0x41, 0xff,
		0xa7, 0x78, 0x00, 0x00, 0x00, 0x48, 0x8b, 0x04, 0x24, 0x49, 0x89, 0x87, 0x78, 0x00, 0x00, 0x00,
		0x48, 0x8d, 0x44, 0x24, 0x08, 0x49, 0x89, 0x87, 0x80, 0x00, 0x00, 0x00, 0x49, 0x89, 0xaf, 0x88,
		0x00, 0x00, 0x00, 0x49, 0x8b, 0xaf, 0x98, 0x00, 0x00, 0x00, 0x49, 0x8b, 0xa7, 0x90, 0x00, 0x00,
		0x00, 0xc3, 0x41, 0xc7, 0x87, 0x38, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x49, 0x89, 0xa7,
		0x80, 0x00, 0x00, 0x00, 0x49, 0x89, 0xaf, 0x88, 0x00, 0x00, 0x00, 0x49, 0x8b, 0xaf, 0x98, 0x00,
		0x00, 0x00, 0x49, 0x8b, 0xa7, 0x90, 0x00, 0x00, 0x00, 0xc3,
		// The fault stub (with vzeroupper).
		0x41, 0xc7, 0x87, 0x38, 0x00, 0x00, 0x00, 0x07, 0x00, 0x00, 0x00, 0x41,
		0x89, 0x87, 0x3c, 0x00, 0x00, 0x00, 0x49, 0x89, 0x8f, 0x78, 0x00, 0x00,
		0x00, 0x49, 0x89, 0x97, 0x48, 0x00, 0x00, 0x00, 0x49, 0x89, 0xb7, 0x50,
		0x00, 0x00, 0x00, 0x49, 0x89, 0xa7, 0x80, 0x00, 0x00, 0x00, 0x49, 0x89,
		0xaf, 0x88, 0x00, 0x00, 0x00, 0xc5, 0xf8, 0x77, 0x49, 0x8b, 0xaf, 0x98,
		0x00, 0x00, 0x00, 0x49, 0x8b, 0xa7, 0x90, 0x00, 0x00, 0x00, 0xc3,
	}
	got, enter, exit, ret, fault := stubCode(true)
	if !bytes.Equal(got, want) || enter != 0 || exit != 0x15 || ret != 0x42 || fault != 0x6a {
		t.Fatalf("stubs encode as % x (entries %#x %#x %#x %#x)", got, enter, exit, ret, fault)
	}
	// Without AVX, the same less the vzeroupper.
	noAVX, _, _, _, _ := stubCode(false)
	if i := len(want) - 18; !bytes.Equal(noAVX, append(want[:i:i], want[i+3:]...)) {
		t.Fatalf("stubs without AVX encode as % x", noAVX)
	}
}

// TestNativeUnderProfiler exits to Go at every poll while the CPU profiler
// samples: signals land in the stubs, in generated code and in Go.
func TestNativeUnderProfiler(t *testing.T) {
	var prof bytes.Buffer
	if err := pprof.StartCPUProfile(&prof); err != nil {
		t.Skipf("CPU profiler busy: %v", err)
	}
	defer pprof.StopCPUProfile()
	g := newRig(t, 0)
	entry := mapProgram(t, progCount)
	deadline := time.Now().Add(300 * time.Millisecond)
	for time.Now().Before(deadline) {
		vals := []uint64{20000}
		if err := g.run(&Runner{PollInterval: 1}, context.Background(), entry, vals); err != nil || vals[0] != 7 {
			t.Fatal(err, vals)
		}
	}
}

func BenchmarkNativeEnterReturn(b *testing.B) {
	g := newRig(b, 0)
	entry := mapProgram(b, progReturn42)
	r := &Runner{}
	vals := []uint64{0}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if err := r.Run(ctx, g.ctx, g.stack, entry, vals); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkNativeHostCall(b *testing.B) {
	g := newRig(b, 0)
	entry := mapProgram(b, progHostCall)
	r := &Runner{HostCall: func(ctx context.Context, index uint32, stack []uint64) error { return nil }}
	vals := []uint64{0}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if err := r.Run(ctx, g.ctx, g.stack, entry, vals); err != nil {
			b.Fatal(err)
		}
	}
}
