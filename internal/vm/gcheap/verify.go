package gcheap

import (
	"encoding/binary"
	"fmt"
	"sync/atomic"

	"github.com/moat-run/moat/internal/wasm"
)

var (
	verifyAfterCollect atomic.Bool
	verifyFailures     atomic.Int64
	lastVerifyError    atomic.Value // error
)

// SetVerify turns heap verification after every collection on or off for
// every heap of the process (tests and fuzzing turn it on; the build tag
// moat_gcverify turns it on from the start).
func SetVerify(on bool) { verifyAfterCollect.Store(on) }

// VerifyFailures counts the verifications that failed since the process
// started, and returns the last failure.
func VerifyFailures() (int64, error) {
	err, _ := lastVerifyError.Load().(error)
	return verifyFailures.Load(), err
}

func (h *Heap) verifyAfterCollection() {
	if err := h.verify(true); err != nil {
		verifyFailures.Add(1)
		lastVerifyError.Store(err)
	}
}

// Verify checks the heap's integrity: every object has a registered type
// and lies in one block (small) or its own run of blocks (large), objects
// do not overlap, every reference field holds null, an i31, a live extern
// entry or the start of an object, and free blocks hold no object.
func (h *Heap) Verify() error { return h.verify(false) }

// verify is Verify; afterGC adds that every object's lines are marked
// occupied (true only right after a collection).
func (h *Heap) verify(afterGC bool) error {
	size := uint64(h.nblocks) * BlockSize
	checkRef := func(o, at uint64) error {
		w := binary.LittleEndian.Uint64(h.mem[at:])
		switch {
		case w == 0 || IsI31(w):
		case IsExtern(w):
			if _, ok := h.Extern(w); !ok {
				return fmt.Errorf("object %#x: field at %#x names extern entry %d, which is free", o, at, w>>2)
			}
		case IsObject(w):
			if w >= size || !h.startBit(w) {
				return fmt.Errorf("object %#x: field at %#x refers to %#x, where no object starts", o, at, w)
			}
		default:
			return fmt.Errorf("object %#x: field at %#x holds %#x, not a reference", o, at, w)
		}
		return nil
	}
	checkObject := func(o, limit uint64) (uint64, error) {
		hdr := binary.LittleEndian.Uint64(h.mem[o:])
		id := uint32(hdr)
		if id == 0 || int(id) >= len(h.types.infos) {
			return 0, fmt.Errorf("object %#x: bad type id %d", o, id)
		}
		ti := &h.types.infos[id]
		s := h.objectSize(hdr)
		if o+s > limit {
			return 0, fmt.Errorf("object %#x of %d bytes passes %#x", o, s, limit)
		}
		if ti.Kind == wasm.CompStruct {
			for _, ro := range ti.RefOffsets {
				if err := checkRef(o, o+uint64(ro)); err != nil {
					return 0, err
				}
			}
		} else if ti.ElemRef {
			for p := o + HeaderSize; p < o+s; p += 8 {
				if err := checkRef(o, p); err != nil {
					return 0, err
				}
			}
		}
		if afterGC && s <= MaxSmall {
			for l := o / LineSize; l <= (o+s-1)/LineSize; l++ {
				if h.lines[l] == 0 {
					return 0, fmt.Errorf("object %#x: line %d is not marked occupied", o, l)
				}
			}
		}
		return s, nil
	}
	for b := uint32(0); b < h.nblocks; b++ {
		base := uint64(b) * BlockSize
		bs := b * bitmapWordsPerBlock
		switch h.state[b] {
		case blockFree, blockLargeTail:
			for _, w := range h.starts[bs : bs+bitmapWordsPerBlock] {
				if w != 0 {
					return fmt.Errorf("block %d (state %d) has object starts", b, h.state[b])
				}
			}
			if err := h.verifyUnmarked(b, 0); err != nil {
				return err
			}
		case blockSmall:
			next := base
			for o := base; o < base+BlockSize; o += 8 {
				if !h.startBit(o) {
					continue
				}
				if o < next {
					return fmt.Errorf("object %#x overlaps the object before it (which ends at %#x)", o, next)
				}
				s, err := checkObject(o, base+BlockSize)
				if err != nil {
					return err
				}
				if s > MaxSmall {
					return fmt.Errorf("object %#x of %d bytes is in a small block", o, s)
				}
				next = o + s
			}
		case blockLarge:
			if !h.startBit(base) {
				return fmt.Errorf("large block %d has no object", b)
			}
			end := base + BlockSize
			for t := b + 1; t < h.nblocks && h.state[t] == blockLargeTail; t++ {
				end += BlockSize
			}
			s, err := checkObject(base, end)
			if err != nil {
				return err
			}
			if (s+BlockSize-1)/BlockSize != (end-base)/BlockSize {
				return fmt.Errorf("large object %#x of %d bytes spans %d bytes of blocks", base, s, end-base)
			}
			for o := base + 8; o < base+BlockSize; o += 8 {
				if h.startBit(o) {
					return fmt.Errorf("large block %d has a second object start at %#x", b, o)
				}
			}
			if err := h.verifyUnmarked(b, 1); err != nil {
				return err
			}
		default:
			return fmt.Errorf("block %d has bad state %d", b, h.state[b])
		}
	}
	for _, i := range h.freeExtIx {
		if int(i) >= len(h.externs) || h.externs[i].used {
			return fmt.Errorf("extern entry %d is both free and used", i)
		}
	}
	return nil
}

// verifyUnmarked checks that block b, which holds no small object, has no
// occupied line and no mark past its first from words: Collect clears
// lines and marks only where small objects and large objects' first words
// are (clearMarks).
func (h *Heap) verifyUnmarked(b uint32, from uint32) error {
	if b == 0 {
		return nil
	}
	for _, l := range h.lines[b*linesPerBlock : (b+1)*linesPerBlock] {
		if l != 0 {
			return fmt.Errorf("block %d (state %d) has occupied lines", b, h.state[b])
		}
	}
	bs := b * bitmapWordsPerBlock
	for _, w := range h.marks[bs+from : bs+bitmapWordsPerBlock] {
		if w != 0 {
			return fmt.Errorf("block %d (state %d) has marks", b, h.state[b])
		}
	}
	return nil
}
