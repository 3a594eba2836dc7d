package wasip1

import "io"

// random_get fills a guest buffer from the configured source.
func randomGet(c call, p []uint64) Errno {
	b, e := c.mem.bytes(u32(p[0]), u32(p[1]))
	if e != ESUCCESS {
		return e
	}
	if _, err := io.ReadFull(c.s.random(), b); err != nil {
		return EIO
	}
	return ESUCCESS
}
