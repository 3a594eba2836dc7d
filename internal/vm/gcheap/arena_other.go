//go:build !linux

package gcheap

// Without mmap the heap is a Go byte slice (it holds no Go pointers, so
// the Go collector never scans it), grown by copying: words are offsets,
// so moving the heap invalidates nothing.

func reserve(size uint64) ([]byte, error) { return make([]byte, 0, min(size, 1<<20)), nil }

func release([]byte) {}

func discard([]byte) bool { return false }

const growable = true
