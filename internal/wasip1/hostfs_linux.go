package wasip1

import (
	"context"
	"fmt"
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

// hostNode is an open host file or directory. Directories are the base of
// path lookups, which all stay beneath them (resolve_linux.go).
type hostNode struct {
	baseNode
	fd  int
	typ Filetype
	// file is set for a special file (FIFO, character device, socket): fd
	// held by Go's poller so that waits honour the call's context
	// (hostfs_special_linux.go); nonblock is the guest's FDFLAGS_NONBLOCK.
	file     *os.File
	nonblock bool
}

// openHostPreopen opens a host directory to preopen.
func openHostPreopen(path string) (node, error) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("wasi: preopen %s: %w", path, &os.PathError{Op: "open", Path: path, Err: err})
	}
	return &hostNode{fd: fd, typ: FiletypeDirectory}, nil
}

func filetypeOfMode(m uint32) Filetype {
	switch m & unix.S_IFMT {
	case unix.S_IFREG:
		return FiletypeRegularFile
	case unix.S_IFDIR:
		return FiletypeDirectory
	case unix.S_IFLNK:
		return FiletypeSymbolicLink
	case unix.S_IFCHR:
		return FiletypeCharacterDevice
	case unix.S_IFBLK:
		return FiletypeBlockDevice
	case unix.S_IFSOCK:
		return FiletypeSocketStream
	}
	return FiletypeUnknown
}

func filestatOf(st *unix.Stat_t) Filestat {
	return Filestat{
		Dev: uint64(st.Dev), Ino: st.Ino, Filetype: filetypeOfMode(st.Mode),
		Nlink: uint64(st.Nlink), Size: uint64(st.Size),
		Atim: uint64(st.Atim.Nano()), Mtim: uint64(st.Mtim.Nano()), Ctim: uint64(st.Ctim.Nano()),
	}
}

func (n *hostNode) filetype() Filetype { return n.typ }

func (n *hostNode) read(ctx context.Context, p []byte) (int, Errno) {
	if n.typ == FiletypeDirectory {
		return 0, EISDIR
	}
	if n.file != nil {
		return n.specialIO(ctx, p, false)
	}
	k, err := unix.Read(n.fd, p)
	return max(k, 0), errnoOf(err)
}

func (n *hostNode) write(ctx context.Context, p []byte) (int, Errno) {
	if n.typ == FiletypeDirectory {
		return 0, EISDIR
	}
	if n.file != nil {
		return n.specialIO(ctx, p, true)
	}
	k, err := unix.Write(n.fd, p)
	return max(k, 0), errnoOf(err)
}

func (n *hostNode) pread(p []byte, off int64) (int, Errno) {
	if n.typ == FiletypeDirectory {
		return 0, EISDIR
	}
	k, err := unix.Pread(n.fd, p, off)
	return max(k, 0), errnoOf(err)
}

func (n *hostNode) pwrite(p []byte, off int64) (int, Errno) {
	if n.typ == FiletypeDirectory {
		return 0, EISDIR
	}
	k, err := unix.Pwrite(n.fd, p, off)
	return max(k, 0), errnoOf(err)
}

func (n *hostNode) seek(off int64, whence uint8) (int64, Errno) {
	if n.typ == FiletypeDirectory {
		return 0, EBADF
	}
	pos, err := unix.Seek(n.fd, off, int(whence))
	return pos, errnoOf(err)
}

func (n *hostNode) stat() (Filestat, Errno) {
	var st unix.Stat_t
	if err := unix.Fstat(n.fd, &st); err != nil {
		return Filestat{}, errnoOf(err)
	}
	return filestatOf(&st), ESUCCESS
}

func (n *hostNode) truncate(size int64) Errno {
	if n.typ == FiletypeDirectory {
		return EISDIR
	}
	return errnoOf(unix.Ftruncate(n.fd, size))
}

func timespecs(t setTimes) []unix.Timespec {
	ts := []unix.Timespec{{Nsec: unix.UTIME_OMIT}, {Nsec: unix.UTIME_OMIT}}
	switch {
	case t.atimNow:
		ts[0].Nsec = unix.UTIME_NOW
	case t.setAtim:
		ts[0] = unix.NsecToTimespec(t.atim)
	}
	switch {
	case t.mtimNow:
		ts[1].Nsec = unix.UTIME_NOW
	case t.setMtim:
		ts[1] = unix.NsecToTimespec(t.mtim)
	}
	return ts
}

func (n *hostNode) setTimes(t setTimes) Errno {
	ts := timespecs(t)
	// futimens: utimensat with a NULL path works on any open descriptor
	_, _, e := unix.Syscall6(unix.SYS_UTIMENSAT, uintptr(n.fd), 0, uintptr(unsafe.Pointer(&ts[0])), 0, 0, 0)
	if e != 0 {
		return errnoOf(e)
	}
	return ESUCCESS
}

func (n *hostNode) sync(dataOnly bool) Errno {
	if dataOnly {
		return errnoOf(unix.Fdatasync(n.fd))
	}
	return errnoOf(unix.Fsync(n.fd))
}

func (n *hostNode) allocate(off, size int64) Errno {
	if n.typ == FiletypeDirectory {
		return EISDIR
	}
	err := unix.Fallocate(n.fd, 0, off, size)
	if err == unix.EOPNOTSUPP {
		// file systems without fallocate: extend the file by hand
		var st unix.Stat_t
		if err := unix.Fstat(n.fd, &st); err != nil {
			return errnoOf(err)
		}
		if off+size > st.Size {
			return errnoOf(unix.Ftruncate(n.fd, off+size))
		}
		return ESUCCESS
	}
	return errnoOf(err)
}

// setFdflags applies APPEND on the host; NONBLOCK matters to special files
// only, which are non-blocking on the host whatever the guest asked.
func (n *hostNode) setFdflags(flags uint16) Errno {
	n.nonblock = flags&FdflagNonblock != 0
	fl, err := unix.FcntlInt(uintptr(n.fd), unix.F_GETFL, 0)
	if err != nil {
		return errnoOf(err)
	}
	if flags&FdflagAppend != 0 {
		fl |= unix.O_APPEND
	} else {
		fl &^= unix.O_APPEND
	}
	_, err = unix.FcntlInt(uintptr(n.fd), unix.F_SETFL, fl)
	return errnoOf(err)
}

func (n *hostNode) close() Errno {
	if n.fd < 0 {
		return EBADF
	}
	var err error
	if n.file != nil {
		err = n.file.Close() // the poller must forget the descriptor
	} else {
		err = unix.Close(n.fd)
	}
	n.fd = -1
	return errnoOf(err)
}

// readdir lists the directory from its start: ".", "..", then the entries
// in the order the file system gives them.
func (n *hostNode) readdir() ([]dirent, Errno) {
	if n.typ != FiletypeDirectory {
		return nil, ENOTDIR
	}
	var self unix.Stat_t
	if err := unix.Fstat(n.fd, &self); err != nil {
		return nil, errnoOf(err)
	}
	out := []dirent{{ino: self.Ino, name: ".", typ: FiletypeDirectory}}
	var up unix.Stat_t
	upIno := self.Ino
	if unix.Fstatat(n.fd, "..", &up, unix.AT_SYMLINK_NOFOLLOW) == nil {
		upIno = up.Ino
	}
	out = append(out, dirent{ino: upIno, name: "..", typ: FiletypeDirectory})
	// read through a second descriptor so the guest's own offset is untouched
	dfd, err := unix.Openat(n.fd, ".", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, errnoOf(err)
	}
	defer unix.Close(dfd)
	buf := make([]byte, 8192)
	for {
		k, err := unix.Getdents(dfd, buf)
		if err != nil {
			return nil, errnoOf(err)
		}
		if k <= 0 {
			return out, ESUCCESS
		}
		out = appendDirents(out, buf[:k])
		if len(out) > maxDirents {
			return nil, ENOMEM
		}
	}
}

// appendDirents parses linux_dirent64 records, skipping "." and "..".
func appendDirents(out []dirent, b []byte) []dirent {
	for len(b) >= 19 {
		ino := *(*uint64)(unsafe.Pointer(&b[0]))
		reclen := int(*(*uint16)(unsafe.Pointer(&b[16])))
		if reclen < 19 || reclen > len(b) {
			break
		}
		dtype := b[18]
		name := b[19:reclen]
		for i, c := range name {
			if c == 0 {
				name = name[:i]
				break
			}
		}
		b = b[reclen:]
		if s := string(name); s != "." && s != ".." {
			out = append(out, dirent{ino: ino, name: s, typ: filetypeOfDtype(dtype)})
		}
	}
	return out
}

func filetypeOfDtype(t byte) Filetype {
	switch t {
	case unix.DT_REG:
		return FiletypeRegularFile
	case unix.DT_DIR:
		return FiletypeDirectory
	case unix.DT_LNK:
		return FiletypeSymbolicLink
	case unix.DT_CHR:
		return FiletypeCharacterDevice
	case unix.DT_BLK:
		return FiletypeBlockDevice
	case unix.DT_SOCK:
		return FiletypeSocketStream
	}
	return FiletypeUnknown
}
