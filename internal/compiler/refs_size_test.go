package compiler

import (
	"testing"
	"unsafe"
)

// A store's codec and its vm.Store are one allocation per live sandbox:
// it stays in Go's 352-byte size class.
func TestStoreRefsSize(t *testing.T) {
	if n := unsafe.Sizeof(storeRefs{}); n > 352 {
		t.Fatalf("storeRefs is %d bytes, want at most 352", n)
	}
}
