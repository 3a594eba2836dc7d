package wasip1

// The standard descriptors' nodes are their streams themselves: fd 0 an
// inStream (so that a read that waits honours the call's context), fds 1
// and 2 an outStream each, or one for both when they write to one writer.

func (s *inStream) filetype() Filetype { return FiletypeCharacterDevice }

func (s *inStream) stat() (Filestat, Errno) {
	return Filestat{Filetype: FiletypeCharacterDevice}, ESUCCESS
}

func (s *inStream) pollReady(write bool) (bool, uint64) {
	if write {
		return true, 0 // fd_write fails at once (EBADF)
	}
	return s.readReady()
}

func (s *outStream) filetype() Filetype { return FiletypeCharacterDevice }

func (s *outStream) stat() (Filestat, Errno) {
	return Filestat{Filetype: FiletypeCharacterDevice}, ESUCCESS
}

func (s *outStream) sync(bool) Errno { return ESUCCESS }

func (s *outStream) pollReady(write bool) (bool, uint64) {
	if !write {
		return true, 0 // fd_read fails at once (EBADF)
	}
	return s.writeReady(), 0
}

// Compile-time checks: the streams are nodes.
var (
	_ node = (*inStream)(nil)
	_ node = (*outStream)(nil)
)
