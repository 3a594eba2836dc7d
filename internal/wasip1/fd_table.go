package wasip1

// The descriptor table a System sees is its Prepared's template table
// (stdio and the preopens, shared by every System attached with it) until
// the System changes it: then the System copies the table's pointers into
// its own (table), and copies an entry it changes before changing it
// (owned), so that nothing it does reaches the template or another
// System. A standard stream that keeps state of its own (ownOnUse) is
// copied by its first use (entry).

// fds is the table the System sees: its own, the template while it has
// changed nothing, nil once closed.
func (s *System) fds() []*fdEntry {
	switch {
	case s.flags&closed != 0 || s.prep == nil:
		return nil
	case s.own != nil && s.own.fds != nil:
		return s.own.fds
	}
	return s.prep.fds
}

// table returns the System's own table, copying the template's pointers
// the first time.
func (s *System) table() []*fdEntry {
	o := s.ownParts()
	if o.fds == nil {
		o.fds = append(o.room[:0], s.prep.fds...)
	}
	return o.fds
}

// set puts e (nil: none) at fd of the System's own table.
func (s *System) set(fd uint32, e *fdEntry) { s.table()[fd] = e }

// entry returns the open descriptor fd, or EBADF.
func (s *System) entry(fd uint32) (*fdEntry, Errno) {
	fds := s.fds()
	if uint64(fd) >= uint64(len(fds)) || fds[fd] == nil {
		return nil, EBADF
	}
	e := fds[fd]
	if e.ownOnUse {
		s.ownStreams()
		e = s.own.fds[fd]
	}
	return e, ESUCCESS
}

// owned returns the entry at fd (e, found by entry) as the System's own,
// to change: a template entry is copied into the System's table first.
func (s *System) owned(fd uint32, e *fdEntry) *fdEntry {
	if !e.shared {
		return e
	}
	cp := *e
	cp.shared = false
	var slot *fdEntry
	if k := s.prep.stdIndex(e); k >= 0 {
		slot = &s.ownParts().std[k]
	} else {
		slot = new(fdEntry)
		if e.dir != nil {
			d := *e.dir
			cp.dir = &d
		}
	}
	*slot = cp
	s.set(fd, slot)
	return slot
}

// ownStreams copies every template entry of a standard stream that keeps
// state of its own (a helper goroutine's transfers) into the System's
// table, with a copy of its stream: made once, at the first use of one.
func (s *System) ownStreams() {
	fds, o, p := s.table(), s.own, s.prep
	if o.helpers == nil {
		h := &stdStreams{in: p.in, out: p.out, err: p.err}
		h.in.adopt(s)
		h.out.adopt(s)
		if p.errOut == &p.err {
			h.err.adopt(s)
		}
		o.helpers = h
	}
	for fd, e := range fds {
		if e == nil || !e.ownOnUse {
			continue
		}
		k := p.stdIndex(e)
		cp := *e
		cp.shared, cp.ownOnUse = false, false
		switch e.node {
		case node(&p.in):
			cp.node = &o.helpers.in
		case node(&p.out):
			cp.node = &o.helpers.out
		case node(&p.err):
			cp.node = &o.helpers.err
		}
		o.std[k] = cp
		fds[fd] = &o.std[k]
	}
}

// stdIndex is the standard descriptor whose template entry e is, or -1.
func (p *Prepared) stdIndex(e *fdEntry) int {
	for k := range 3 {
		if e == &p.entries[k] {
			return k
		}
	}
	return -1
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
	if s.flags&closed != 0 {
		return 0, EBADF
	}
	fds := s.table()
	for i, slot := range fds {
		if slot == nil {
			fds[i] = e
			return uint32(i), ESUCCESS
		}
	}
	if len(fds) >= maxFds {
		return 0, EMFILE
	}
	s.own.fds = append(fds, e)
	return uint32(len(fds)), ESUCCESS
}

// closeNode closes e's node, unless it is its Prepared's (borrowed: a
// preopen's directory or a standard stream, which other Systems share).
func (e *fdEntry) closeNode() Errno {
	if e.borrowed {
		return ESUCCESS
	}
	return e.node.close()
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
