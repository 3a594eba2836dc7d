package wasip1

import (
	"encoding/binary"
)

// guest is the calling instance's memory during a call: its bytes, in
// place (nil: it has none). Every access is bounds-checked and a bad
// pointer/length pair yields EFAULT; no method panics.
type guest struct{ mem *[]byte }

func (g guest) bytes(ptr, n uint32) ([]byte, Errno) {
	if g.mem == nil {
		return nil, EFAULT
	}
	b := *g.mem
	end := uint64(ptr) + uint64(n)
	if end > uint64(len(b)) {
		return nil, EFAULT
	}
	return b[ptr:end:end], ESUCCESS
}

func (g guest) u32(ptr uint32) (uint32, Errno) {
	b, e := g.bytes(ptr, 4)
	if e != ESUCCESS {
		return 0, e
	}
	return binary.LittleEndian.Uint32(b), ESUCCESS
}

func (g guest) u64(ptr uint32) (uint64, Errno) {
	b, e := g.bytes(ptr, 8)
	if e != ESUCCESS {
		return 0, e
	}
	return binary.LittleEndian.Uint64(b), ESUCCESS
}

func (g guest) putU32(ptr, v uint32) Errno {
	b, e := g.bytes(ptr, 4)
	if e != ESUCCESS {
		return e
	}
	binary.LittleEndian.PutUint32(b, v)
	return ESUCCESS
}

func (g guest) putU64(ptr uint32, v uint64) Errno {
	b, e := g.bytes(ptr, 8)
	if e != ESUCCESS {
		return e
	}
	binary.LittleEndian.PutUint64(b, v)
	return ESUCCESS
}

// str reads a guest string (a path, usually). Paths longer than maxPath are
// refused before anything is copied.
func (g guest) str(ptr, n uint32) (string, Errno) {
	if n > maxPath {
		return "", ENAMETOOLONG
	}
	b, e := g.bytes(ptr, n)
	if e != ESUCCESS {
		return "", e
	}
	return string(b), ESUCCESS
}

// maxPath bounds a guest path, like the host's PATH_MAX.
const maxPath = 4096

// iovecs returns the guest buffers an iovec array names, checking every
// entry before anything is read or written. n is bounded by what fits in
// memory (8 bytes per entry), and the slices alias guest memory. They are
// put in room when it has space for them.
func (g guest) iovecs(ptr, n uint32, room [][]byte) ([][]byte, Errno) {
	if n > maxIovecs {
		return nil, EINVAL
	}
	arr, e := g.bytes(ptr, n*8)
	if e != ESUCCESS {
		return nil, e
	}
	out := room[:0]
	if cap(out) < int(n) {
		out = make([][]byte, n)
	}
	out = out[:n]
	for i := range out {
		p := binary.LittleEndian.Uint32(arr[i*8:])
		l := binary.LittleEndian.Uint32(arr[i*8+4:])
		if out[i], e = g.bytes(p, l); e != ESUCCESS {
			return nil, e
		}
	}
	return out, ESUCCESS
}

// maxIovecs is IOV_MAX on Linux: more entries than this is EINVAL.
const maxIovecs = 1024
