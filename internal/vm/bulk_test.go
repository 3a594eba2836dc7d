package vm

import (
	"bytes"
	"slices"
	"testing"

	"github.com/moat-run/moat/internal/abi"
)

// TestBulkChunks: the chunked copies and fills give what a single copy or
// fill gives, overlapping copies included, and check once between every two
// chunks; a check that reports a trap stops the operation there.
func TestBulkChunks(t *testing.T) {
	const C = BulkChunk
	lengths := []int{0, 1, C - 1, C, C + 1, 2 * C, 3*C + 17}
	checks := 0
	count := func() abi.TrapCode { checks++; return abi.TrapNone }
	wantChecks := func(n, chunk int) int { return max((n+chunk-1)/chunk-1, 0) }
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
				if checks != wantChecks(n, C) {
					t.Errorf("CopyBytes n=%d: %d checks, want %d", n, checks, wantChecks(n, C))
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
				if checks != wantChecks(m, C/8) {
					t.Errorf("CopyWords m=%d: %d checks, want %d", m, checks, wantChecks(m, C/8))
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
			if checks != wantChecks(n, C) {
				t.Errorf("FillBytes n=%d: %d checks, want %d", n, checks, wantChecks(n, C))
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
			if checks != wantChecks(n, C/8) {
				t.Errorf("FillWords n=%d: %d checks, want %d", n, checks, wantChecks(n, C/8))
			}
		}
	}

	// A check that fails stops the operation after the chunks done so far.
	buf := make([]byte, 3*C)
	stop := func() abi.TrapCode { return abi.TrapInterrupted }
	if tc := FillBytes(buf, 9, stop); tc != abi.TrapInterrupted {
		t.Fatalf("FillBytes with a failing check: %v", tc)
	}
	if buf[C-1] != 9 || buf[C] != 0 {
		t.Errorf("FillBytes went on past a failing check")
	}
	src := bytes.Repeat([]byte{3}, 3*C)
	clear(buf)
	if tc := CopyBytes(buf, src, true, stop); tc != abi.TrapInterrupted || buf[3*C-1] != 3 || buf[2*C-1] != 0 {
		t.Errorf("backward CopyBytes with a failing check: %v, did not stop after the top chunk", tc)
	}
}

// TestFillPattern: every element of a fill gets the first element's bytes,
// across chunk boundaries and with a last element that ends mid-chunk,
// and an interruption between chunks stops it.
func TestFillPattern(t *testing.T) {
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
			if want := (n*size - 1) / BulkChunk; checks != want {
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
