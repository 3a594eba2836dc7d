package vm

import (
	"bytes"
	"encoding/binary"
	"slices"
	"testing"
	"time"

	"github.com/moat-run/moat/internal/abi"
)

// fakeChunkClock makes every chunk of a bulk operation take took
// nanoseconds by chunkClock, until the test ends.
func fakeChunkClock(t *testing.T, took int64) {
	var now int64
	chunkClock = func() int64 { now += took; return now - took }
	t.Cleanup(func() { chunkClock = nanotime })
}

// chunksOf is how many chunks an operation of n elements of elem bytes
// takes when every chunk takes took (fakeChunkClock).
func chunksOf(n, elem int, took int64) int {
	if n == 0 {
		return 1
	}
	chunks, bytes := 0, firstChunk
	for left := n; left > 0; chunks++ {
		left -= min(left, bytes/elem)
		bytes = nextChunk(bytes, took)
	}
	return chunks
}

// TestNextChunk: a chunk's successor is sized for chunkTime at the pace
// measured, growing at most chunkGrowth times, within chunkGrain and
// BulkChunk, in whole grains.
func TestNextChunk(t *testing.T) {
	us := int64(time.Microsecond)
	for _, c := range []struct {
		bytes int
		took  int64
		want  int
	}{
		{firstChunk, 0, 4 * firstChunk},                               // unmeasurably fast: grows
		{firstChunk, 1 * us, 4 * firstChunk},                          // fast: grows by chunkGrowth at most
		{128 << 10, 1 * us, BulkChunk},                                // never past BulkChunk
		{BulkChunk, 25 * us, BulkChunk},                               // on pace
		{BulkChunk, 50 * us, BulkChunk / 2},                           // twice too slow
		{BulkChunk, 250 * us, 24 << 10},                               // fresh pages: ten times too slow, rounded down to a grain
		{BulkChunk, 100 * time.Millisecond.Nanoseconds(), chunkGrain}, // never below a grain
		{chunkGrain, 1 << 40, chunkGrain},
	} {
		if got := nextChunk(c.bytes, c.took); got != c.want {
			t.Errorf("nextChunk(%d, %v) = %d, want %d", c.bytes, time.Duration(c.took), got, c.want)
		}
	}
}

// TestBulkChunks: the chunked copies and fills give what a single copy or
// fill gives, overlapping copies included, and check once between every two
// chunks, whether the chunks are fast (and grow to BulkChunk) or slow (and
// shrink to chunkGrain); a check that reports a trap stops the operation
// there.
func TestBulkChunks(t *testing.T) {
	for _, took := range []int64{0, int64(chunkTime), int64(time.Millisecond)} {
		t.Run(time.Duration(took).String(), func(t *testing.T) {
			fakeChunkClock(t, took)
			testBulkChunks(t, took)
		})
	}
}

func testBulkChunks(t *testing.T, took int64) {
	const C = BulkChunk
	lengths := []int{0, 1, firstChunk - 1, firstChunk, firstChunk + 1, C - 1, C, C + 1, 2 * C, 3*C + 17}
	checks := 0
	count := func() abi.TrapCode { checks++; return abi.TrapNone }
	wantChecks := func(n, elem int) int { return chunksOf(n, elem, took) - 1 }
	for _, n := range lengths {
		for _, shift := range []int{0, 1, 7, C / 3, C, C + 5} {
			for _, up := range []bool{true, false} {
				// Copy n bytes within one buffer, the destination shift
				// bytes above (up) or below the source.
				buf := make([]byte, n+shift)
				for i := range buf {
					buf[i] = byte(i*13 + i>>9)
				}
				want := slices.Clone(buf)
				d, s := shift, 0
				if !up {
					d, s = 0, shift
				}
				copy(want[d:d+n], want[s:s+n])
				checks = 0
				if tc := CopyBytes(buf[d:d+n], buf[s:s+n], d > s, count); tc != abi.TrapNone || !bytes.Equal(buf, want) {
					t.Fatalf("CopyBytes n=%d d=%d s=%d: %v, contents differ: %v", n, d, s, tc, !bytes.Equal(buf, want))
				}
				if checks != wantChecks(n, 1) {
					t.Errorf("CopyBytes n=%d: %d checks, want %d", n, checks, wantChecks(n, 1))
				}
				words := make([]uint64, n/4+shift)
				for i := range words {
					words[i] = uint64(i) * 0x9e3779b97f4a7c15
				}
				m := n / 4
				wantW := slices.Clone(words)
				dw, sw := min(d, len(words)-m), min(s, len(words)-m)
				copy(wantW[dw:dw+m], wantW[sw:sw+m])
				checks = 0
				if tc := CopyWords(words[dw:dw+m], words[sw:sw+m], dw > sw, count); tc != abi.TrapNone || !slices.Equal(words, wantW) {
					t.Fatalf("CopyWords m=%d d=%d s=%d: %v, contents differ", m, dw, sw, tc)
				}
				if checks != wantChecks(m, 8) {
					t.Errorf("CopyWords m=%d: %d checks, want %d", m, checks, wantChecks(m, 8))
				}
			}
		}
		for _, v := range []byte{0, 0xa5} {
			buf := bytes.Repeat([]byte{1}, n+2)
			checks = 0
			if tc := FillBytes(buf[1:n+1], v, count); tc != abi.TrapNone {
				t.Fatal(tc)
			}
			if buf[0] != 1 || buf[n+1] != 1 || !bytes.Equal(buf[1:n+1], bytes.Repeat([]byte{v}, n)) {
				t.Fatalf("FillBytes n=%d v=%d: wrong contents", n, v)
			}
			if checks != wantChecks(n, 1) {
				t.Errorf("FillBytes n=%d: %d checks, want %d", n, checks, wantChecks(n, 1))
			}
			words := make([]uint64, n+2)
			checks = 0
			if tc := FillWords(words[1:n+1], uint64(v)<<40|7, count); tc != abi.TrapNone {
				t.Fatal(tc)
			}
			for i, w := range words {
				if want := uint64(v)<<40 | 7; (i == 0 || i == n+1) && w != 0 || i > 0 && i <= n && w != want {
					t.Fatalf("FillWords n=%d: word %d is %#x", n, i, w)
				}
			}
			if checks != wantChecks(n, 8) {
				t.Errorf("FillWords n=%d: %d checks, want %d", n, checks, wantChecks(n, 8))
			}
		}
	}

	// A check that fails stops the operation after the chunks done so far.
	buf := make([]byte, 3*C)
	stop := func() abi.TrapCode { return abi.TrapInterrupted }
	if tc := FillBytes(buf, 9, stop); tc != abi.TrapInterrupted {
		t.Fatalf("FillBytes with a failing check: %v", tc)
	}
	if buf[firstChunk-1] != 9 || buf[firstChunk] != 0 {
		t.Errorf("FillBytes went on past a failing check")
	}
	src := bytes.Repeat([]byte{3}, 3*C)
	clear(buf)
	if tc := CopyBytes(buf, src, true, stop); tc != abi.TrapInterrupted || buf[3*C-firstChunk] != 3 || buf[3*C-firstChunk-1] != 0 {
		t.Errorf("backward CopyBytes with a failing check: %v, did not stop after the top chunk", tc)
	}
}

// TestFillPattern: every element of a fill gets the first element's bytes,
// across chunk boundaries and with a last element that ends mid-chunk,
// and an interruption between chunks stops it.
func TestFillPattern(t *testing.T) {
	for _, took := range []int64{0, int64(time.Millisecond)} {
		t.Run(time.Duration(took).String(), func(t *testing.T) {
			fakeChunkClock(t, took)
			testFillPattern(t, took)
		})
	}
}

func testFillPattern(t *testing.T, took int64) {
	for _, size := range []int{1, 2, 4, 8, 16} {
		for _, n := range []int{1, 3, BulkChunk / size, 3*BulkChunk/size + 5} {
			b := make([]byte, n*size+7)
			for i := range size {
				b[i] = byte(0x10 + i)
			}
			checks := 0
			if tc := FillPattern(b[:n*size], size, func() abi.TrapCode { checks++; return abi.TrapNone }); tc != abi.TrapNone {
				t.Fatalf("size %d, %d elements: %v", size, n, tc)
			}
			for i := range n * size {
				if want := byte(0x10 + i%size); b[i] != want {
					t.Fatalf("size %d, %d elements: byte %d is %#x, want %#x", size, n, i, b[i], want)
				}
			}
			for i := n * size; i < len(b); i++ {
				if b[i] != 0 {
					t.Fatalf("size %d, %d elements: byte %d past the fill was written", size, n, i)
				}
			}
			if want := chunksOf(n*size, 1, took) - 1; checks != want {
				t.Errorf("size %d, %d elements: %d checks, want %d", size, n, checks, want)
			}
		}
	}
	b := make([]byte, 4*BulkChunk)
	copy(b, "pattern!")
	if tc := FillPattern(b, 8, func() abi.TrapCode { return abi.TrapInterrupted }); tc != abi.TrapInterrupted {
		t.Errorf("an interrupted fill returned %v", tc)
	}
	if b[len(b)-1] != 0 {
		t.Error("an interrupted fill went on to the end")
	}
}

// TestPutWords: every word lands little-endian in its place across chunk
// boundaries, with a check between every two chunks, fast or slow, and an
// interruption stops it.
func TestPutWords(t *testing.T) {
	for _, took := range []int64{0, int64(time.Millisecond)} {
		fakeChunkClock(t, took)
		for _, n := range []int{0, 1, firstChunk/8 + 1, 3*BulkChunk/8 + 5} {
			words := make([]uint64, n)
			for i := range words {
				words[i] = uint64(i) * 0x9e3779b97f4a7c15
			}
			b := make([]byte, n*8+8)
			checks := 0
			if tc := PutWords(b[:n*8], words, func() abi.TrapCode { checks++; return abi.TrapNone }); tc != abi.TrapNone {
				t.Fatalf("%d words: %v", n, tc)
			}
			for i, w := range words {
				if got := binary.LittleEndian.Uint64(b[i*8:]); got != w {
					t.Fatalf("%d words: word %d is %#x, want %#x", n, i, got, w)
				}
			}
			if want := chunksOf(n, 8, took) - 1; checks != want {
				t.Errorf("%d words, chunks of %v: %d checks, want %d", n, time.Duration(took), checks, want)
			}
			if binary.LittleEndian.Uint64(b[n*8:]) != 0 {
				t.Fatalf("%d words: written past the end", n)
			}
		}
	}
	b := make([]byte, 2*BulkChunk)
	if tc := PutWords(b, make([]uint64, len(b)/8), func() abi.TrapCode { return abi.TrapInterrupted }); tc != abi.TrapInterrupted {
		t.Errorf("an interrupted PutWords returned %v", tc)
	}
}
