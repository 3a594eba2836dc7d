package backend

import (
	"errors"
	"testing"
)

// MaxLiveEntries stops an allocation whose live-in sets exceed it with a
// *LimitError, and lets the same function through with room to spare; the
// function allocated after a refusal is allocated right (the Allocator's
// memory is reused).
func TestAllocateLiveEntriesLimit(t *testing.T) {
	var al Allocator
	for seed := int64(0); seed < 40; seed++ {
		f := randomFunc(seed, 200)
		f.ComputePreds()
		entries := 0
		l := ComputeLiveness(f)
		for b := range f.Blocks {
			entries += len(l.LiveIn(BlockID(b)))
		}
		if entries < 2 {
			continue
		}
		al.MaxLiveEntries = entries - 1
		_, err := al.Allocate(randomFunc(seed, 200), fakeEnv())
		var le *LimitError
		if !errors.As(err, &le) || !errors.Is(err, ErrLimit) || le.Limit != entries-1 {
			t.Fatalf("seed %d: %d live-in entries with a limit of %d: got %v, want a *LimitError", seed, entries, entries-1, err)
		}
		al.MaxLiveEntries = entries
		g := randomFunc(seed, 200)
		res, err := al.Allocate(g, fakeEnv())
		if err != nil {
			t.Fatalf("seed %d: %d live-in entries with a limit of %d: %v", seed, entries, entries, err)
		}
		if err := Check(g, fakeEnv(), res); err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
	}
}
