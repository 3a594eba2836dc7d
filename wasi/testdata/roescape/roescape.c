// roescape.c is a WASI command built with clang and wasi-libc (see
// ../../doc.go for the build line) that attacks a read-only preopen from
// inside the sandbox:
//
//	roescape.wasm RO RW
//
// RO is a read-only preopen holding secret.txt, sub/inner.txt, emptydir/
// and the symlink ln -> secret.txt; RW is a writable preopen beside it on
// the host (host paths .../ro and .../rw) holding own.txt and the host's
// symlinks abs (to ro/secret.txt by absolute host path) and rel
// (-> ../ro/secret.txt). The program tries every way it knows to change
// something under RO and prints one line per attempt: "refused (ERRNO)"
// or "ALLOWED"; lines marked "ok" are controls that must work. It exits
// with the number of attempts that were allowed. The Go test
// (wasi/roescape_test.go) compares the output exactly and checks the host
// tree of RO byte for byte.
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <wasi/api.h>

static const char *ro, *rw;
static int allowed;

static const char *errno_name(int e) {
	switch (e) {
	case EPERM: return "EPERM";
	case EBADF: return "EBADF";
	case ENOTCAPABLE: return "ENOTCAPABLE";
	case ENOENT: return "ENOENT";
	case EACCES: return "EACCES";
	case EROFS: return "EROFS";
	case EISDIR: return "EISDIR";
	case EEXIST: return "EEXIST";
	case EINVAL: return "EINVAL";
	case EXDEV: return "EXDEV";
	case ELOOP: return "ELOOP";
	case ENOTDIR: return "ENOTDIR";
	}
	return "another errno";
}

// refused reports an attempt that must fail: rc < 0 with errno set.
static void refused(const char *what, int rc) {
	if (rc < 0) {
		printf("%s: refused (%s)\n", what, errno_name(errno));
	} else {
		printf("%s: ALLOWED\n", what);
		allowed++;
	}
}

// refused_errno reports an attempt whose error comes back as a value.
static void refused_errno(const char *what, int err) {
	errno = err;
	refused(what, err == 0 ? 0 : -1);
}

// control reports an attempt that must work.
static void control(const char *what, int rc) {
	if (rc < 0) {
		printf("%s: FAILED (%s)\n", what, errno_name(errno));
		allowed++; // the setup is broken; fail the run
	} else {
		printf("%s: ok\n", what);
	}
}

static const char *in(const char *dir, const char *name) {
	static char bufs[4][512];
	static int next;
	char *b = bufs[next++ % 4];
	snprintf(b, sizeof bufs[0], "%s/%s", dir, name);
	return b;
}

// openw opens for writing and writes, as an attacker would.
static int openw(const char *path, int flags) {
	int fd = open(path, flags, 0644);
	if (fd < 0) {
		return -1;
	}
	int n = write(fd, "pwned\n", 6);
	close(fd);
	return n;
}

// preopen finds the descriptor the runtime preopened as name.
static int preopen(const char *name) {
	for (__wasi_fd_t fd = 3; fd < 64; fd++) {
		__wasi_prestat_t st;
		if (__wasi_fd_prestat_get(fd, &st) != 0) {
			continue;
		}
		char buf[256];
		size_t n = st.u.dir.pr_name_len;
		if (n >= sizeof buf || __wasi_fd_prestat_dir_name(fd, (uint8_t *)buf, n) != 0) {
			continue;
		}
		buf[n] = 0;
		if (strcmp(buf, name) == 0) {
			return fd;
		}
	}
	return -1;
}

// wasi_create opens name under dirfd with O_CREAT and fd_write, by the raw
// call, so that libc's own table of preopens plays no part.
static int wasi_create(int dirfd, const char *name) {
	__wasi_fd_t fd;
	__wasi_errno_t e = __wasi_path_open(dirfd, 0, name, __WASI_OFLAGS_CREAT,
		__WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_WRITE, 0, 0, &fd);
	if (e != 0) {
		errno = e;
		return -1;
	}
	(void)__wasi_fd_close(fd);
	return 0;
}

static void opens(void) {
	refused("open secret O_WRONLY", openw(in(ro, "secret.txt"), O_WRONLY));
	refused("open secret O_RDWR", openw(in(ro, "secret.txt"), O_RDWR));
	refused("open secret O_TRUNC", open(in(ro, "secret.txt"), O_RDONLY | O_TRUNC));
	refused("open secret O_APPEND", openw(in(ro, "secret.txt"), O_WRONLY | O_APPEND));
	refused("open new O_CREAT", openw(in(ro, "new.txt"), O_WRONLY | O_CREAT));
	refused("open new O_CREAT|O_EXCL", openw(in(ro, "new.txt"), O_RDWR | O_CREAT | O_EXCL));
	refused("open through ln", openw(in(ro, "ln"), O_WRONLY));
	refused("open sub/../secret", openw(in(ro, "sub/../secret.txt"), O_WRONLY));
	refused("open sub/inner", openw(in(ro, "sub/inner.txt"), O_RDWR));
}

static void through_a_read_only_fd(void) {
	int fd = open(in(ro, "secret.txt"), O_RDONLY);
	control("open secret O_RDONLY", fd);
	char buf[64];
	control("read secret", (int)read(fd, buf, sizeof buf));
	refused("write", (int)write(fd, "pwned\n", 6));
	refused("pwrite", (int)pwrite(fd, "pwned\n", 6, 0));
	refused("ftruncate", ftruncate(fd, 0));
	// NULL times: both now (this wasi-libc refuses explicit UTIME_NOW itself)
	refused("futimens", futimens(fd, NULL));
	refused_errno("posix_fallocate", posix_fallocate(fd, 0, 4096));
	control("fcntl F_SETFL O_APPEND", fcntl(fd, F_SETFL, O_APPEND));
	refused("write after O_APPEND", (int)write(fd, "pwned\n", 6));
	close(fd);

	int dfd = open(ro, O_RDONLY | O_DIRECTORY);
	control("open RO as a directory", dfd);
	refused("futimens on the directory", futimens(dfd, NULL));
	refused("openat the directory O_WRONLY", openat(dfd, "secret.txt", O_WRONLY));
	refused("mkdirat the directory", mkdirat(dfd, "d", 0755));
	close(dfd);
}

static void path_calls(void) {
	refused("mkdir", mkdir(in(ro, "d"), 0755));
	refused("rmdir emptydir", rmdir(in(ro, "emptydir")));
	refused("unlink secret", unlink(in(ro, "secret.txt")));
	refused("unlink ln", unlink(in(ro, "ln")));
	refused("symlink in RO", symlink("secret.txt", in(ro, "planted")));
	struct timespec times[2] = {{1000000000, 0}, {1000000000, 0}};
	refused("utimensat secret", utimensat(AT_FDCWD, in(ro, "secret.txt"), times, 0));
	refused("utimensat ln nofollow", utimensat(AT_FDCWD, in(ro, "ln"), times, AT_SYMLINK_NOFOLLOW));
}

static void two_paths(void) {
	refused("link RO to RW", link(in(ro, "secret.txt"), in(rw, "alias.txt")));
	// the escape this guards against: write the RO file through the alias
	refused("write RW alias", openw(in(rw, "alias.txt"), O_WRONLY | O_TRUNC));
	refused("link RO subdir to RW", link(in(ro, "sub/inner.txt"), in(rw, "alias.txt")));
	refused("link RW to RO", link(in(rw, "own.txt"), in(ro, "alias.txt")));
	refused("link RO to RO", link(in(ro, "secret.txt"), in(ro, "alias.txt")));
	refused("rename RO to RW", rename(in(ro, "secret.txt"), in(rw, "moved.txt")));
	refused("rename RO dir to RW", rename(in(ro, "sub"), in(rw, "moved")));
	refused("rename RW to RO", rename(in(rw, "own.txt"), in(ro, "secret.txt")));
	refused("rename RO to RO", rename(in(ro, "secret.txt"), in(ro, "moved.txt")));
	control("link RW to RW", link(in(rw, "own.txt"), in(rw, "own2.txt")));
	control("rename RW to RW", rename(in(rw, "own2.txt"), in(rw, "own3.txt")));
}

static void symlinks_in_rw(void) {
	refused("open RW/abs (host symlink, absolute)", openw(in(rw, "abs"), O_WRONLY));
	refused("open RW/rel (host symlink, ..)", openw(in(rw, "rel"), O_WRONLY | O_TRUNC));
	control("symlink RW/mine -> ../ro/secret.txt", symlink("../ro/secret.txt", in(rw, "mine")));
	refused("open RW/mine", openw(in(rw, "mine"), O_WRONLY));
	refused("open RW/../ro/secret.txt", openw(in(rw, "../ro/secret.txt"), O_WRONLY));
	int dfd = open(rw, O_RDONLY | O_DIRECTORY);
	refused("openat RW ../ro/secret.txt", openat(dfd, "../ro/secret.txt", O_WRONLY));
	refused("rename RW ../ro/secret.txt", renameat(dfd, "../ro/secret.txt", dfd, "stolen"));
	refused("link RW ../ro/secret.txt", linkat(dfd, "../ro/secret.txt", dfd, "stolen", 0));
	close(dfd);
}

static void renumbering(void) {
	int rofd = preopen(ro), rwfd = preopen(rw);
	control("find the preopens", rofd >= 0 && rwfd >= 0 ? 0 : -1);
	// a fresh descriptor of RO renumbered over a fresh one of RW
	int a = open(ro, O_RDONLY | O_DIRECTORY), b = open(rw, O_RDONLY | O_DIRECTORY);
	int e = __wasi_fd_renumber(a, b);
	control("fd_renumber RO dir over RW dir", e == 0 ? 0 : -1);
	refused("create through the renumbered descriptor", wasi_create(b, "new.txt"));
	close(b);
	// a read-only file renumbered over a writable one
	int r = open(in(ro, "secret.txt"), O_RDONLY), w = open(in(rw, "own.txt"), O_WRONLY);
	e = __wasi_fd_renumber(r, w);
	control("fd_renumber RO file over RW file", e == 0 ? 0 : -1);
	refused("write through the renumbered file", (int)write(w, "pwned\n", 6));
	close(w);
	// last, as libc's table of preopens now points at the wrong entries:
	// the RO preopen over the RW one, then libc's RW paths reach RO's entry
	e = __wasi_fd_renumber(rofd, rwfd);
	control("fd_renumber RO preopen over RW preopen", e == 0 ? 0 : -1);
	refused("open RW/new.txt O_CREAT", openw(in(rw, "new.txt"), O_WRONLY | O_CREAT));
	refused("open RW/secret.txt O_WRONLY", openw(in(rw, "secret.txt"), O_WRONLY));
}

int main(int argc, char **argv) {
	if (argc != 3) {
		fprintf(stderr, "usage: roescape RO RW\n");
		return 100;
	}
	ro = argv[1];
	rw = argv[2];
	opens();
	through_a_read_only_fd();
	path_calls();
	two_paths();
	symlinks_in_rw();
	renumbering();
	printf("%d allowed\n", allowed);
	return allowed;
}
