package vm

import (
	"context"
	"runtime"
	"sync/atomic"
	"testing"
	"time"
)

// gcNode makes a heap whose marking takes milliseconds.
type gcNode struct {
	next *gcNode
	_    [2]uintptr
}

// longList is a million linked nodes: a heap whose marking lasts long
// enough for a test to watch it (keep it alive until the collection ends).
func longList() *gcNode {
	var head *gcNode
	for range 1 << 20 {
		head = &gcNode{next: head}
	}
	return head
}

// TestGCMarkingSeen: gcMarking reports a collection's mark phase while it
// runs, as the cycle after the last completed one, and no marking before
// or after.
func TestGCMarkingSeen(t *testing.T) {
	head := longList()
	runtime.GC()
	if marking, _ := gcMarking(); marking {
		t.Fatal("marking reported with no collection running")
	}
	cycle := gcCyclesDone() + 1
	done := make(chan struct{})
	go func() {
		runtime.GC()
		close(done)
	}()
	seen := map[uint64]bool{}
	for running := true; running; {
		select {
		case <-done:
			running = false
		default:
		}
		if m, c := gcMarking(); m {
			seen[c] = true
		}
	}
	if !seen[cycle] || len(seen) != 1 {
		t.Errorf("marking seen in cycles %v, want only %d", seen, cycle)
	}
	if m, _ := gcMarking(); m {
		t.Error("marking reported after the collection")
	}
	if done := gcCyclesDone(); done != cycle {
		t.Errorf("after the collection: %d cycles done, want %d", done, cycle)
	}
	runtime.KeepAlive(head)
}

// TestGCMarkingSeenFirstRead: a collection that marks when the collector's
// state is read for the first time since the last one finished is seen
// marking. (Read from runtime/metrics, the stops' CPU time since the cycle
// count changed, the first read after a cycle took its base from that
// moment: a cycle that had already started was missed.) Only a build that
// reads the write barrier's flag can tell that the collection marks
// without reading gcMarking.
func TestGCMarkingSeenFirstRead(t *testing.T) {
	if !gcWatchExact {
		t.Skipf("on %s the collector's state comes from runtime/metrics, which needs a read between two cycles", runtime.GOARCH)
	}
	head := longList()
	runtime.GC()
	gcMarking()
	runtime.GC() // a whole cycle with no read
	cycle := gcCyclesDone() + 1
	done := make(chan struct{})
	go func() {
		runtime.GC()
		close(done)
	}()
	for !writeBarrierOn() {
		select {
		case <-done:
			t.Skip("the collection was over before its marking was seen (no CPU for this goroutine meanwhile)")
		default:
		}
	}
	if m, c := gcMarking(); !m && writeBarrierOn() {
		t.Error("the first read during a collection's marking did not see it marking")
	} else if m && c != cycle {
		t.Errorf("marking seen in cycle %d, want %d", c, cycle)
	}
	<-done
	runtime.KeepAlive(head)
}

// TestWriteBarrierFlag checks what gcwatch_flag.go assumes of the Go
// runtime: its write barrier flag, read by writeBarrierOn, is set while a
// collection marks and clear before and after, so that a Go release that
// moves it fails here rather than blinding the guests to the collector.
func TestWriteBarrierFlag(t *testing.T) {
	if !gcWatchExact {
		t.Skipf("no write barrier accessor on %s", runtime.GOARCH)
	}
	head := longList()
	runtime.GC()
	if writeBarrierOn() {
		t.Fatal("write barrier on with no collection running")
	}
	done := make(chan struct{})
	go func() {
		runtime.GC()
		close(done)
	}()
	seen := 0
	for running := true; running; {
		select {
		case <-done:
			running = false
		default:
		}
		if writeBarrierOn() {
			seen++
		}
	}
	if seen == 0 {
		t.Error("write barrier never seen on during a collection of a million objects")
	}
	if writeBarrierOn() {
		t.Error("write barrier on after the collection")
	}
	runtime.KeepAlive(head)
}

// crowd makes the spinning guests as many as the Ps until the test ends,
// and gcMarkingNow report cycle marking; it closes the sweep's channel
// after.
func crowd(t *testing.T, cycle uint64) {
	n := int32(runtime.GOMAXPROCS(0))
	addSpinning(n, false)
	old := gcMarkingNow
	gcMarkingNow = func() (bool, uint64) { return true, cycle }
	t.Cleanup(func() {
		addSpinning(-n, false)
		gcMarkingNow = old
		// A channel of the test's cycle, which no sweep closes, would
		// keep the next test's guests parked.
		gcEnd.mu.Lock()
		if gcEnd.ch != nil {
			close(gcEnd.ch)
			gcEnd.ch = nil
		}
		gcEnd.mu.Unlock()
	})
}

// expectParkedBack fails t unless the guest parking in another goroutine
// reports on done, within a minute of what was to end its park, that it
// parked.
func expectParkedBack(t *testing.T, done <-chan bool, after string) {
	t.Helper()
	select {
	case parked := <-done:
		if !parked {
			t.Error("a crowded guest did not park while a collection marked")
		}
	case <-time.After(time.Minute):
		t.Fatalf("a parked guest has not come back a minute after %s", after)
	}
}

// unsweptCycle is a cycle no sweep ends.
const unsweptCycle = 1 << 60

// crowdUnswept crowds the Ps while unsweptCycle marks, with the parks'
// bound an hour, a sentinel armed and its cleanup recorded as made by
// freedBy's cycle (unsweptCycle: the sweep would wake the guests; later:
// nor does the cleanup).
func crowdUnswept(t *testing.T, freedBy uint64) {
	maxPark, prev := gcParkMax, gcEnd.freedBy.Load()
	gcParkMax = time.Hour
	crowd(t, unsweptCycle)
	armGCSentinel()
	gcEnd.freedBy.Store(freedBy)
	t.Cleanup(func() { gcParkMax = maxPark; gcEnd.freedBy.Store(prev) })
}

// parkWithin runs p.parkForGC in another goroutine and fails t unless it
// returns within a minute; it returns whether it parked.
func parkWithin(t *testing.T, p *Pacer) bool {
	t.Helper()
	done := make(chan bool, 1)
	go func() {
		_, parked := p.parkForGC(nanotime())
		done <- parked
	}()
	select {
	case parked := <-done:
		return parked
	case <-time.After(time.Minute):
		t.Fatal("parkForGC has not returned after a minute")
		return false
	}
}

// TestParkForGCEnds: a guest parked for a collection comes back when its
// context is cancelled, when its deadline comes and when the cycle has
// been swept, and parks once per cycle.
func TestParkForGCEnds(t *testing.T) {
	defer func(d time.Duration) { gcParkMax = d }(gcParkMax)
	gcParkMax = time.Hour
	crowd(t, 1) // the first cycle: the sweep below ends it

	ctx, cancel := context.WithCancel(context.Background())
	var p Pacer
	p.Begin(ctx)
	time.AfterFunc(time.Millisecond, cancel)
	if !parkWithin(t, &p) {
		t.Error("a crowded guest did not park while a collection marked")
	}
	if parkWithin(t, &p) {
		t.Error("a guest parked twice in one cycle")
	}

	p.Begin(context.Background())
	p.gcParked = 0
	p.Until(time.Now().Add(time.Millisecond))
	if !parkWithin(t, &p) {
		t.Error("a guest with a deadline ahead did not park")
	}
	p.gcParked = 0
	if parkWithin(t, &p) {
		t.Error("a guest past its deadline parked")
	}

	p.Begin(context.Background())
	p.gcParked = 0
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		for {
			select {
			case <-stop:
				return
			default:
				runtime.GC()
			}
		}
	}()
	if !parkWithin(t, &p) {
		t.Error("a guest did not park")
	}
}

// TestParkForGCUntilMarkingEnds: a parked guest whose cycle's sweep does
// not wake it (the sentinel was made while that cycle marked) stays parked
// while the collection marks, past gcParkCheck, and comes back once
// marking has ended.
func TestParkForGCUntilMarkingEnds(t *testing.T) {
	const cycle = unsweptCycle
	crowdUnswept(t, cycle+1) // nor does the sentinel's cleanup
	var marking atomic.Bool
	marking.Store(true)
	gcMarkingNow = func() (bool, uint64) { return marking.Load(), cycle }

	var p Pacer
	p.Begin(context.Background())
	done := make(chan bool, 1)
	go func() {
		_, parked := p.parkForGC(nanotime())
		done <- parked
	}()
	time.Sleep(5 * gcParkCheck)
	select {
	case <-done:
		t.Fatal("a guest came back from its park while the collection still marked")
	default:
	}
	marking.Store(false)
	expectParkedBack(t, done, "marking ended")
}

// TestParkForGCOnlyWhenNeeded: a guest does not park while no collection
// marks, nor while the spinning guests leave a P free.
func TestParkForGCOnlyWhenNeeded(t *testing.T) {
	defer func(f func() (bool, uint64)) { gcMarkingNow = f }(gcMarkingNow)
	var p Pacer
	p.Begin(context.Background())
	gcMarkingNow = func() (bool, uint64) { return true, 3 }
	if _, parked := p.parkForGC(nanotime()); parked {
		t.Error("a guest parked with no guests crowding the Ps")
	}
	n := int32(runtime.GOMAXPROCS(0))
	addSpinning(n, false)
	defer addSpinning(-n, false)
	gcMarkingNow = func() (bool, uint64) { return false, 3 }
	if _, parked := p.parkForGC(nanotime()); parked {
		t.Error("a guest parked with no collection marking")
	}
}

// TestParkHandsOverAfterMarking: once its cycle has finished marking, a
// parked guest whose sweep has not woken it hands its thread over
// (handOver's turns counted) until its park ends, and leaves the turn to
// hand over free for the next.
func TestParkHandsOverAfterMarking(t *testing.T) {
	const cycle = unsweptCycle
	crowdUnswept(t, cycle) // the sweep would wake it: it waits for the sweep
	var marking atomic.Bool
	var reads atomic.Int32 // the first by parkForGC, the next by the parked guest
	marking.Store(true)
	gcMarkingNow = func() (bool, uint64) {
		reads.Add(1)
		if marking.Load() {
			return true, cycle
		}
		return false, 0
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var p Pacer
	p.Begin(ctx)
	done := make(chan bool, 1)
	go func() {
		_, parked := p.parkForGC(nanotime())
		done <- parked
	}()
	for limit := time.Now().Add(time.Minute); reads.Load() < 2; {
		if time.Now().After(limit) {
			t.Fatal("a crowded guest has not looked at the collection from its park for a minute")
		}
		runtime.Gosched()
	}
	before := GCHandOvers()
	marking.Store(false)
	for limit := time.Now().Add(time.Minute); GCHandOvers() == before; {
		if time.Now().After(limit) {
			t.Fatal("a parked guest has not handed its thread over a minute after marking ended")
		}
		runtime.Gosched()
	}
	cancel()
	expectParkedBack(t, done, "its context was cancelled")
	if gcEnd.handing.Load() {
		t.Error("the turn to hand over was kept after the park ended")
	}
}

// TestHandOverEnds: handOver stops at once when the sweep is done, the
// context is done or the next cycle marks (the park is over), and
// without a turn when its time is up (the park goes on).
func TestHandOverEnds(t *testing.T) {
	defer func(f func() (bool, uint64)) { gcMarkingNow = f }(gcMarkingNow)
	gcMarkingNow = func() (bool, uint64) { return false, 0 }
	closed := make(chan struct{})
	close(closed)
	open := make(chan struct{})
	far := nanotime() + int64(time.Hour)
	if !handOver(closed, open, far) {
		t.Error("handOver went on after the sweep was done")
	}
	if !handOver(open, closed, far) {
		t.Error("handOver went on after the context was done")
	}
	before := GCHandOvers()
	if handOver(open, open, nanotime()) {
		t.Error("handOver ended the park when its time was up")
	}
	if n := GCHandOvers() - before; n != 0 {
		t.Errorf("handOver took %d turns after its time was up", n)
	}
	gcMarkingNow = func() (bool, uint64) { return true, 7 }
	if !handOver(open, open, far) {
		t.Error("handOver went on while the next cycle marked")
	}
}

// TestGCSweepHint: the sweep's hint, armed outside a collection, is
// closed by the next collection's sweep, and the next hint by the one
// after.
func TestGCSweepHint(t *testing.T) {
	runtime.GC()
	for round := range 2 {
		hint := gcSweepHint()
		runtime.GC()
		select {
		case <-hint:
		case <-time.After(time.Minute):
			t.Fatalf("round %d: the sweep's hint was not closed a minute after a collection", round)
		}
		if gcSweepHint() == hint {
			t.Fatalf("round %d: no next hint after one was closed", round)
		}
	}
}

// TestParkEndsWhenNextCycleMarks: a guest whose cycle has finished
// marking and whose sweep has not woken it comes back once the next cycle
// marks, to park for that one (the next runtime.GC() may start before the
// sentinel's cleanup has run).
func TestParkEndsWhenNextCycleMarks(t *testing.T) {
	const cycle = unsweptCycle
	crowdUnswept(t, cycle)    // the sweep would wake it: it waits for the sweep
	var marking atomic.Uint64 // the cycle marking, 0 for none
	var reads atomic.Int32
	marking.Store(cycle)
	gcMarkingNow = func() (bool, uint64) {
		reads.Add(1)
		c := marking.Load()
		return c != 0, c
	}

	var p Pacer
	p.Begin(context.Background())
	done := make(chan bool, 1)
	go func() {
		_, parked := p.parkForGC(nanotime())
		done <- parked
	}()
	waitReads := func(n int32) {
		for limit := time.Now().Add(time.Minute); reads.Load() < n; {
			if time.Now().After(limit) {
				t.Fatal("a parked guest has not looked at the collection for a minute")
			}
			runtime.Gosched()
		}
	}
	waitReads(2)
	marking.Store(0)
	waitReads(reads.Load() + 2) // seen over, and its park goes on
	select {
	case <-done:
		t.Fatal("a guest came back from its park before its sweep, its context, its limit or the next cycle")
	default:
	}
	marking.Store(cycle + 1)
	expectParkedBack(t, done, "the next cycle began to mark")
}
