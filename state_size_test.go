package moat

import (
	"testing"
	"unsafe"
)

// TestInstanceStateSize: every live instance holds a state, so it stays
// within the Go allocator's 512-byte size class, the largest whose
// objects carry no header; what every instance of a module shares is the
// module's, and what few instances use is apart.
func TestInstanceStateSize(t *testing.T) {
	if n := unsafe.Sizeof(instanceState{}); n > 512 {
		t.Errorf("instanceState takes %d bytes, want at most 512", n)
	}
}

// TestStoreStateSize: every live store holds a state, in the Go
// allocator's 192-byte size class: limits, nested calls' buffers and host
// libraries' values beside it, made when a store uses them.
func TestStoreStateSize(t *testing.T) {
	if n := unsafe.Sizeof(storeState{}); n > 192 {
		t.Errorf("storeState takes %d bytes, want at most 192", n)
	}
}
