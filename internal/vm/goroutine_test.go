package vm

import (
	"runtime"
	"sync"
	"testing"
	"unsafe"

	"github.com/moat-run/moat/internal/abi"
)

// TestGoRuntimeAssumptions checks what compiled code and PreemptRequested
// assume about the Go runtime's g (abi/goruntime.go) against the running
// runtime, so that a Go release that changes the layout fails here rather
// than making polls blind to the runtime's requests. Compiled code's use of
// it is tested end to end by TestNativePollSeesPreemption.
func TestGoRuntimeAssumptions(t *testing.T) {
	if getg() == 0 {
		t.Skipf("no g accessor on %s", runtime.GOARCH)
	}
	t.Logf("Go runtime %s", runtime.Version())
	if stackPreempt != 0xfffffffffffffade {
		t.Fatalf("stackPreempt is %#x, want 0xfffffffffffffade (runtime/stack.go)", stackPreempt)
	}
	// g starts with stack.lo and stack.hi, then stackguard0, which is
	// stack.lo plus the guard size (under a kilobyte or two) unless a
	// preemption is pending.
	check := func() {
		var local int
		g := getg()
		here := uintptr(unsafe.Pointer(&local))
		lo, hi, guard := readWord(g), readWord(g+8), readWord(g+abi.GStackguard0)
		if !(lo < here && here < hi) {
			t.Errorf("a local at %#x is not within g.stack [%#x, %#x): the layout of g changed", here, lo, hi)
		}
		if guard != stackPreempt && !(lo < guard && guard < lo+16<<10) {
			t.Errorf("g.stackguard0 = %#x, want stack.lo %#x plus a small guard, or stackPreempt", guard, lo)
		}
	}
	check()
	// Every goroutine has its own g.
	var wg sync.WaitGroup
	gs := make(chan uintptr, 8)
	for range 8 {
		wg.Go(func() {
			check()
			gs <- getg()
		})
	}
	wg.Wait()
	close(gs)
	seen := map[uintptr]bool{getg(): true}
	for g := range gs {
		seen[g] = true
	}
	if len(seen) < 2 {
		t.Error("getg returned the same g on different goroutines")
	}
}

// TestPreemptRequested: a goroutine that spins until PreemptRequested
// reports true ends when the collector asks every goroutine to stop. The
// spin is in Go, so the runtime may preempt it asynchronously instead of
// raising the flag it polls; the test only needs one of many rounds to
// see the flag.
func TestPreemptRequested(t *testing.T) {
	if getg() == 0 {
		t.Skipf("no g accessor on %s", runtime.GOARCH)
	}
	if PreemptRequested() {
		t.Log("a preemption was pending at the start")
	}
	seen := make(chan struct{})
	stop := make(chan struct{})
	go func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			for range 1 << 20 {
				if PreemptRequested() {
					close(seen)
					return
				}
			}
		}
	}()
	defer close(stop)
	for range 1000 {
		runtime.GC()
		select {
		case <-seen:
			return
		default:
		}
	}
	t.Fatal("1000 garbage collections and the spinning goroutine never saw a preemption request")
}

// recurse grows the goroutine's stack (the runtime then moves it) before
// asking for the goroutine's word again.
func recurse(n int) uintptr {
	var pad [256]byte
	if n == 0 {
		return CurrentGoroutine() + uintptr(pad[0])
	}
	return recurse(n - 1)
}

// TestCurrentGoroutine: one goroutine always gets the same nonzero word,
// even after its stack moved, and goroutines alive at once get different
// words.
func TestCurrentGoroutine(t *testing.T) {
	g := CurrentGoroutine()
	if g == 0 {
		t.Fatal("CurrentGoroutine returned 0")
	}
	if again := recurse(10000); again != g {
		t.Fatalf("word changed after stack growth: %#x then %#x", g, again)
	}
	const n = 64
	words := make([]uintptr, n)
	var started, done sync.WaitGroup
	started.Add(n)
	done.Add(n)
	release := make(chan struct{})
	for i := range n {
		go func() {
			defer done.Done()
			words[i] = CurrentGoroutine()
			started.Done()
			<-release // stay alive until every word is taken
			if CurrentGoroutine() != words[i] {
				t.Errorf("goroutine %d: word changed", i)
			}
		}()
	}
	started.Wait()
	close(release)
	done.Wait()
	seen := map[uintptr]int{g: -1}
	for i, w := range words {
		if j, dup := seen[w]; dup {
			t.Fatalf("goroutines %d and %d share the word %#x", i, j, w)
		}
		seen[w] = i
	}
}

func BenchmarkCurrentGoroutine(b *testing.B) {
	for b.Loop() {
		CurrentGoroutine()
	}
}
