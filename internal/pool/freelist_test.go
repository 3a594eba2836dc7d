package pool

import (
	"runtime"
	"sync"
	"testing"
)

// Goroutines taking and giving back items at once never get the same item
// twice, find one when most are free (trying again when they moved while
// Take looked), and every item is there at the end.
func TestFreeListConcurrent(t *testing.T) {
	const items, workers, rounds = 64, 8, 2000
	l := NewFreeList[int](items)
	for i := range items {
		l.Put(i)
	}
	var held [items]int32
	var mu sync.Mutex // guards held: what the test checks, not what it tests
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range rounds {
				prefer := func(i int) bool { return i%workers == w }
				i, ok := l.Take(prefer, 4)
				for tries := 0; !ok; tries++ {
					// Items moved between shards while Take looked (it
					// is not a snapshot): they are there, try again.
					if tries == 1e6 {
						t.Error("no item with at most 16 of 64 held")
						return
					}
					runtime.Gosched()
					i, ok = l.Take(prefer, 4)
				}
				mu.Lock()
				held[i]++
				if held[i] != 1 {
					t.Errorf("item %d held %d times", i, held[i])
				}
				mu.Unlock()
				if r%3 == 0 {
					// another item at once
					if j, ok := l.Take(nil, 0); ok {
						l.Put(j)
					}
				}
				mu.Lock()
				held[i]--
				mu.Unlock()
				l.Put(i)
			}
		}()
	}
	wg.Wait()
	seen := map[int]bool{}
	for {
		i, ok := l.Take(nil, 0)
		if !ok {
			break
		}
		if seen[i] {
			t.Fatalf("item %d twice", i)
		}
		seen[i] = true
	}
	if len(seen) != items {
		t.Errorf("%d items at the end, want %d", len(seen), items)
	}
}
