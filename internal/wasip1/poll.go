package wasip1

import (
	"encoding/binary"
	"time"
)

// poll_oneoff: clock subscriptions (relative or absolute) and fd_read /
// fd_write subscriptions. Files and output streams are always ready; stdin
// is ready when the host can tell it is (a pollable *os.File) or when it is
// any other reader (a read will not block for long, by the embedder's
// choice). Otherwise the call sleeps until the earliest clock deadline.

const (
	subscriptionSize = 48
	eventSize        = 32
	// maxSubscriptions bounds one call's work and host memory.
	maxSubscriptions = 1 << 16
)

type subscription struct {
	userdata uint64
	tag      uint8
	fd       uint32
	deadline int64 // monotonic ns, for clocks
	errno    Errno // a subscription that fails at once
}

func pollOneoff(c *call, p []uint64) Errno {
	in, out, n := u32(p[0]), u32(p[1]), u32(p[2])
	if n == 0 {
		return EINVAL
	}
	if n > maxSubscriptions {
		return ENOTSUP
	}
	inBuf, errno := c.mem.bytes(in, n*subscriptionSize)
	if errno != ESUCCESS {
		return errno
	}
	outBuf, errno := c.mem.bytes(out, n*eventSize)
	if errno != ESUCCESS {
		return errno
	}
	subs := make([]subscription, n)
	now := c.s.nanotime()
	var ready []int
	earliest := int64(-1)
	var stdinWait []int
	for i := range subs {
		b := inBuf[i*subscriptionSize:]
		s := &subs[i]
		s.userdata = binary.LittleEndian.Uint64(b[0:])
		s.tag = b[8]
		switch s.tag {
		case EventtypeClock:
			id := binary.LittleEndian.Uint32(b[16:])
			timeout := binary.LittleEndian.Uint64(b[24:])
			flags := binary.LittleEndian.Uint16(b[40:])
			s.deadline, s.errno = c.s.deadline(id, timeout, flags&SubclockAbstime != 0, now)
			if s.errno != ESUCCESS || s.deadline <= now {
				ready = append(ready, i)
			} else if earliest < 0 || s.deadline < earliest {
				earliest = s.deadline
			}
		case EventtypeFdRead, EventtypeFdWrite:
			s.fd = binary.LittleEndian.Uint32(b[16:])
			e, errno := c.s.entry(s.fd)
			switch {
			case errno != ESUCCESS:
				s.errno = errno
				ready = append(ready, i)
			case e.base&RightPollFdReadwrite == 0 && e.typ != FiletypeRegularFile:
				s.errno = ENOTCAPABLE
				ready = append(ready, i)
			case s.tag == EventtypeFdRead && waitsForInput(e):
				stdinWait = append(stdinWait, i)
			default:
				ready = append(ready, i)
			}
		default:
			return EINVAL
		}
	}
	if len(ready) == 0 && len(stdinWait) > 0 {
		// wait for stdin, at most until the earliest clock
		wait := time.Duration(-1)
		if earliest >= 0 {
			wait = time.Duration(earliest - now)
		}
		if readable(c.ctx, c.s.fds[subs[stdinWait[0]].fd], wait) {
			ready = append(ready, stdinWait...)
		}
	} else if len(ready) == 0 && earliest >= 0 {
		c.s.sleep(c.ctx, time.Duration(earliest-now))
	}
	if len(ready) == 0 {
		// the clocks that have expired by now
		now = c.s.nanotime()
		for i, s := range subs {
			if s.tag == EventtypeClock && s.deadline <= now {
				ready = append(ready, i)
			}
		}
		if len(ready) == 0 && earliest >= 0 {
			// an injected Sleep may return early: report the earliest clock
			for i, s := range subs {
				if s.tag == EventtypeClock && s.deadline == earliest {
					ready = append(ready, i)
					break
				}
			}
		}
	}
	for k, i := range ready {
		s := subs[i]
		b := outBuf[k*eventSize : (k+1)*eventSize]
		clear(b)
		binary.LittleEndian.PutUint64(b[0:], s.userdata)
		binary.LittleEndian.PutUint16(b[8:], uint16(s.errno))
		b[10] = s.tag
		if s.tag != EventtypeClock && s.errno == ESUCCESS {
			binary.LittleEndian.PutUint64(b[16:], c.s.bytesAvailable(s.fd, s.tag))
		}
	}
	return c.mem.putU32(u32(p[3]), uint32(len(ready)))
}

// deadline converts a clock subscription to a monotonic deadline.
func (s *System) deadline(id uint32, timeout uint64, abs bool, now int64) (int64, Errno) {
	if !abs {
		if timeout > 1<<62 {
			timeout = 1 << 62
		}
		return now + int64(timeout), ESUCCESS
	}
	cur, errno := s.now(id)
	if errno != ESUCCESS {
		return 0, errno
	}
	if timeout <= cur {
		return now, ESUCCESS
	}
	d := timeout - cur
	if d > 1<<62 {
		d = 1 << 62
	}
	return now + int64(d), ESUCCESS
}

// waitsForInput reports whether a read subscription on e may have to wait:
// only stdin backed by a pollable host file does.
func waitsForInput(e *fdEntry) bool {
	in, ok := e.node.(*stdinNode)
	return ok && pollableFd(in.r) >= 0
}

// bytesAvailable fills an fd event's nbytes: what a read could return
// without blocking, when known (regular files), else 0.
func (s *System) bytesAvailable(fd uint32, tag uint8) uint64 {
	e, errno := s.entry(fd)
	if errno != ESUCCESS || tag != EventtypeFdRead || e.typ != FiletypeRegularFile {
		return 0
	}
	st, errno := e.node.stat()
	if errno != ESUCCESS {
		return 0
	}
	pos, errno := e.node.seek(0, WhenceCur)
	if errno != ESUCCESS || uint64(pos) > st.Size {
		return 0
	}
	return st.Size - uint64(pos)
}
