package vm

import (
	"encoding/binary"
	"runtime"

	"github.com/moat-run/moat/internal/abi"
)

// Bulk operations (memory.fill, memory.copy, memory.init and the table
// operations) take time in proportion to an operand: up to 4 GiB of memory
// or tens of millions of table elements in one instruction. Go does them
// with memmove and memclr, assembly that the runtime cannot preempt, so
// these helpers do them in chunks of BulkChunk bytes and call check
// between two chunks; check yields when the runtime or the time slice asks
// (Pacer.Checkpoint) and stops the operation with a trap code when the run
// is interrupted. Bounds are the caller's to check, for the whole range and
// before the first chunk (the spec's trap order: nothing is written when
// any of it is out of bounds); an interruption may stop an operation part
// way.

// BulkChunk is how many bytes a bulk operation moves between two checks
// (8-byte table elements count 8 bytes each): about 10-30 µs of memmove.
const BulkChunk = abi.BulkChunk

const wordsPerChunk = BulkChunk / 8

// yieldOnly is the check of work that must finish once begun (growing a
// memory or a table copies its contents): it lets the Go runtime in when
// it asks, and never stops the work.
func yieldOnly() abi.TrapCode {
	if PreemptRequested() {
		runtime.Gosched()
	}
	return abi.TrapNone
}

// The exported helpers are kept out of line: inlined into another package,
// their call of a generic function would make the escape analysis assume
// that check escapes, and every caller's closure would be allocated.

// CopyBytes copies src to dst (equal lengths), which may overlap. backward
// must be set when they overlap with dst above src (the copy then runs
// from the top down, chunk by chunk, so that no chunk overwrites source
// bytes a later chunk reads; copy handles overlap within a chunk).
//
//go:noinline
func CopyBytes(dst, src []byte, backward bool, check func() abi.TrapCode) abi.TrapCode {
	return copyChunks(dst, src, backward, BulkChunk, check)
}

// CopyWords is CopyBytes for table elements.
//
//go:noinline
func CopyWords(dst, src []uint64, backward bool, check func() abi.TrapCode) abi.TrapCode {
	return copyChunks(dst, src, backward, wordsPerChunk, check)
}

func copyChunks[E byte | uint64](dst, src []E, backward bool, chunk int, check func() abi.TrapCode) abi.TrapCode {
	n := min(len(dst), len(src))
	if backward {
		for ; n > chunk; n -= chunk {
			copy(dst[n-chunk:n], src[n-chunk:n])
			if tc := check(); tc != abi.TrapNone {
				return tc
			}
		}
		copy(dst[:n], src[:n])
		return abi.TrapNone
	}
	for n > chunk {
		copy(dst[:chunk], src[:chunk])
		dst, src, n = dst[chunk:], src[chunk:], n-chunk
		if tc := check(); tc != abi.TrapNone {
			return tc
		}
	}
	copy(dst[:n], src[:n])
	return abi.TrapNone
}

// FillBytes sets every byte of b to v.
//
//go:noinline
func FillBytes(b []byte, v byte, check func() abi.TrapCode) abi.TrapCode {
	if v == 0 {
		return clearChunks(b, BulkChunk, check)
	}
	first := b[:min(len(b), BulkChunk)]
	if len(first) > 0 {
		first[0] = v
		for k := 1; k < len(first); k *= 2 {
			copy(first[k:], first[:k])
		}
	}
	return repeatChunk(b[len(first):], first, check)
}

// FillWords sets every element of w to v.
//
//go:noinline
func FillWords(w []uint64, v uint64, check func() abi.TrapCode) abi.TrapCode {
	if v == 0 {
		return clearChunks(w, wordsPerChunk, check)
	}
	first := w[:min(len(w), wordsPerChunk)]
	for i := range first {
		first[i] = v
	}
	return repeatChunk(w[len(first):], first, check)
}

// FillPattern fills b with copies of its first size bytes (an array
// element: size divides BulkChunk), a chunk at a time like FillBytes.
//
//go:noinline
func FillPattern(b []byte, size int, check func() abi.TrapCode) abi.TrapCode {
	first := b[:min(len(b), BulkChunk)]
	for k := size; k < len(first); k *= 2 {
		copy(first[k:], first[:k])
	}
	return repeatChunk(b[len(first):], first, check)
}

// PutWords stores words into b (8 bytes each, little-endian; b holds
// them all), a chunk at a time: an array.init_elem or array.new_elem of
// millions of references.
//
//go:noinline
func PutWords(b []byte, words []uint64, check func() abi.TrapCode) abi.TrapCode {
	for lo := 0; lo < len(words); lo += wordsPerChunk {
		if lo > 0 {
			if tc := check(); tc != abi.TrapNone {
				return tc
			}
		}
		for i, w := range words[lo:min(len(words), lo+wordsPerChunk)] {
			binary.LittleEndian.PutUint64(b[(lo+i)*8:], w)
		}
	}
	return abi.TrapNone
}

// repeatChunk fills rest with copies of first, checking before each.
func repeatChunk[E byte | uint64](rest, first []E, check func() abi.TrapCode) abi.TrapCode {
	for len(rest) > 0 {
		if tc := check(); tc != abi.TrapNone {
			return tc
		}
		rest = rest[copy(rest, first):]
	}
	return abi.TrapNone
}

// clearChunks zeroes s a chunk at a time (memclr beats copying zeroes).
func clearChunks[E byte | uint64](s []E, chunk int, check func() abi.TrapCode) abi.TrapCode {
	for len(s) > chunk {
		clear(s[:chunk])
		s = s[chunk:]
		if tc := check(); tc != abi.TrapNone {
			return tc
		}
	}
	clear(s)
	return abi.TrapNone
}
