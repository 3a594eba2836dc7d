//go:build !linux

package gcheap

// Without mmap the heap is a Go byte slice (it holds no Go pointers, so
// the Go collector never scans it), grown by copying: words are offsets,
// so moving the heap invalidates nothing. The side tables are Go slices
// grown with it.

func reserve(limit uint64) (arena, error) {
	return arena{mem: make([]byte, 0, min(limit, 1<<20))}, nil
}

func release([]byte) {}

func discard([]byte) bool { return false }

const growable = true
