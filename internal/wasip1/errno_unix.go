//go:build unix

package wasip1

import "syscall"

// hostErrnos maps the host's errno values to WASI's.
var hostErrnos = map[syscall.Errno]Errno{
	syscall.E2BIG: E2BIG, syscall.EACCES: EACCES, syscall.EADDRINUSE: EADDRINUSE,
	syscall.EADDRNOTAVAIL: EADDRNOTAVAIL, syscall.EAFNOSUPPORT: EAFNOSUPPORT,
	syscall.EAGAIN: EAGAIN, syscall.EALREADY: EALREADY, syscall.EBADF: EBADF,
	syscall.EBADMSG: EBADMSG, syscall.EBUSY: EBUSY, syscall.ECANCELED: ECANCELED,
	syscall.ECHILD: ECHILD, syscall.ECONNABORTED: ECONNABORTED,
	syscall.ECONNREFUSED: ECONNREFUSED, syscall.ECONNRESET: ECONNRESET,
	syscall.EDEADLK: EDEADLK, syscall.EDESTADDRREQ: EDESTADDRREQ, syscall.EDOM: EDOM,
	syscall.EDQUOT: EDQUOT, syscall.EEXIST: EEXIST, syscall.EFAULT: EFAULT,
	syscall.EFBIG: EFBIG, syscall.EHOSTUNREACH: EHOSTUNREACH, syscall.EIDRM: EIDRM,
	syscall.EILSEQ: EILSEQ, syscall.EINPROGRESS: EINPROGRESS, syscall.EINTR: EINTR,
	syscall.EINVAL: EINVAL, syscall.EIO: EIO, syscall.EISCONN: EISCONN,
	syscall.EISDIR: EISDIR, syscall.ELOOP: ELOOP, syscall.EMFILE: EMFILE,
	syscall.EMLINK: EMLINK, syscall.EMSGSIZE: EMSGSIZE, syscall.EMULTIHOP: EMULTIHOP,
	syscall.ENAMETOOLONG: ENAMETOOLONG, syscall.ENETDOWN: ENETDOWN,
	syscall.ENETRESET: ENETRESET, syscall.ENETUNREACH: ENETUNREACH,
	syscall.ENFILE: ENFILE, syscall.ENOBUFS: ENOBUFS, syscall.ENODEV: ENODEV,
	syscall.ENOENT: ENOENT, syscall.ENOEXEC: ENOEXEC, syscall.ENOLCK: ENOLCK,
	syscall.ENOLINK: ENOLINK, syscall.ENOMEM: ENOMEM, syscall.ENOMSG: ENOMSG,
	syscall.ENOPROTOOPT: ENOPROTOOPT, syscall.ENOSPC: ENOSPC, syscall.ENOSYS: ENOSYS,
	syscall.ENOTCONN: ENOTCONN, syscall.ENOTDIR: ENOTDIR, syscall.ENOTEMPTY: ENOTEMPTY,
	syscall.ENOTSOCK: ENOTSOCK, syscall.ENOTSUP: ENOTSUP, syscall.ENOTTY: ENOTTY,
	syscall.ENXIO: ENXIO, syscall.EOVERFLOW: EOVERFLOW, syscall.EPERM: EPERM,
	syscall.EPIPE: EPIPE, syscall.EPROTO: EPROTO, syscall.EPROTONOSUPPORT: EPROTONOSUPPORT,
	syscall.EPROTOTYPE: EPROTOTYPE, syscall.ERANGE: ERANGE, syscall.EROFS: EROFS,
	syscall.ESPIPE: ESPIPE, syscall.ESRCH: ESRCH, syscall.ESTALE: ESTALE,
	syscall.ETIMEDOUT: ETIMEDOUT, syscall.ETXTBSY: ETXTBSY, syscall.EXDEV: EXDEV,
}

func errnoFromSyscall(e syscall.Errno) (Errno, bool) {
	w, ok := hostErrnos[e]
	return w, ok
}
