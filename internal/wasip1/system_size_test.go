package wasip1

import (
	"testing"
	"unsafe"
)

// TestSystemSize: every live sandbox holds a System, so it stays within
// the Go allocator's 384-byte size class; the state few sandboxes need
// (the embedder's clocks, the wake channel, directories' names and
// listings, streams that may block) lives apart.
func TestSystemSize(t *testing.T) {
	if n := unsafe.Sizeof(System{}); n > 384 {
		t.Errorf("System takes %d bytes, want at most 384", n)
	}
	if n := unsafe.Sizeof(fdEntry{}); n > 48 {
		t.Errorf("fdEntry takes %d bytes, want at most 48", n)
	}
}
