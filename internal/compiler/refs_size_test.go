package compiler

import (
	"testing"
	"unsafe"
)

// A store's codec and its vm.Store are one allocation per live sandbox:
// it stays in Go's 224-byte size class (host functions of the store's
// own, tail calls and the descriptor blocks of instances past the first
// apart: storeRare).
func TestStoreRefsSize(t *testing.T) {
	if n := unsafe.Sizeof(storeRefs{}); n > 224 {
		t.Fatalf("storeRefs is %d bytes, want at most 224", n)
	}
}

// An instance's native state is one allocation per live sandbox: it
// stays in Go's 64-byte size class (the descriptors' places as single
// words, whose lengths are the instance's; exceptions apart; the store's
// codec found through the instance's store).
func TestNativeStateSize(t *testing.T) {
	if n := unsafe.Sizeof(instance{}); n > 64 {
		t.Fatalf("instance is %d bytes, want at most 64", n)
	}
}
