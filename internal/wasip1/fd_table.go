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

// mutable is the one place that decides whether a call may change what e
// refers to or anything beneath it. A descriptor of a read-only preopen,
// and every descriptor opened through one, may not: EPERM, the errno
// wasmtime returns for a directory without DirPerms::MUTATE or a file
// without FilePerms::WRITE. Every function that creates, removes, renames,
// links, truncates, allocates or retimes asks here, for each descriptor it
// names (both of path_link and path_rename), before it looks at rights.
// Reading and writing data are governed by rights instead: a file opened
// under a read-only preopen never has fd_write (path_open strips it).
func (e *fdEntry) mutable() Errno {
	if e.readOnly {
		return EPERM
	}
	return ESUCCESS
}

// entryMut is entryWith for a call that changes fd or the tree beneath it:
// EBADF, then EPERM under a read-only preopen (mutable), then ENOTCAPABLE.
func (s *System) entryMut(fd uint32, rights Rights) (*fdEntry, Errno) {
	e, errno := s.entry(fd)
	if errno != ESUCCESS {
		return nil, errno
	}
	if errno := e.mutable(); errno != ESUCCESS {
		return nil, errno
	}
	if e.base&rights != rights {
		return nil, ENOTCAPABLE
	}
	return e, ESUCCESS
}
