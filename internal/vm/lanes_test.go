package vm

import (
	"testing"
	"time"
)

// A call needs a lane once it has run for After and been through After's
// worth of time slices: one that the kernel kept waiting for longer than
// After, in a slice or two, does not.
func TestLaneThresholdCountsSlices(t *testing.T) {
	l := NewLanes(1, 4*TimeSlice)
	u := &LaneUse{Lanes: l}
	u.since = nanotime() - int64(time.Second) // long ago, in wall time
	for i := 1; i < 4; i++ {
		u.turn(nil, 0)
		if u.held {
			t.Fatalf("in a lane after %d slices of %d", i, 4)
		}
	}
	u.turn(nil, 0)
	if !u.held {
		t.Fatal("not in a lane after 4 slices and a second")
	}
	if running, waiting := l.Stats(); running != 1 || waiting != 0 {
		t.Errorf("Stats() = %d running, %d waiting; want 1, 0", running, waiting)
	}
	u.End()
	if running, _ := l.Stats(); running != 0 || u.held || u.slices != 0 || u.since != 0 {
		t.Errorf("after End: %d running, held %v, %d slices, since %d", running, u.held, u.slices, u.since)
	}
}
