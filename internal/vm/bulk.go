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
// these helpers do them in chunks of at most BulkChunk bytes, sized by
// time (bulk_pace.go), and call check between two chunks; check yields
// when the runtime or the time slice asks (Pacer.Checkpoint) and stops the
// operation with a trap code when the run is interrupted. Bounds are the
// caller's to check, for the whole range and before the first chunk (the
// spec's trap order: nothing is written when any of it is out of bounds);
// an interruption may stop an operation part way.

// BulkChunk is the most bytes a bulk operation moves between two checks
// (8-byte table elements count 8 bytes each): about 10-30 µs of memmove
// over memory already touched.
const BulkChunk = abi.BulkChunk

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
	return copyChunks(dst, src, backward, 1, check)
}

// CopyWords is CopyBytes for table elements.
//
//go:noinline
func CopyWords(dst, src []uint64, backward bool, check func() abi.TrapCode) abi.TrapCode {
	return copyChunks(dst, src, backward, 8, check)
}

// copyChunks copies src to dst, elements of elem bytes.
func copyChunks[E byte | uint64](dst, src []E, backward bool, elem int, check func() abi.TrapCode) abi.TrapCode {
	n := min(len(dst), len(src))
	if n*elem <= firstChunk {
		copy(dst[:n], src[:n])
		return abi.TrapNone
	}
	pace := newChunkPace()
	for {
		k := pace.begin(n, elem)
		if backward {
			copy(dst[n-k:n], src[n-k:n])
		} else {
			copy(dst[:k], src[:k])
			dst, src = dst[k:], src[k:]
		}
		if n -= k; n == 0 {
			return abi.TrapNone
		}
		pace.end()
		if tc := check(); tc != abi.TrapNone {
			return tc
		}
	}
}

// FillBytes sets every byte of b to v.
//
//go:noinline
func FillBytes(b []byte, v byte, check func() abi.TrapCode) abi.TrapCode {
	if v == 0 {
		return clearChunks(b, 1, check)
	}
	pace := newChunkPace()
	first := b[:pace.begin(len(b), 1)]
	if len(first) > 0 {
		first[0] = v
		for k := 1; k < len(first); k *= 2 {
			copy(first[k:], first[:k])
		}
	}
	return repeatChunk(b[len(first):], first, 1, &pace, check)
}

// FillWords sets every element of w to v.
//
//go:noinline
func FillWords(w []uint64, v uint64, check func() abi.TrapCode) abi.TrapCode {
	if v == 0 {
		return clearChunks(w, 8, check)
	}
	pace := newChunkPace()
	first := w[:pace.begin(len(w), 8)]
	for i := range first {
		first[i] = v
	}
	return repeatChunk(w[len(first):], first, 8, &pace, check)
}

// FillPattern fills b with copies of its first size bytes (an array
// element: size divides chunkGrain), a chunk at a time like FillBytes.
//
//go:noinline
func FillPattern(b []byte, size int, check func() abi.TrapCode) abi.TrapCode {
	pace := newChunkPace()
	first := b[:pace.begin(len(b), 1)]
	for k := size; k < len(first); k *= 2 {
		copy(first[k:], first[:k])
	}
	return repeatChunk(b[len(first):], first, 1, &pace, check)
}

// PutWords stores words into b (8 bytes each, little-endian; b holds
// them all), a chunk at a time: an array.init_elem or array.new_elem of
// millions of references.
//
//go:noinline
func PutWords(b []byte, words []uint64, check func() abi.TrapCode) abi.TrapCode {
	pace := newChunkPace()
	for lo := 0; lo < len(words); {
		if lo > 0 {
			pace.end()
			if tc := check(); tc != abi.TrapNone {
				return tc
			}
		}
		hi := lo + pace.begin(len(words)-lo, 8)
		for i, w := range words[lo:hi] {
			binary.LittleEndian.PutUint64(b[(lo+i)*8:], w)
		}
		lo = hi
	}
	return abi.TrapNone
}

// repeatChunk fills rest with copies of first (the operation's first
// chunk, just done under pace), a chunk at a time, checking before each.
// A chunk is a multiple of chunkGrain bytes (or the last), and first a
// multiple of the pattern (or the whole operation), so every copy of
// first starts on a copy of the pattern.
func repeatChunk[E byte | uint64](rest, first []E, elem int, pace *chunkPace, check func() abi.TrapCode) abi.TrapCode {
	for len(rest) > 0 {
		pace.end()
		if tc := check(); tc != abi.TrapNone {
			return tc
		}
		chunk := rest[:pace.begin(len(rest), elem)]
		for done := 0; done < len(chunk); {
			done += copy(chunk[done:], first)
		}
		rest = rest[len(chunk):]
	}
	return abi.TrapNone
}

// clearChunks zeroes s, elements of elem bytes, a chunk at a time (memclr
// beats copying zeroes).
func clearChunks[E byte | uint64](s []E, elem int, check func() abi.TrapCode) abi.TrapCode {
	if len(s)*elem <= firstChunk {
		clear(s)
		return abi.TrapNone
	}
	pace := newChunkPace()
	for {
		k := pace.begin(len(s), elem)
		clear(s[:k])
		if s = s[k:]; len(s) == 0 {
			return abi.TrapNone
		}
		pace.end()
		if tc := check(); tc != abi.TrapNone {
			return tc
		}
	}
}
