package gcheap

import (
	"bytes"
	"testing"
)

// TestClearChunked: a large clear yields between its chunks (memclr cannot
// be preempted) and zeroes every byte; without Yield it is one clear.
func TestClearChunked(t *testing.T) {
	for _, c := range []struct {
		size, yields int
	}{
		{0, 0}, {clearChunk, 0}, {clearChunk + 1, 1}, {4*clearChunk + 7, 4},
	} {
		b := bytes.Repeat([]byte{0xAA}, c.size)
		h := New(BlockSize)
		yields := 0
		h.Yield = func() bool { yields++; return false }
		done := h.clearChunked(b)
		if zero := bytes.Count(b, []byte{0}); !done || yields != c.yields || zero != c.size {
			t.Errorf("%d bytes: %d yields (want %d), %d bytes zeroed", c.size, yields, c.yields, zero)
		}
	}
}
