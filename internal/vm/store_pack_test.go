package vm

import (
	"math"
	"testing"

	"github.com/moat-run/moat/internal/vm/gcheap"
)

// TestFuelWord: the fuel and its enabled flag share one word; the count
// never reaches the flag, and the flag never changes the count.
func TestFuelWord(t *testing.T) {
	var f Fuel
	if f.Enabled() || f.Left() != 0 {
		t.Fatalf("zero Fuel: enabled %v, left %d", f.Enabled(), f.Left())
	}
	if got := f.take(7); got != 7 {
		t.Errorf("unmetered take(7) = %d", got)
	}
	f.Set(5)
	if f.Enabled() || f.Left() != 5 {
		t.Errorf("Set before Enable: enabled %v, left %d", f.Enabled(), f.Left())
	}
	f.Enable()
	if !f.Enabled() || f.Left() != 5 {
		t.Errorf("Enable: enabled %v, left %d", f.Enabled(), f.Left())
	}
	f.Set(math.MaxUint64)
	if !f.Enabled() || f.Left() != math.MaxInt64 {
		t.Errorf("Set(2^64-1): enabled %v, left %d", f.Enabled(), f.Left())
	}
	g := f.take(math.MaxInt64)
	if g != math.MaxInt64 || f.Left() != 0 || !f.Enabled() {
		t.Errorf("take all: %d, left %d, enabled %v", g, f.Left(), f.Enabled())
	}
	if !f.settle(g, 1) || f.Left() != math.MaxInt64-1 || !f.Enabled() {
		t.Errorf("settle: left %d, enabled %v", f.Left(), f.Enabled())
	}
	if f.settle(0, 1) {
		t.Error("an overdrawn grant settled")
	}
	f.Set(3)
	if got := f.take(10); got != 3 || f.Left() != 0 {
		t.Errorf("take(10) of 3 = %d, left %d", got, f.Left())
	}
}

// scanningCodec is a codec that is also its engine's roots.
type scanningCodec struct{ scans int }

func (c *scanningCodec) Encode(*Function) (uint64, error) { return 0, nil }
func (c *scanningCodec) Decode(uint64) *Function          { return nil }
func (c *scanningCodec) ScanRoots(*gcheap.Marker)         { c.scans++ }

// TestCodecRoots: the codec's roots are tracked by a flag, scanned by
// every collection, and forgotten by Reset; another engine's roots are
// listed beside them.
func TestCodecRoots(t *testing.T) {
	codec, other := &scanningCodec{}, &scanningCodec{}
	s := NewStore()
	s.InitWithRefs(codec)
	defer s.releaseGC()
	if s.CodecRootsTracked() {
		t.Fatal("codec roots tracked before TrackEngineRoots")
	}
	s.TrackEngineRoots(codec)
	s.TrackEngineRoots(other)
	if !s.CodecRootsTracked() || s.gc.roots == nil || len(s.gc.roots.engines) != 1 {
		t.Fatalf("tracked: codec %v, others %v", s.CodecRootsTracked(), s.gc.roots)
	}
	s.GC().Collect()
	if codec.scans != 1 || other.scans != 1 {
		t.Errorf("one collection scanned the codec %d times, the other %d", codec.scans, other.scans)
	}
	s.releaseGC()
	s.Reset()
	if s.CodecRootsTracked() || s.RefCodec() != codec {
		t.Errorf("after Reset: tracked %v, codec kept %v", s.CodecRootsTracked(), s.RefCodec() == codec)
	}
}
