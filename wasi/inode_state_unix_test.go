//go:build unix

package wasi_test

import (
	"time"

	"golang.org/x/sys/unix"
)

// inodeState is what treeState compares beyond the file's mode, size and
// contents: its link count, inode number and change time, which a link,
// a rename or a change of metadata moves. x/sys/unix names the change
// time alike on every Unix (syscall's Stat_t does not).
func inodeState(path string) (nlink, ino uint64, ctime time.Time) {
	var st unix.Stat_t
	if unix.Lstat(path, &st) != nil {
		return 0, 0, time.Time{}
	}
	return uint64(st.Nlink), uint64(st.Ino), time.Unix(st.Ctim.Unix())
}
