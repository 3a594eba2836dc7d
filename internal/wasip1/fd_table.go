package wasip1

// entry returns the open descriptor fd, or EBADF.
func (s *System) entry(fd uint32) (*fdEntry, Errno) {
	if uint64(fd) >= uint64(len(s.fds)) || s.fds[fd] == nil {
		return nil, EBADF
	}
	return s.fds[fd], ESUCCESS
}

// entryWith returns fd if it holds every one of rights, else ENOTCAPABLE.
func (s *System) entryWith(fd uint32, rights Rights) (*fdEntry, Errno) {
	e, errno := s.entry(fd)
	if errno != ESUCCESS {
		return nil, errno
	}
	if e.base&rights != rights {
		return nil, ENOTCAPABLE
	}
	return e, ESUCCESS
}

// preopenEntry returns fd if it is a preopened directory, else EBADF.
func (s *System) preopenEntry(fd uint32) (*fdEntry, Errno) {
	e, errno := s.entry(fd)
	if errno == ESUCCESS && !e.isPreopen {
		return nil, EBADF
	}
	return e, errno
}

// add puts e in the lowest free slot and returns its number.
func (s *System) add(e *fdEntry) (uint32, Errno) {
	for i, slot := range s.fds {
		if slot == nil {
			s.fds[i] = e
			return uint32(i), ESUCCESS
		}
	}
	if len(s.fds) >= maxFds {
		return 0, EMFILE
	}
	s.fds = append(s.fds, e)
	return uint32(len(s.fds) - 1), ESUCCESS
}
