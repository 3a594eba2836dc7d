package vm

import (
	"sync"
	"testing"
)

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
