//go:build linux

package wasip1

import (
	"golang.org/x/sys/unix"
)

// The portable lookup: one component at a time with O_NOFOLLOW, symlinks
// read and spliced in by hand, ".." answered from the stack of directories
// already opened (never from the file system), and an absolute symlink or a
// ".." past the start refused. Every step is an *at call on a descriptor we
// hold, so a concurrent rename cannot redirect a later step outside.

// walkDir opens the directory comps names beneath dirfd.
func walkDir(dirfd int, comps []string, links *int) (int, bool, error) {
	var stack []int // descriptors we opened; the top is the current directory
	cur := func() int {
		if len(stack) == 0 {
			return dirfd
		}
		return stack[len(stack)-1]
	}
	closeAll := func() {
		for _, fd := range stack {
			unix.Close(fd)
		}
	}
	queue := append([]string(nil), comps...)
	for len(queue) > 0 {
		c := queue[0]
		queue = queue[1:]
		switch c {
		case "", ".":
			continue
		case "..":
			if len(stack) == 0 {
				return -1, false, ENOTCAPABLE
			}
			unix.Close(stack[len(stack)-1])
			stack = stack[:len(stack)-1]
			continue
		}
		fd, err := unix.Openat(cur(), c, opathFlags, 0)
		if err == unix.ELOOP || err == unix.ENOTDIR {
			target, lerr := readlink(cur(), c)
			if lerr == nil {
				if *links++; *links > maxSymlinks {
					closeAll()
					return -1, false, ELOOP
				}
				spliced, _, errno := spliceLink(nil, target)
				if errno != ESUCCESS {
					closeAll()
					return -1, false, errno
				}
				queue = append(spliced, queue...)
				continue
			}
		}
		if err != nil {
			closeAll()
			return -1, false, err
		}
		stack = append(stack, fd)
	}
	if len(stack) == 0 {
		return dirfd, false, nil
	}
	for _, fd := range stack[:len(stack)-1] {
		unix.Close(fd)
	}
	return stack[len(stack)-1], true, nil
}

// walkOpen opens the final component with O_NOFOLLOW after resolving any
// symlink it is (when follow) by splicing, so the kernel never follows a
// link for us.
func walkOpen(dirfd int, comps []string, mustDir bool, flags int, mode uint32, follow bool) (int, error) {
	if mustDir {
		flags |= unix.O_DIRECTORY
	}
	links := 0
	for tries := 0; ; tries++ {
		r, err := parentOf(dirfd, comps, mustDir, follow, &links)
		if err != nil {
			return -1, err
		}
		fd, err := unix.Openat(r.dir, r.name, flags|unix.O_NOFOLLOW|unix.O_CLOEXEC, mode)
		r.close()
		if err == unix.ELOOP && follow && tries < 8 {
			continue // the name became a symlink after we looked: look again
		}
		return fd, err
	}
}

// readlink reads a symlink's target with a bounded buffer.
func readlink(dirfd int, name string) (string, error) {
	buf := make([]byte, 256)
	for {
		n, err := unix.Readlinkat(dirfd, name, buf)
		if err != nil {
			return "", err
		}
		if n < len(buf) {
			return string(buf[:n]), nil
		}
		if len(buf) >= maxPath {
			return "", ENAMETOOLONG
		}
		buf = make([]byte, len(buf)*4)
	}
}
