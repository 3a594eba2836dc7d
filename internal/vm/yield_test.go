package vm

import (
	"context"
	"runtime"
	"testing"
	"time"
)

// TestYieldWhileLate: a crowded guest yields again while its yields come
// back late (another goroutine ran in between), and stops at the first
// yield that comes straight back, or in which another guest ran, or when
// its budget is spent.
func TestYieldWhileLate(t *testing.T) {
	us := int64(time.Microsecond)
	type yield struct {
		took     int64
		guestRan bool
	}
	for _, tc := range []struct {
		name  string
		first int64   // how long the first yield took
		next  []yield // each further yield
		want  int     // further yields made
	}{
		{"nobody waits", us / 5, []yield{{us / 5, false}}, 0},
		{"a sweeper yields back", 3 * us, []yield{{3 * us, false}, {2 * us, false}, {us / 5, false}, {3 * us, false}}, 3},
		{"another guest takes a slice", 60 * us, []yield{{3 * us, false}}, 0},
		{"another guest yields at the same time", 2 * us, []yield{{2 * us, true}, {2 * us, false}}, 1},
		{"the budget runs out", 2 * us, []yield{{4 * us, false}, {4 * us, false}, {4 * us, false}, {4 * us, false}, {4 * us, false}, {4 * us, false}, {4 * us, false}}, 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const start = 1000
			now := int64(start + tc.first)
			made := 0
			yield := func() (int64, bool) {
				if made >= len(tc.next) {
					t.Fatalf("yield %d: more yields than the test expects", made+1)
				}
				y := tc.next[made]
				now += y.took
				made++
				return now, y.guestRan
			}
			end := yieldWhileLate(start, now, yield)
			if made != tc.want || end != now {
				t.Errorf("made %d further yields, returned %d; want %d yields, returned %d", made, end, tc.want, now)
			}
		})
	}
}

// TestSpinningGuestCount: a run counts among the spinning guests from its
// first visit to Go until it ends, and a run that never visits is not
// counted, nor is a run while it waits in a host call; with as many
// spinning guests as Ps, slices are CrowdedSlice
// (the next epoch tick for compiled code), with fewer TimeSlice.
func TestSpinningGuestCount(t *testing.T) {
	base := SpinningGuests()
	n := runtime.GOMAXPROCS(0)
	pacers := make([]Pacer, n)
	for i := range pacers {
		pacers[i].Begin(context.Background())
	}
	if got := SpinningGuests(); got != base {
		t.Fatalf("after Begin: %d spinning guests, want %d", got, base)
	}
	procs.Store(0) // read GOMAXPROCS again
	for i := range pacers {
		if i < n-1 {
			pacers[i].Visit(1)
		} else {
			pacers[i].VisitEpoch()
		}
		pacers[i].Visit(1) // a second visit counts no more
	}
	if got := SpinningGuests(); got != base+n {
		t.Fatalf("after a visit each: %d spinning guests, want %d", got, base+n)
	}
	now := nanotime()
	if got := sliceLength(now); got != int64(CrowdedSlice) {
		t.Errorf("crowded: slice %v, want %v", time.Duration(got), CrowdedSlice)
	}
	if got := sliceTicksAt(now); got != 1 {
		t.Errorf("crowded: slice of %d epoch ticks, want 1", got)
	}
	pacers[0].EnterHost() // waiting in the host: not spinning meanwhile
	if got := SpinningGuests(); got != base+n-1 {
		t.Errorf("one guest in a host call: %d spinning guests, want %d", got, base+n-1)
	}
	pacers[0].LeaveHost()
	if got := SpinningGuests(); got != base+n {
		t.Errorf("back from the host call: %d spinning guests, want %d", got, base+n)
	}
	pacers[0].EnterHost()
	pacers[0].End() // a run that ends in a host call (a panic) counts once
	pacers[0].End() // ending twice counts once
	if base == 0 {
		if got := sliceLength(now); got != int64(TimeSlice) {
			t.Errorf("one guest fewer than Ps: slice %v, want %v", time.Duration(got), TimeSlice)
		}
		if got := sliceTicksAt(now); got != sliceTicks {
			t.Errorf("one guest fewer than Ps: slice of %d epoch ticks, want %d", got, sliceTicks)
		}
	}
	for i := range pacers {
		pacers[i].End()
	}
	if got := SpinningGuests(); got != base {
		t.Errorf("after End: %d spinning guests, want %d", got, base)
	}
}
