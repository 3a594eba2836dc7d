package moat

import (
	"fmt"
	"time"

	"github.com/moat-run/moat/internal/vm"
)

// CPULanes keep guests that run long from crowding out the others, as a
// production edge runtime must when one tenant's requests spin until
// their deadline: once a call has run for After, it needs one of the
// lanes to go on running; such calls take turns in the lanes, a time slice
// each (250 µs, the slice at which every guest already yields its thread
// to the Go scheduler), and the others wait parked, holding no thread,
// with their deadline and cancellation in force. Calls that end within
// After never wait. So, with n lanes, guests past After use at most n
// CPUs between them however many of them there are, and every other
// guest, and the embedder's own goroutines, keep the rest of the machine.
//
// Lanes are shared by the stores given them (Store.SetCPULanes), of any
// engines, on both engines. A store's calls hold at most one lane, nested
// calls through host functions included; a call into one store from a
// host function of another store with the same lanes could wait for the
// lane that the outer call holds (until its deadline), so stores whose
// calls nest must not share lanes. A call holds its lane while it is
// blocked in a host function (a sleep) and gives it back when it returns.
type CPULanes struct {
	l *vm.Lanes
}

// After is the lanes' threshold.
func (c *CPULanes) After() time.Duration { return c.l.After() }

// NewCPULanes makes n lanes (n ≥ 1) for calls that have run for after.
func NewCPULanes(n int, after time.Duration) (*CPULanes, error) {
	if n < 1 || after < 0 {
		return nil, fmt.Errorf("moat: NewCPULanes(%d, %v): want at least one lane and a threshold of 0 or more", n, after)
	}
	return &CPULanes{l: vm.NewLanes(n, after)}, nil
}

// SetDuty makes each lane run the calls in it for at most duty of the
// time (0 < duty ≤ 1; 1, the default, runs them whenever they hold a
// lane): after a time slice in a lane, the call rests, parked and still
// holding the lane, for as long as the rest of the cycle asks (at 1/4,
// three times the slice it ran), its deadline and cancellation in force.
// So n lanes give long-running guests n×duty CPUs between them, which can
// be less than one CPU: on a machine of two, a single lane at full duty
// is half of it. A call that has run long then takes 1/duty times as long
// to finish; calls that end within the lanes' threshold never rest.
func (c *CPULanes) SetDuty(duty float64) error {
	if !(duty > 0 && duty <= 1) {
		return fmt.Errorf("moat: CPULanes.SetDuty(%v): want a share above 0 and at most 1", duty)
	}
	c.l.SetDuty(duty)
	return nil
}

// Duty is the lanes' duty cycle (SetDuty).
func (c *CPULanes) Duty() float64 { return c.l.Duty() }

// CPULaneStats counts the calls past the lanes' threshold now.
type CPULaneStats struct {
	Lanes   int // the number of lanes
	Running int // calls running in a lane
	Waiting int // calls waiting for one
}

// Stats reports the calls in the lanes and waiting for them.
func (c *CPULanes) Stats() CPULaneStats {
	running, waiting := c.l.Stats()
	return CPULaneStats{Lanes: c.l.Size(), Running: running, Waiting: waiting}
}

// SetCPULanes makes the store's calls that run long take turns in lanes
// (nil: they run as any other). It fails while a call runs in the store.
func (s *Store) SetCPULanes(lanes *CPULanes) error {
	if err := s.enterIdle("SetCPULanes"); err != nil {
		return err
	}
	defer s.leave()
	// The store's own threshold and count stay (SetCPULanesAfter).
	lane := s.vs.LaneUse()
	own, after, long := lane.OwnAfter()
	*lane = vm.LaneUse{Long: long}
	if own {
		lane.SetAfter(after)
	}
	if lanes != nil {
		lane.Lanes = lanes.l
	}
	return nil
}

// SetCPULanesAfter makes the store's calls need a lane once they have run
// for d (through d's worth of time slices) instead of the lanes' threshold;
// a negative d restores the lanes' own. A server gives the requests of a
// route whose calls have been running long a threshold under a time slice
// (serve does), so that an endless loop there does not run unchecked for
// the threshold first: such a store's calls count among the spinning
// guests from their start, and their first slice counts for the thread's
// CPU time they used in it, so that a call that computes less than d
// never needs a lane, however long the kernel kept it waiting. It fails
// while a call runs in the store.
func (s *Store) SetCPULanesAfter(d time.Duration) error {
	if err := s.enterIdle("SetCPULanesAfter"); err != nil {
		return err
	}
	defer s.leave()
	s.vs.LaneUse().SetAfter(d)
	return nil
}

// LongRunningCalls counts the store's calls that have run past its lanes'
// threshold (and so needed a lane), since it was made.
func (s *Store) LongRunningCalls() int {
	if err := s.enter(); err != nil {
		return 0
	}
	defer s.leave()
	if s.vs.Lane == nil {
		return 0
	}
	return s.vs.Lane.Long
}
