package wasip1

import "context"

// Filestat is a file's attributes (witx "filestat"); times are ns since the
// Unix epoch.
type Filestat struct {
	Dev, Ino   uint64
	Filetype   Filetype
	Nlink      uint64
	Size       uint64
	Atim, Mtim uint64
	Ctim       uint64
}

// maxDirents bounds a directory listing held in memory.
const maxDirents = 1 << 20

// dirent is one directory entry as fd_readdir reports it.
type dirent struct {
	ino  uint64
	name string
	typ  Filetype
}

// setTimes describes a fd/path_filestat_set_times request after validation.
type setTimes struct {
	atim, mtim       int64
	setAtim, atimNow bool
	setMtim, mtimNow bool
}

// openReq is a validated path_open request.
type openReq struct {
	oflags      uint16
	fdflags     uint16
	follow      bool
	read, write bool
}

// node is what a descriptor refers to: stdio, a host file or directory, or
// a file or directory of an fs.FS. Paths given to the *At methods are
// relative to the node (a directory), already checked to be non-absolute;
// the implementation keeps every lookup beneath its preopen's root.
type node interface {
	filetype() Filetype
	read(ctx context.Context, p []byte) (int, Errno) // ctx: the call's, for reads that wait
	write(ctx context.Context, p []byte) (int, Errno)
	pread(p []byte, off int64) (int, Errno)
	pwrite(p []byte, off int64) (int, Errno)
	seek(off int64, whence uint8) (int64, Errno)
	stat() (Filestat, Errno)
	truncate(size int64) Errno
	setTimes(t setTimes) Errno
	sync(dataOnly bool) Errno
	allocate(off, n int64) Errno
	setFdflags(flags uint16) Errno // APPEND and NONBLOCK changed by fd_fdstat_set_flags
	readdir() ([]dirent, Errno)
	close() Errno

	openAt(path string, r openReq) (node, Errno)
	mkdirAt(path string) Errno
	rmdirAt(path string) Errno
	unlinkAt(path string) Errno
	renameAt(oldPath string, newDir node, newPath string) Errno
	linkAt(oldPath string, follow bool, newDir node, newPath string) Errno
	symlinkAt(target, path string) Errno
	readlinkAt(path string) (string, Errno)
	statAt(path string, follow bool) (Filestat, Errno)
	setTimesAt(path string, follow bool, t setTimes) Errno
}

// pollWaiter is a node poll_oneoff may have to wait for (the stdio
// streams): ready says whether a read (or, with write, a write) would
// start at once, nbytes how many bytes a read would return when known.
// Every other node is always ready.
type pollWaiter interface {
	pollReady(write bool) (ready bool, nbytes uint64)
}

// baseNode answers every operation with the errno that fits a node that
// does not support it; concrete nodes embed it and override what they do.
type baseNode struct{}

func (baseNode) read(context.Context, []byte) (int, Errno)  { return 0, EBADF }
func (baseNode) write(context.Context, []byte) (int, Errno) { return 0, EBADF }
func (baseNode) pread([]byte, int64) (int, Errno)           { return 0, ESPIPE }
func (baseNode) pwrite([]byte, int64) (int, Errno)          { return 0, ESPIPE }
func (baseNode) seek(int64, uint8) (int64, Errno)           { return 0, ESPIPE }
func (baseNode) truncate(int64) Errno                       { return EINVAL }
func (baseNode) setTimes(setTimes) Errno                    { return ENOTSUP }
func (baseNode) sync(bool) Errno                            { return EINVAL }
func (baseNode) allocate(int64, int64) Errno                { return ENOTSUP }
func (baseNode) setFdflags(uint16) Errno                    { return ESUCCESS }
func (baseNode) readdir() ([]dirent, Errno)                 { return nil, ENOTDIR }
func (baseNode) close() Errno                               { return ESUCCESS }
func (baseNode) openAt(string, openReq) (node, Errno)       { return nil, ENOTDIR }
func (baseNode) mkdirAt(string) Errno                       { return ENOTDIR }
func (baseNode) rmdirAt(string) Errno                       { return ENOTDIR }
func (baseNode) unlinkAt(string) Errno                      { return ENOTDIR }
func (baseNode) renameAt(string, node, string) Errno        { return ENOTDIR }
func (baseNode) linkAt(string, bool, node, string) Errno    { return ENOTDIR }
func (baseNode) symlinkAt(string, string) Errno             { return ENOTDIR }
func (baseNode) readlinkAt(string) (string, Errno)          { return "", ENOTDIR }
func (baseNode) statAt(string, bool) (Filestat, Errno)      { return Filestat{}, ENOTDIR }
func (baseNode) setTimesAt(string, bool, setTimes) Errno    { return ENOTDIR }

// fdEntry is one slot of the descriptor table. Its fields are ordered,
// and what only directories need kept apart, so that it takes 48 bytes.
type fdEntry struct {
	node          node
	base, inherit Rights
	dir           *dirEntry // a directory's: its preopen name, its listing
	typ           Filetype
	isPreopen     bool
	readOnly      bool // the mount refuses every mutation
	// shared marks a Prepared's template entry, which every System
	// attached with it sees: a System copies it before changing it
	// (System.owned).
	shared bool
	// borrowed marks an entry whose node is its Prepared's (a standard
	// stream, a preopen's directory): closing the entry leaves it open,
	// and fd_fdstat_set_flags leaves its host descriptor alone.
	borrowed bool
	// ownOnUse marks a template entry of a standard stream that keeps
	// state of its own (stream.go): a System copies it, with its stream,
	// at its first use.
	ownOnUse bool
	fdflags  uint16
}

// dirEntry is what a directory's fdEntry holds beside the others'.
type dirEntry struct {
	preopen string // guest name when this is a preopened directory
	// listing is fd_readdir's snapshot of the directory, taken at cookie 0.
	listing *[]dirent
}

// preopenName is the guest name of a preopened directory, or "".
func (e *fdEntry) preopenName() string {
	if e.dir == nil {
		return ""
	}
	return e.dir.preopen
}
