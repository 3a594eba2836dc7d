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
