package wasip1

import (
	"testing"
	"unsafe"
)

// TestSystemSize: every live sandbox holds a System, so it holds only what
// changes from one sandbox to the next, in the Go allocator's 24-byte size
// class (the flags in the clock origin's top bits); its configuration is its Prepared's, shared, and its own parts
// (a changed descriptor table, streams' and waits' state, per-sandbox
// stdio) are made when needed.
func TestSystemSize(t *testing.T) {
	if n := unsafe.Sizeof(System{}); n > 24 {
		t.Errorf("System takes %d bytes, want at most 24", n)
	}
	if n := unsafe.Sizeof(fdEntry{}); n > 48 {
		t.Errorf("fdEntry takes %d bytes, want at most 48", n)
	}
}

// TestSystemFlagsBesideClockOrigin: the flags in the top bits and the
// monotonic clock's origin below them change each other in no way.
func TestSystemFlagsBesideClockOrigin(t *testing.T) {
	var s System
	const origin = int64(1)<<62 - 3 // 146 years of nanoseconds, nearly
	s.flags |= systemFlags(origin) & startBits
	s.flags |= closed
	if s.start() != origin || s.flags&closed == 0 || s.flags&ownsPrep != 0 {
		t.Fatalf("origin %d, closed %v, ownsPrep %v", s.start(), s.flags&closed != 0, s.flags&ownsPrep != 0)
	}
	s.flags |= ownsPrep
	if s.start() != origin || s.flags&closed == 0 {
		t.Fatalf("setting ownsPrep changed the origin (%d) or closed", s.start())
	}
	var fresh System
	fresh.flags |= closed | ownsPrep
	if fresh.start() != 0 {
		t.Fatalf("a System whose clock was never read has origin %d", fresh.start())
	}
}
