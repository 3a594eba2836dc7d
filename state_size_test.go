package moat

import (
	"testing"
	"unsafe"
)

// TestInstanceStateSize: every live instance holds a state, so it stays
// within the Go allocator's 416-byte size class; what every instance of a
// module shares is the module's (its segments' state among it), what few
// instances use is apart, the Callers are the store's, and the store
// lists the states of its instances (the runtime form points at none).
func TestInstanceStateSize(t *testing.T) {
	if n := unsafe.Sizeof(instanceState{}); n > 416 {
		t.Errorf("instanceState takes %d bytes, want at most 416", n)
	}
}

// TestStoreStateSize: every live store holds a state, in the Go
// allocator's 160-byte size class: limits, nested calls' buffers, a map of
// Callers, the list of a store's instances past the first and host
// libraries' values beside it, made when a store uses them.
func TestStoreStateSize(t *testing.T) {
	if n := unsafe.Sizeof(storeState{}); n > 160 {
		t.Errorf("storeState takes %d bytes, want at most 160", n)
	}
}
