package wasip1

import "time"

// clock_res_get and clock_time_get. The CPU-time clocks are answered from
// the monotonic clock, as wasmtime and wazero do.

func clockResGet(c call, p []uint64) Errno {
	var res uint64
	switch u32(p[0]) {
	case ClockRealtime:
		res = 1000 // the wall clock is read with microsecond resolution at worst
	case ClockMonotonic, ClockProcessCPUTimeID, ClockThreadCPUTimeID:
		res = 1
	default:
		return EINVAL
	}
	return c.mem.putU64(u32(p[1]), res)
}

func clockTimeGet(c call, p []uint64) Errno {
	t, e := c.s.now(u32(p[0]))
	if e != ESUCCESS {
		return e
	}
	return c.mem.putU64(u32(p[2]), t)
}

// now reads clock id in nanoseconds.
func (s *System) now(id uint32) (uint64, Errno) {
	switch id {
	case ClockRealtime:
		return uint64(s.walltime().UnixNano()), ESUCCESS
	case ClockMonotonic, ClockProcessCPUTimeID, ClockThreadCPUTimeID:
		return uint64(s.monotonic()), ESUCCESS
	}
	return 0, EINVAL
}

// toTime converts a WASI timestamp to a time.Time.
func toTime(ns int64) time.Time { return time.Unix(0, ns) }
