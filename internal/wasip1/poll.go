package wasip1

import (
	"encoding/binary"
	"time"
)

// poll_oneoff: clock subscriptions (relative or absolute) and fd_read /
// fd_write subscriptions. Files and directories are always ready; a stdio
// stream is ready when a read or write on it would not wait (stream.go),
// and a read subscription on one that would starts the read, so that its
// completion wakes the poll. The call returns as soon as one subscription
// is ready, and ends with the interrupted trap if its context ends first.

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
	nbytes   uint64
}

func pollOneoff(c call, p []uint64) Errno {
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
	now := c.s.monotonic()
	earliest := int64(-1)
	waitsOnStreams := false
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
			if s.errno == ESUCCESS && (earliest < 0 || s.deadline < earliest) {
				earliest = s.deadline
			}
		case EventtypeFdRead, EventtypeFdWrite:
			s.fd = binary.LittleEndian.Uint32(b[16:])
			e, errno := c.s.entry(s.fd)
			switch {
			case errno != ESUCCESS:
				s.errno = errno
			case e.base&RightPollFdReadwrite == 0 && e.typ != FiletypeRegularFile:
				s.errno = ENOTCAPABLE
			default:
				if _, ok := e.node.(pollWaiter); ok {
					waitsOnStreams = true
				}
			}
		default:
			return EINVAL
		}
	}
	// timedOut: the wait for the earliest clock ran its course. An
	// injected clock may not have moved meanwhile; that clock fires anyway.
	timedOut := false
	for {
		ready := c.s.readySubscriptions(subs, c.s.monotonic(), timedOut, earliest)
		if len(ready) > 0 {
			return c.putEvents(outBuf, subs, ready, u32(p[3]))
		}
		if c.ctx.Err() != nil {
			return errnoInterrupted
		}
		wait := time.Duration(-1) // until a stream is ready
		if earliest >= 0 {
			wait = time.Duration(earliest - c.s.monotonic())
		}
		if waitsOnStreams {
			timedOut = c.waitForStream(wait)
		} else {
			// only clocks (earliest >= 0): the injectable sleep, which honours ctx
			c.s.sleep(c.ctx, wait)
			timedOut = c.ctx.Err() == nil
		}
	}
}

// waitForStream waits until a stream pings the system's wake channel, wait
// passes (negative: no limit; reported by true) or the context ends.
func (c call) waitForStream(wait time.Duration) (timedOut bool) {
	var timeout <-chan time.Time
	if wait >= 0 {
		t := time.NewTimer(wait)
		defer t.Stop()
		timeout = t.C
	}
	select {
	case <-c.s.wakeup():
		return false
	case <-timeout:
		return true
	case <-c.ctx.Done():
		return false
	}
}

// readySubscriptions returns the indices of the subscriptions that are
// ready at now, filling in their nbytes: failed ones, expired clocks (and
// the earliest one once its wait timed out), and fd subscriptions whose
// node would not wait.
func (s *System) readySubscriptions(subs []subscription, now int64, timedOut bool, earliest int64) []int {
	var ready []int
	for i := range subs {
		sub := &subs[i]
		ok := sub.errno != ESUCCESS
		switch {
		case ok:
		case sub.tag == EventtypeClock:
			ok = sub.deadline <= now || timedOut && sub.deadline == earliest
		default:
			ok, sub.nbytes = s.fdReady(sub.fd, sub.tag == EventtypeFdWrite)
		}
		if ok {
			ready = append(ready, i)
		}
	}
	return ready
}

// fdReady reports whether a read (or write) subscription on fd is ready
// and, for a read, how many bytes a read would return when known.
func (s *System) fdReady(fd uint32, write bool) (bool, uint64) {
	e, errno := s.entry(fd)
	if errno != ESUCCESS {
		return true, 0 // closed since the poll began: the read fails at once
	}
	if w, ok := e.node.(pollWaiter); ok {
		return w.pollReady(write)
	}
	if write || e.typ != FiletypeRegularFile {
		return true, 0
	}
	return true, s.bytesAvailable(e)
}

// putEvents writes one event per ready subscription and their count.
func (c call) putEvents(outBuf []byte, subs []subscription, ready []int, countPtr uint32) Errno {
	for k, i := range ready {
		s := subs[i]
		b := outBuf[k*eventSize : (k+1)*eventSize]
		clear(b)
		binary.LittleEndian.PutUint64(b[0:], s.userdata)
		binary.LittleEndian.PutUint16(b[8:], uint16(s.errno))
		b[10] = s.tag
		if s.tag != EventtypeClock && s.errno == ESUCCESS {
			binary.LittleEndian.PutUint64(b[16:], s.nbytes)
		}
	}
	return c.mem.putU32(countPtr, uint32(len(ready)))
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

// bytesAvailable is what a read of the regular file e could return without
// blocking: its size past the current offset.
func (s *System) bytesAvailable(e *fdEntry) uint64 {
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
