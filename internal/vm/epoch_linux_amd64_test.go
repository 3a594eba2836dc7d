package vm

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/moat-run/moat/internal/abi"
	"github.com/moat-run/moat/internal/testsuite"
)

// waitFor polls cond until it holds, failing the test after limit.
func waitFor(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	end := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(end) {
			t.Fatalf("after %v: %s", limit, what)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestEpochTicker: the epoch advances while a run needs it, the ticker
// sleeps once none has for a while (the epoch then stands still), and the
// next run wakes it.
func TestEpochTicker(t *testing.T) {
	if err := StartEpoch(); err != nil {
		t.Fatal(err)
	}
	epochEnter()
	e := Epoch()
	waitFor(t, 10*time.Second, "the epoch did not advance during a run", func() bool { return Epoch() >= e+3 })
	epochLeave()
	waitFor(t, 10*time.Second, "the ticker did not go to sleep without runs", func() bool { return atomic.LoadUint32(&epochParked) == 1 })
	e = Epoch()
	time.Sleep(20 * time.Millisecond)
	if got := Epoch(); got != e {
		t.Errorf("the epoch advanced from %d to %d with the ticker asleep", e, got)
	}
	epochEnter()
	defer epochLeave()
	waitFor(t, 10*time.Second, "a run did not wake the ticker", func() bool { return Epoch() > e })
}

// epochSnapshot reads the epoch and the ticker's step count together (the
// ticker writes the epoch, then the count).
func epochSnapshot() (epoch, steps uint64) {
	for {
		e := Epoch()
		n := atomic.LoadUint64(&epochSteps)
		if Epoch() == e {
			return e, n
		}
	}
}

// TestEpochTickerCoarseWhileYoung: each wake of the ticker advances the
// epoch by epochCoarseTicks while runs are in progress but none spins
// (none has come back to Go at a poll), and while the spinning runs leave
// a P free and none of them needs every tick (the preemption signal
// reaches their code, and they have no deadline); by one tick while a
// spinning run needs every tick, or the spinning runs crowd the Ps.
func TestEpochTickerCoarseWhileYoung(t *testing.T) {
	if err := StartEpoch(); err != nil {
		t.Fatal(err)
	}
	if n := SpinningGuests(); n != 0 {
		t.Fatalf("%d spinning guests before the test", n)
	}
	procs := int32(runtime.GOMAXPROCS(0))
	if got := atomic.LoadInt32(&epochProcs); got != procs {
		t.Fatalf("the ticker's GOMAXPROCS is %d, want %d", got, procs)
	}
	defer calmAfter(math.MaxUint64)() // no calm stretch: TestEpochTickerCalmSteps
	epochEnter()
	defer epochLeave()
	for _, c := range []struct {
		name       string
		spin       int32 // runs that start to spin
		fine       bool  // they need every tick
		ticksAStep uint64
	}{
		{"no run spinning", 0, false, epochCoarseTicks},
		{"a run spinning with a P free", procs - 1, false, epochCoarseTicks},
		{"a run needing every tick", 1, true, 1},
		{"runs crowding the Ps", procs, false, 1},
	} {
		if c.spin == 0 && c.fine {
			continue
		}
		addSpinning(c.spin, c.fine)
		// From the first step that began after the change.
		_, s := epochSnapshot()
		waitFor(t, 10*time.Second, "the ticker did not step", func() bool { _, n := epochSnapshot(); return n >= s+2 })
		e0, s0 := epochSnapshot()
		waitFor(t, 10*time.Second, "the ticker did not step", func() bool { _, n := epochSnapshot(); return n >= s0+3 })
		e1, s1 := epochSnapshot()
		addSpinning(-c.spin, c.fine)
		if got, want := e1-e0, (s1-s0)*c.ticksAStep; got != want {
			t.Errorf("%s: the epoch advanced %d ticks in %d steps, want %d", c.name, got, s1-s0, want)
		}
	}
}

// calmAfter makes n the ticker's epochCalmAfter and returns what puts the
// last one back.
func calmAfter(n uint64) (restore func()) {
	old := atomic.SwapUint64(&epochCalmAfter, n)
	return func() { atomic.StoreUint64(&epochCalmAfter, old) }
}

// TestEpochTickerCalmSteps: once runs have been in progress without any
// spinning for epochCalmAfter steps, each wake of the ticker advances the
// epoch by epochCalmTicks, and a young run's first slice ends at the calm
// step after the one it began in; a run that starts to spin ends the calm
// stretch (a run needing every tick gets one a step), and after it the
// steps are coarse again until the next calm stretch.
func TestEpochTickerCalmSteps(t *testing.T) {
	if err := StartEpoch(); err != nil {
		t.Fatal(err)
	}
	if n := SpinningGuests(); n != 0 {
		t.Fatalf("%d spinning guests before the test", n)
	}
	defer calmAfter(3)()
	epochEnter()
	defer epochLeave()
	waitFor(t, 10*time.Second, "the ticker did not take calm steps", func() bool {
		return atomic.LoadUint64(&epochStepTicks) == epochCalmTicks
	})
	// From the first step that began after it was calm.
	_, s := epochSnapshot()
	waitFor(t, 10*time.Second, "the ticker did not step", func() bool { _, n := epochSnapshot(); return n >= s+2 })
	e0, s0 := epochSnapshot()
	waitFor(t, 10*time.Second, "the ticker did not step", func() bool { _, n := epochSnapshot(); return n >= s0+3 })
	e1, s1 := epochSnapshot()
	if got, want := e1-e0, (s1-s0)*epochCalmTicks; got != want {
		t.Errorf("calm: the epoch advanced %d ticks in %d steps, want %d", got, s1-s0, want)
	}
	if got, want := firstSliceTicks(), uint64(epochCalmTicks+1); got != want {
		t.Errorf("calm: a young run's first slice is %d ticks, want %d", got, want)
	}

	// A run that needs every tick starts to spin.
	defer calmAfter(math.MaxUint64)() // no calm stretch after it, for the last check
	addSpinning(1, true)
	_, s = epochSnapshot()
	waitFor(t, 10*time.Second, "the ticker did not step", func() bool { _, n := epochSnapshot(); return n >= s+2 })
	e0, s0 = epochSnapshot()
	waitFor(t, 10*time.Second, "the ticker did not step", func() bool { _, n := epochSnapshot(); return n >= s0+3 })
	e1, s1 = epochSnapshot()
	calm := atomic.LoadUint64(&epochCalm)
	addSpinning(-1, true)
	if got, want := e1-e0, s1-s0; got != want {
		t.Errorf("a run spinning: the epoch advanced %d ticks in %d steps, want %d", got, s1-s0, want)
	}
	if calm != 0 {
		t.Errorf("a run spinning: %d calm steps, want 0", calm)
	}
	_, s = epochSnapshot()
	waitFor(t, 10*time.Second, "the ticker did not step", func() bool { _, n := epochSnapshot(); return n >= s+2 })
	e0, s0 = epochSnapshot()
	waitFor(t, 10*time.Second, "the ticker did not step", func() bool { _, n := epochSnapshot(); return n >= s0+3 })
	e1, s1 = epochSnapshot()
	if got, want := e1-e0, (s1-s0)*epochCoarseTicks; got != want {
		t.Errorf("after the spinning run: the epoch advanced %d ticks in %d steps, want %d (coarse)", got, s1-s0, want)
	}
}

// TestEpochTickerBlocksSignals: no signal can be delivered to the ticker
// thread, which has no g and no signal stack: not the Go runtime's
// preemption signal, not a fault signal, not a process-directed one that
// the kernel could otherwise pick that thread for.
func TestEpochTickerBlocksSignals(t *testing.T) {
	if err := StartEpoch(); err != nil {
		t.Fatal(err)
	}
	status, err := os.ReadFile(fmt.Sprintf("/proc/self/task/%d/status", tickerTID))
	if err != nil {
		t.Fatal(err)
	}
	var blocked uint64
	for _, line := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "SigBlk:"); ok {
			if blocked, err = strconv.ParseUint(strings.TrimSpace(v), 16, 64); err != nil {
				t.Fatal(err)
			}
		}
	}
	// Every signal but SIGKILL (9) and SIGSTOP (19), which cannot be blocked.
	want := ^uint64(0) &^ (1<<(9-1) | 1<<(19-1))
	if blocked != want {
		t.Fatalf("ticker thread %d blocks signals %#x, want %#x", tickerTID, blocked, want)
	}
}

// TestEpochTickerScheduling: the ticker thread runs in the scheduling class
// it reports (tickerPriority): SCHED_FIFO where the process may ask for it,
// otherwise the normal class, with the shortest slice where the kernel
// took the request.
func TestEpochTickerScheduling(t *testing.T) {
	if err := StartEpoch(); err != nil {
		t.Fatal(err)
	}
	policy := threadPolicy(t, tickerTID)
	want := schedOther
	if tickerPolicy == tickerFIFO {
		want = schedFIFO
	}
	if policy != want {
		t.Fatalf("ticker thread %d has policy %d, want %d (granted %d)", tickerTID, policy, want, tickerPolicy)
	}
	t.Logf("ticker scheduling: %d (policy %d)", tickerPolicy, policy)
	if tickerPolicy != tickerShortSlice {
		return
	}
	sched, err := os.ReadFile(fmt.Sprintf("/proc/self/task/%d/sched", tickerTID))
	if err != nil {
		t.Logf("no scheduler statistics to check the slice against: %v", err)
		return
	}
	for _, line := range strings.Split(string(sched), "\n") {
		if v, ok := strings.CutPrefix(line, "se.slice"); ok {
			v = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":"))
			if v != strconv.FormatInt(int64(EpochTick), 10) {
				t.Errorf("ticker thread %d has a slice of %s ns, want %d", tickerTID, v, int64(EpochTick))
			}
		}
	}
}

// threadPolicy is the scheduling policy of thread tid of this process.
func threadPolicy(t *testing.T, tid int64) int {
	t.Helper()
	stat, err := os.ReadFile(fmt.Sprintf("/proc/self/task/%d/stat", tid))
	if err != nil {
		t.Fatal(err)
	}
	// The fields after the command's closing parenthesis start at the 3rd;
	// the policy is the 41st.
	fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
	policy, err := strconv.Atoi(fields[41-3])
	if err != nil {
		t.Fatal(err)
	}
	return policy
}

// recordSchedRequests makes the ticker's sched_setattr calls record the
// policies asked for; with grantFIFO, a request for SCHED_FIFO that the
// process may not make succeeds all the same (the thread stays where it
// was), so that the test's verdict does not depend on the process's
// privileges.
func recordSchedRequests(grantFIFO bool) (asked func() []uint32) {
	var mu sync.Mutex
	var policies []uint32
	sys := schedSetattr
	schedSetattr = func(tid int64, attr *schedAttr) error {
		mu.Lock()
		policies = append(policies, attr.policy)
		mu.Unlock()
		err := sys(tid, attr)
		if err != nil && grantFIFO && attr.policy == schedFIFO {
			return nil
		}
		return err
	}
	return func() []uint32 {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(policies)
	}
}

// TestEpochTickerNoRealtime: with DisableRealtimeTicker (the engines'
// Config.DisableRealtimeTicker) before the ticker starts, it never asks
// for SCHED_FIFO, and its thread runs in the normal class. The ticker is
// the process's, so the test runs in a process of its own.
func TestEpochTickerNoRealtime(t *testing.T) {
	if !testsuite.Isolated(t, time.Minute) {
		return
	}
	asked := recordSchedRequests(false)
	DisableRealtimeTicker()
	if err := StartEpoch(); err != nil {
		t.Fatal(err)
	}
	if slices.Contains(asked(), schedFIFO) {
		t.Errorf("the ticker asked for policies %v, SCHED_FIFO (%d) among them", asked(), schedFIFO)
	}
	if len(asked()) == 0 {
		t.Error("the ticker asked for no scheduling at all, want the normal class's short slice")
	}
	if got := threadPolicy(t, tickerTID); got != schedOther || tickerPolicy == tickerFIFO {
		t.Errorf("ticker thread %d has policy %d (granted %d), want %d", tickerTID, got, tickerPolicy, schedOther)
	}
}

// TestEpochTickerLeavesRealtime: a ticker already in the real-time class
// leaves it when an engine opts out afterwards, and later ticks need no
// real-time class (the epoch still advances).
func TestEpochTickerLeavesRealtime(t *testing.T) {
	if !testsuite.Isolated(t, time.Minute) {
		return
	}
	asked := recordSchedRequests(true)
	if err := StartEpoch(); err != nil {
		t.Fatal(err)
	}
	if tickerPolicy != tickerFIFO || !slices.Equal(asked(), []uint32{schedFIFO}) {
		t.Fatalf("the ticker asked for %v and holds %d, want SCHED_FIFO (%d) alone", asked(), tickerPolicy, schedFIFO)
	}
	DisableRealtimeTicker()
	if got := asked()[1:]; len(got) == 0 || slices.Contains(got, schedFIFO) {
		t.Errorf("after the opt-out the ticker asked for %v, want the normal class (%d)", got, schedOther)
	}
	if got := threadPolicy(t, tickerTID); got != schedOther || tickerPolicy == tickerFIFO {
		t.Errorf("ticker thread %d has policy %d (granted %d), want %d", tickerTID, got, tickerPolicy, schedOther)
	}
	epochEnter()
	defer epochLeave()
	e := Epoch()
	waitFor(t, 10*time.Second, "the epoch to advance", func() bool { return Epoch() > e+2 })
}

// TestEpochTickerSkipsLongLag: a schedule far behind the clock (as after
// the process was stopped for an hour) starts again from now within a few
// dozen ticks, rather than the ticker making up every tick back to back
// (36 million of them, holding a CPU in the real-time class).
func TestEpochTickerSkipsLongLag(t *testing.T) {
	if err := StartEpoch(); err != nil {
		t.Fatal(err)
	}
	epochEnter()
	defer epochLeave()
	e := Epoch()
	waitFor(t, 10*time.Second, "the epoch did not advance during a run", func() bool { return Epoch() >= e+3 })
	e = Epoch()
	start := time.Now()
	atomic.AddInt64(&epochNext[0], -3600) // the next tick was due an hour ago
	time.Sleep(50 * time.Millisecond)
	// The ticks due in the time slept, the 64 before the check, and room
	// for a late wake; making up the hour runs at a tick or more per
	// microsecond.
	limit := uint64(time.Since(start)/EpochTick) + 64 + 1000
	if got := Epoch() - e; got > limit {
		t.Fatalf("the epoch advanced %d ticks in %v after the schedule fell an hour behind, want at most %d", got, time.Since(start), limit)
	}
}

// TestNativeEpochSpinCancelled: a guest with epoch polls stops at its
// context's deadline and at a cancellation.
func TestNativeEpochSpinCancelled(t *testing.T) {
	if err := StartEpoch(); err != nil {
		t.Fatal(err)
	}
	g := newRig(t, 0)
	entry := mapProgram(t, progSpinEpoch)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	err := g.run(&Runner{EpochPolls: true}, ctx, entry, nil)
	wantTrap(t, err, abi.TrapInterrupted)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("trap does not wrap the context's error: %v", err)
	}

	ctx, cancel = context.WithCancel(context.Background())
	time.AfterFunc(20*time.Millisecond, cancel)
	err = g.run(&Runner{EpochPolls: true}, ctx, entry, nil)
	wantTrap(t, err, abi.TrapInterrupted)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("trap does not wrap the context's error: %v", err)
	}
}

// TestNativeEpochSpinYields: on one P, a guest with epoch polls that
// spins forever lets garbage collections and sleeping goroutines run (the
// time slice, by the epoch), and stops when cancelled. In a child
// process, as a guest that ignored the runtime would hang the process.
func TestNativeEpochSpinYields(t *testing.T) {
	if !testsuite.Isolated(t, 2*time.Minute) {
		return
	}
	if err := StartEpoch(); err != nil {
		t.Fatal(err)
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	g := newRig(t, 0)
	entry := mapProgram(t, progSpinEpoch)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- g.run(&Runner{EpochPolls: true}, ctx, entry, nil) }()
	time.Sleep(5 * time.Millisecond)
	gcDone := make(chan struct{})
	go func() {
		for range 20 {
			runtime.GC()
			time.Sleep(time.Millisecond)
		}
		close(gcDone)
	}()
	select {
	case <-gcDone:
	case <-time.After(30 * time.Second):
		t.Fatal("runtime.GC and a sleeping goroutine stalled behind the spinning guest")
	}
	select {
	case err := <-done:
		t.Fatalf("guest stopped by itself: %v", err)
	default:
	}
	wantCancelled(t, cancel, done)
}

// TestNativeEpochSeesPreemptSignal: with a time slice that never ends and
// no deadline, only the signal handler's poke on the Go runtime's
// preemption signal (SIGURG at a PC in registered code zeroes the
// context's epoch deadline) lets a stop-the-world past a guest with epoch
// polls: garbage collections complete beside it, and cancellation still
// ends it. A handler that missed the signal would hang the process, so
// the test runs in a child.
func TestNativeEpochSeesPreemptSignal(t *testing.T) {
	if runtime.GOMAXPROCS(0) < 2 {
		t.Skip("needs a second P for the collector while the guest spins")
	}
	if !testsuite.Isolated(t, 2*time.Minute) {
		return
	}
	startSignalledEpoch(t)
	defer func(n uint64) { sliceTicks = n }(sliceTicks)
	sliceTicks = 1 << 62
	g := newRig(t, 0)
	entry := faultProgram(t, progSpinEpoch)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- g.run(&Runner{EpochPolls: true}, ctx, entry, nil) }()
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
		t.Fatal("runtime.GC stalled: the preemption signal did not reach the poll")
	}
	wantCancelled(t, cancel, done)
}

// BenchmarkEpochTick: the real time per epoch tick (EpochTick is 100 µs)
// over 50 ms per iteration, with the machine otherwise idle and with
// GOMAXPROCS goroutines spinning; on a loaded machine, a ticker that slept
// a tick at a time fell behind by each wake's latency.
func BenchmarkEpochTick(b *testing.B) {
	if err := StartEpoch(); err != nil {
		b.Fatal(err)
	}
	measure := func(b *testing.B) {
		epochEnter()
		defer epochLeave()
		time.Sleep(5 * time.Millisecond)
		var ticks uint64
		var total time.Duration
		for b.Loop() {
			e, start := Epoch(), time.Now()
			time.Sleep(50 * time.Millisecond)
			ticks, total = ticks+Epoch()-e, total+time.Since(start)
		}
		b.ReportMetric(float64(total.Nanoseconds())/1e3/float64(max(ticks, 1)), "µs/tick")
	}
	b.Run("idle", measure)
	b.Run("spinning", func(b *testing.B) {
		var stop atomic.Bool
		done := make(chan struct{})
		n := runtime.GOMAXPROCS(0)
		for range n {
			go func() {
				for !stop.Load() {
				}
				done <- struct{}{}
			}()
		}
		defer func() {
			stop.Store(true)
			for range n {
				<-done
			}
		}()
		measure(b)
	})
}

// TestAsyncPreemptOff: GODEBUG's asyncpreemptoff, the last setting of it
// winning, tells whether the runtime's preemption signal reaches guests.
func TestAsyncPreemptOff(t *testing.T) {
	for _, c := range []struct {
		godebug string
		off     bool
	}{
		{"", false},
		{"asyncpreemptoff=1", true},
		{"gctrace=1,asyncpreemptoff=1", true},
		{"asyncpreemptoff=1,asyncpreemptoff=0", false},
		{"asyncpreemptoff=0", false},
		{"xasyncpreemptoff=1", false},
	} {
		if got := asyncPreemptOff(c.godebug); got != c.off {
			t.Errorf("GODEBUG=%q: asyncPreemptOff %v, want %v", c.godebug, got, c.off)
		}
	}
}

// TestNativeEpochCoarseWhileReached: a guest with epoch polls that spins
// alone, with a P free, no deadline and code the preemption signal
// reaches, keeps the ticker in coarse steps (it spins: its run visits Go),
// and still lets collections past it (the signal) and stops when
// cancelled. In a child, as a guest that ignored the runtime would hang
// the process.
func TestNativeEpochCoarseWhileReached(t *testing.T) {
	if runtime.GOMAXPROCS(0) < 2 {
		t.Skip("needs a P free beside the spinning guest")
	}
	if !testsuite.Isolated(t, 2*time.Minute) {
		return
	}
	startSignalledEpoch(t)
	g := newRig(t, 0)
	entry := faultProgram(t, progSpinEpoch)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- g.run(&Runner{EpochPolls: true, SignalReach: PreemptSignals()}, ctx, entry, nil) }()
	waitFor(t, 10*time.Second, "the guest did not start to spin", func() bool { return SpinningGuests() == 1 })
	_, s := epochSnapshot()
	waitFor(t, 10*time.Second, "the ticker did not step", func() bool { _, n := epochSnapshot(); return n >= s+2 })
	e0, s0 := epochSnapshot()
	for range 5 {
		runtime.GC()
	}
	waitFor(t, 10*time.Second, "the ticker did not step", func() bool { _, n := epochSnapshot(); return n >= s0+3 })
	e1, s1 := epochSnapshot()
	if got, want := e1-e0, (s1-s0)*epochCoarseTicks; PreemptSignals() && got != want {
		t.Errorf("the epoch advanced %d ticks in %d steps, want %d", got, s1-s0, want)
	}
	wantCancelled(t, cancel, done)
}

// startSignalledEpoch starts the epoch ticker and the signal handler that
// turns the runtime's preemption signal into a poke of the guest's epoch.
func startSignalledEpoch(t *testing.T) {
	t.Helper()
	if err := StartEpoch(); err != nil {
		t.Fatal(err)
	}
	if err := EnableFaultTraps(); err != nil {
		t.Fatal(err)
	}
}

// wantCancelled cancels a spinning guest's call and wants it to end with
// the interrupted trap.
func wantCancelled(t *testing.T, cancel context.CancelFunc, done <-chan error) {
	t.Helper()
	cancel()
	select {
	case err := <-done:
		wantTrap(t, err, abi.TrapInterrupted)
	case <-time.After(30 * time.Second):
		t.Fatal("the guest ignored cancellation")
	}
}
