package moat

import (
	"runtime"
	"testing"
)

// BenchmarkStoreMark is the in-use mark alone: taking and giving back an
// idle store (what every outermost call pays), and nesting in a store this
// goroutine already holds (what a host function's call back pays).
func BenchmarkStoreMark(b *testing.B) {
	b.Run("outermost", func(b *testing.B) {
		s := &Store{storeRef: storeRef{storeState: &storeState{}}}
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		start := threadCPU()
		for b.Loop() {
			if s.enter() != nil {
				b.Fatal("busy")
			}
			s.leave()
		}
		reportCPU(b, start)
	})
	b.Run("nested", func(b *testing.B) {
		s := &Store{storeRef: storeRef{storeState: &storeState{}}}
		if s.enter() != nil {
			b.Fatal("busy")
		}
		defer s.leave()
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		start := threadCPU()
		for b.Loop() {
			if s.enter() != nil {
				b.Fatal("busy")
			}
			s.leave()
		}
		reportCPU(b, start)
	})
}

// reportCPU adds cpu-ns/op since start, for a loop on a locked thread.
func reportCPU(b *testing.B, start int64) {
	if end := threadCPU(); start != 0 && b.N > 0 {
		b.ReportMetric(float64(end-start)/float64(b.N), "cpu-ns/op")
	}
}

// TestStoreMarkNesting: the mark nests on its goroutine, refuses others,
// and is free again once every enter is matched.
func TestStoreMarkNesting(t *testing.T) {
	s := &Store{storeRef: storeRef{storeState: &storeState{}}}
	other := func() error {
		ch := make(chan error)
		go func() {
			err := s.enter()
			if err == nil {
				s.leave()
			}
			ch <- err
		}()
		return <-ch
	}
	for range 3 {
		if err := s.enter(); err != nil {
			t.Fatal(err)
		}
	}
	if err := other(); err != ErrStoreBusy {
		t.Fatalf("another goroutine: %v", err)
	}
	for range 3 {
		s.leave()
	}
	if err := other(); err != nil {
		t.Fatalf("after the last leave: %v", err)
	}
	if s.depth != 0 || s.owner.Load() != freeMark(s.storeState.gen.Load()) {
		t.Fatalf("depth %d, owner %#x", s.depth, s.owner.Load())
	}
}
