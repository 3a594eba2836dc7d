package gcheap

// Reference words (see the package comment).

// IsObject reports whether w refers to an object of the heap.
func IsObject(w uint64) bool { return w != 0 && w&7 == 0 }

// IsI31 reports whether w is an i31 reference (its upper half is zero).
func IsI31(w uint64) bool { return w&1 == 1 && w>>32 == 0 }

// IsExtern reports whether w refers to a host value of the extern table.
func IsExtern(w uint64) bool { return w&3 == 2 }

// I31 returns the i31 reference of the low 31 bits of v.
func I31(v uint32) uint64 { return uint64(v<<1 | 1) }

// I31S and I31U read an i31 reference's value, sign- or zero-extended.
func I31S(w uint64) int32  { return int32(uint32(w)) >> 1 }
func I31U(w uint64) uint32 { return uint32(w) >> 1 }

// externWord is the word of extern-table entry i.
func externWord(i uint32) uint64 { return uint64(i)<<2 | 2 }

// IsLive reports whether w is a reference word that names something live
// in h now: an object that starts there, or a used extern entry. Null and
// i31 words need nothing and are not live.
func (h *Heap) IsLive(w uint64) bool {
	switch {
	case IsObject(w):
		return w < uint64(h.nblocks)*BlockSize && h.startBit(w)
	case IsExtern(w):
		_, ok := h.Extern(w)
		return ok
	}
	return false
}
