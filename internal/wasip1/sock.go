package wasip1

// The sock_* functions. No socket can be preopened today, so every
// descriptor is either not open (EBADF) or not a socket (ENOTSOCK).

func (s *System) sockCheck(fd uint32) Errno {
	if _, e := s.entry(fd); e != ESUCCESS {
		return e
	}
	return ENOTSOCK
}

func sockAccept(c call, p []uint64) Errno   { return c.s.sockCheck(u32(p[0])) }
func sockRecv(c call, p []uint64) Errno     { return c.s.sockCheck(u32(p[0])) }
func sockSend(c call, p []uint64) Errno     { return c.s.sockCheck(u32(p[0])) }
func sockShutdown(c call, p []uint64) Errno { return c.s.sockCheck(u32(p[0])) }
