package wasip1

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"path"
	"sort"
)

// Preopens backed by an fs.FS: read-only by nature (openPreopen marks them
// so, and fdEntry.mutable refuses first; the EPERMs below are a second
// line). Paths are cleaned lexically and may not climb above the directory
// they are relative to; symlinks are whatever the fs.FS makes of them.

type fsDir struct {
	baseNode
	fsys fs.FS
	path string // fs.ValidPath form; "." is the root
}

type fsFile struct {
	baseNode
	f   fs.File
	pos int64 // for files that are io.ReaderAt but not io.Seeker
}

func newFSDir(fsys fs.FS) node { return &fsDir{fsys: fsys, path: "."} }

func statOfInfo(fi fs.FileInfo) Filestat {
	st := Filestat{Nlink: 1, Size: uint64(max(fi.Size(), 0))}
	switch m := fi.Mode(); {
	case m.IsDir():
		st.Filetype = FiletypeDirectory
	case m.IsRegular():
		st.Filetype = FiletypeRegularFile
	case m&fs.ModeSymlink != 0:
		st.Filetype = FiletypeSymbolicLink
	case m&fs.ModeCharDevice != 0:
		st.Filetype = FiletypeCharacterDevice
	case m&fs.ModeDevice != 0:
		st.Filetype = FiletypeBlockDevice
	}
	t := uint64(max(fi.ModTime().UnixNano(), 0))
	st.Atim, st.Mtim, st.Ctim = t, t, t
	return st
}

// join resolves a guest path against the directory, refusing ".." above it.
func (d *fsDir) join(p string) (string, bool, Errno) {
	comps, mustDir, errno := splitPath(p)
	if errno != ESUCCESS {
		return "", false, errno
	}
	var stack []string
	for _, c := range comps {
		switch c {
		case ".":
		case "..":
			if len(stack) == 0 {
				return "", false, ENOTCAPABLE
			}
			stack = stack[:len(stack)-1]
		default:
			stack = append(stack, c)
		}
	}
	full := path.Join(append([]string{d.path}, stack...)...)
	if !fs.ValidPath(full) {
		return "", false, EINVAL
	}
	return full, mustDir, ESUCCESS
}

func (d *fsDir) filetype() Filetype { return FiletypeDirectory }

func (d *fsDir) stat() (Filestat, Errno) {
	fi, err := fs.Stat(d.fsys, d.path)
	if err != nil {
		return Filestat{}, errnoOf(err)
	}
	return statOfInfo(fi), ESUCCESS
}

func (d *fsDir) readdir() ([]dirent, Errno) {
	ents, err := fs.ReadDir(d.fsys, d.path)
	if err != nil {
		return nil, errnoOf(err)
	}
	if len(ents) > maxDirents {
		return nil, ENOMEM
	}
	sort.Slice(ents, func(i, j int) bool { return ents[i].Name() < ents[j].Name() })
	out := []dirent{{name: ".", typ: FiletypeDirectory}, {name: "..", typ: FiletypeDirectory}}
	for i, e := range ents {
		typ := FiletypeRegularFile
		switch {
		case e.IsDir():
			typ = FiletypeDirectory
		case e.Type()&fs.ModeSymlink != 0:
			typ = FiletypeSymbolicLink
		case !e.Type().IsRegular():
			typ = FiletypeUnknown
		}
		out = append(out, dirent{ino: uint64(i + 1), name: e.Name(), typ: typ})
	}
	return out, ESUCCESS
}

func (d *fsDir) sync(bool) Errno { return ESUCCESS }

func (d *fsDir) openAt(p string, r openReq) (node, Errno) {
	if r.write || r.oflags&(OflagCreat|OflagTrunc) != 0 {
		return nil, EPERM
	}
	full, mustDir, errno := d.join(p)
	if errno != ESUCCESS {
		return nil, errno
	}
	fi, err := fs.Stat(d.fsys, full)
	if err != nil {
		return nil, errnoOf(err)
	}
	if fi.IsDir() {
		return &fsDir{fsys: d.fsys, path: full}, ESUCCESS
	}
	if mustDir || r.oflags&OflagDirectory != 0 {
		return nil, ENOTDIR
	}
	f, err := d.fsys.Open(full)
	if err != nil {
		return nil, errnoOf(err)
	}
	return &fsFile{f: f}, ESUCCESS
}

func (d *fsDir) statAt(p string, _ bool) (Filestat, Errno) {
	full, mustDir, errno := d.join(p)
	if errno != ESUCCESS {
		return Filestat{}, errno
	}
	fi, err := fs.Stat(d.fsys, full)
	if err != nil {
		return Filestat{}, errnoOf(err)
	}
	if mustDir && !fi.IsDir() {
		return Filestat{}, ENOTDIR
	}
	return statOfInfo(fi), ESUCCESS
}

func (d *fsDir) readlinkAt(p string) (string, Errno) {
	if _, errno := d.statAt(p, false); errno != ESUCCESS {
		return "", errno
	}
	return "", EINVAL
}

func (d *fsDir) mkdirAt(string) Errno                    { return EPERM }
func (d *fsDir) rmdirAt(string) Errno                    { return EPERM }
func (d *fsDir) unlinkAt(string) Errno                   { return EPERM }
func (d *fsDir) renameAt(string, node, string) Errno     { return EPERM }
func (d *fsDir) linkAt(string, bool, node, string) Errno { return EPERM }
func (d *fsDir) symlinkAt(string, string) Errno          { return EPERM }
func (d *fsDir) setTimesAt(string, bool, setTimes) Errno { return EPERM }

func (f *fsFile) filetype() Filetype { return FiletypeRegularFile }

func (f *fsFile) read(_ context.Context, p []byte) (int, Errno) {
	if ra, ok := f.f.(io.ReaderAt); ok {
		if _, seeks := f.f.(io.Seeker); !seeks {
			n, err := ra.ReadAt(p, f.pos)
			f.pos += int64(n)
			return n, eofOK(n, err)
		}
	}
	n, err := f.f.Read(p)
	return n, eofOK(n, err)
}

func eofOK(n int, err error) Errno {
	if err == nil || errors.Is(err, io.EOF) || n > 0 {
		return ESUCCESS
	}
	return errnoOf(err)
}

func (f *fsFile) pread(p []byte, off int64) (int, Errno) {
	ra, ok := f.f.(io.ReaderAt)
	if !ok {
		return 0, ESPIPE
	}
	n, err := ra.ReadAt(p, off)
	return n, eofOK(n, err)
}

func (f *fsFile) seek(off int64, whence uint8) (int64, Errno) {
	if s, ok := f.f.(io.Seeker); ok {
		pos, err := s.Seek(off, int(whence))
		if err != nil {
			return 0, EINVAL
		}
		return pos, ESUCCESS
	}
	if _, ok := f.f.(io.ReaderAt); !ok {
		return 0, ESPIPE
	}
	var pos int64
	switch whence {
	case WhenceSet:
		pos = off
	case WhenceCur:
		pos = f.pos + off
	case WhenceEnd:
		fi, err := f.f.Stat()
		if err != nil {
			return 0, errnoOf(err)
		}
		pos = fi.Size() + off
	}
	if pos < 0 {
		return 0, EINVAL
	}
	f.pos = pos
	return pos, ESUCCESS
}

func (f *fsFile) stat() (Filestat, Errno) {
	fi, err := f.f.Stat()
	if err != nil {
		return Filestat{}, errnoOf(err)
	}
	return statOfInfo(fi), ESUCCESS
}

func (f *fsFile) sync(bool) Errno             { return ESUCCESS }
func (f *fsFile) truncate(int64) Errno        { return EPERM }
func (f *fsFile) setTimes(setTimes) Errno     { return EPERM }
func (f *fsFile) allocate(int64, int64) Errno { return EPERM }

func (f *fsFile) close() Errno { return errnoOf(f.f.Close()) }
