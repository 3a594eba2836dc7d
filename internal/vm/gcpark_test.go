package vm

import (
	"context"
	"runtime"
	"testing"
	"time"
)

// gcNode makes a heap whose marking takes milliseconds.
type gcNode struct {
	next *gcNode
	_    [2]uintptr
}

// TestGCMarkingSeen: gcMarking reports a collection's mark phase while it
// runs, as the cycle after the last completed one, and no marking before
// or after.
func TestGCMarkingSeen(t *testing.T) {
	var head *gcNode
	for range 1 << 20 {
		head = &gcNode{next: head}
	}
	runtime.GC()
	marking, cycle := gcMarking()
	if marking {
		t.Fatal("marking reported with no collection running")
	}
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
	if m, c := gcMarking(); m || c != cycle+1 {
		t.Errorf("after the collection: marking %v in cycle %d, want false in %d", m, c, cycle+1)
	}
	runtime.KeepAlive(head)
}

// crowd makes the spinning guests as many as the Ps until the test ends,
// and gcMarkingNow report cycle marking.
func crowd(t *testing.T, cycle uint64) {
	n := int32(runtime.GOMAXPROCS(0))
	addSpinning(n, false)
	old := gcMarkingNow
	gcMarkingNow = func() (bool, uint64) { return true, cycle }
	t.Cleanup(func() {
		addSpinning(-n, false)
		gcMarkingNow = old
	})
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
	crowd(t, 7)

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
