package cpuclock

import (
	"runtime"
	"testing"
	"time"
)

// A thread that spins sees its CPU clock advance, and one that sleeps does
// not see it advance by the time it slept.
func TestThreadClockCountsOnlyThisThread(t *testing.T) {
	if runtime.GOOS != "linux" {
		if _, ok := Thread(); ok {
			t.Fatal("Thread reported a reading where none is taken")
		}
		t.Skip("the thread's CPU clock is read on Linux only")
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	id := ThreadID()
	start, ok := Thread()
	if !ok {
		t.Fatal("the thread's CPU clock could not be read")
	}
	for deadline := time.Now().Add(20 * time.Millisecond); time.Now().Before(deadline); {
	}
	spun, _ := Thread()
	if spun <= start {
		t.Fatalf("spinning for 20ms moved the thread's clock from %v to %v", start, spun)
	}
	time.Sleep(50 * time.Millisecond)
	slept, _ := Thread()
	if slept-spun >= 50*time.Millisecond {
		t.Fatalf("sleeping 50ms counted %v of the thread's CPU time", slept-spun)
	}
	if ThreadID() != id {
		t.Fatalf("a locked goroutine changed threads: %d then %d", id, ThreadID())
	}
}
