package wasip1

// args_get, args_sizes_get, environ_get, environ_sizes_get: the guest reads
// a list of NUL-terminated strings into a pointer array and a buffer.

func argsGet(c call, p []uint64) Errno    { return putStrings(c.mem, c.s.args(), u32(p[0]), u32(p[1])) }
func environGet(c call, p []uint64) Errno { return putStrings(c.mem, c.s.env(), u32(p[0]), u32(p[1])) }
func argsSizesGet(c call, p []uint64) Errno {
	return putSizes(c.mem, c.s.args(), u32(p[0]), u32(p[1]))
}
func environSizesGet(c call, p []uint64) Errno {
	return putSizes(c.mem, c.s.env(), u32(p[0]), u32(p[1]))
}

// bufSize is the buffer the strings need, NULs included.
func bufSize(list []string) uint64 {
	var n uint64
	for _, s := range list {
		n += uint64(len(s)) + 1
	}
	return n
}

func putSizes(g guest, list []string, countPtr, sizePtr uint32) Errno {
	size := bufSize(list)
	if uint64(len(list)) > 1<<32-1 || size > 1<<32-1 {
		return EOVERFLOW
	}
	if e := g.putU32(countPtr, uint32(len(list))); e != ESUCCESS {
		return e
	}
	return g.putU32(sizePtr, uint32(size))
}

// putStrings checks both destinations whole before writing anything.
func putStrings(g guest, list []string, ptrs, buf uint32) Errno {
	size := bufSize(list)
	if size > 1<<32-1 || uint64(len(list))*4 > 1<<32-1 {
		return EOVERFLOW
	}
	ptrArea, e := g.bytes(ptrs, uint32(len(list))*4)
	if e != ESUCCESS {
		return e
	}
	bufArea, e := g.bytes(buf, uint32(size))
	if e != ESUCCESS {
		return e
	}
	off := uint32(0)
	for i, s := range list {
		at := buf + off
		ptrArea[i*4] = byte(at)
		ptrArea[i*4+1] = byte(at >> 8)
		ptrArea[i*4+2] = byte(at >> 16)
		ptrArea[i*4+3] = byte(at >> 24)
		copy(bufArea[off:], s)
		bufArea[off+uint32(len(s))] = 0
		off += uint32(len(s)) + 1
	}
	return ESUCCESS
}
