package compiler

import (
	"testing"
	"unsafe"
)

// A store's codec and its vm.Store are one allocation per live sandbox:
// it stays in Go's 288-byte size class (host functions of the store's
// own and tail calls apart: storeRare).
func TestStoreRefsSize(t *testing.T) {
	if n := unsafe.Sizeof(storeRefs{}); n > 288 {
		t.Fatalf("storeRefs is %d bytes, want at most 288", n)
	}
}

// An instance's native state is one allocation per live sandbox: it
// stays in Go's 80-byte size class (the descriptors' places as single
// words, whose lengths are the instance's; exceptions apart).
func TestNativeStateSize(t *testing.T) {
	if n := unsafe.Sizeof(instance{}); n > 80 {
		t.Fatalf("instance is %d bytes, want at most 80", n)
	}
}
