// Package wasip1 implements the host side of WASI preview1
// (wasi_snapshot_preview1) for moat: every function of the witx, over a
// per-sandbox System attached to a Prepared, the configuration many
// sandboxes share (arguments, environment, clocks, randomness, stdio, the
// preopens and their template descriptors, made once: prepared.go). A
// System holds only what its sandbox changes: its own descriptor table
// and copies of the entries it alters (fd_table.go), its streams' helper
// state and its own stdio, arguments and environment (system.go).
//
// It sits after the engine in the pipeline and uses only moat's public API:
// Functions lists the host functions, which the public wasi package defines
// in a moat.Linker; each call reads its parameters from the stack and
// guest memory and writes an errno back. One file per group: args_env.go,
// clock.go, random.go, fd_*.go, path_*.go, poll.go, proc.go, sock.go;
// errno*.go and rights.go hold the witx constants; node.go, stdio.go,
// stream.go, hostfs_*.go and fsfs.go are what descriptors refer to;
// resolve*.go keeps lookups beneath a directory; fd_table.go holds the
// descriptor table, its copy on change, and the one check of what may
// change (mutable).
//
// Guarantees:
//   - Every guest pointer and length is bounds-checked (EFAULT), every
//     descriptor looked up (EBADF) and every right checked (ENOTCAPABLE)
//     before anything happens. No guest input panics or allocates without
//     bound: paths are at most 4096 bytes, iovec arrays 1024 entries,
//     poll_oneoff 65536 subscriptions, symlink expansions 40, descriptors
//     1024 per sandbox.
//   - A path is resolved beneath the directory descriptor it is relative to
//     and can never leave it. On Linux the lookup is one
//     openat2(RESOLVE_BENEATH|RESOLVE_NO_MAGICLINKS) call, so a concurrent
//     rename cannot turn a checked path into an escape. Without openat2
//     (ENOSYS, or UseOpenat2(false)) the same rules hold through a
//     component-by-component walk on descriptors with O_NOFOLLOW, symlinks
//     read and spliced by hand, ".." answered from the walk's own stack.
//     Absolute paths, ".." past the start, and symlinks leading outside
//     (absolute, or relative through "..") are ENOTCAPABLE; creating an
//     absolute symlink is EPERM. Final-component operations that must not
//     follow links (unlink, rmdir, rename, symlink, readlink, stat and
//     set_times without SYMLINK_FOLLOW) act on the name itself with *at
//     calls and AT_SYMLINK_NOFOLLOW.
//   - Read-only preopens (and every fs.FS preopen) refuse every change with
//     EPERM, as wasmtime does for a directory without mutate permission:
//     opening for writing, O_CREAT and O_TRUNC, creating, removing,
//     renaming or linking names on either side of a rename or link,
//     truncating, allocating and setting times, through the preopen and
//     through every descriptor opened under it (fdEntry.mutable is the one
//     check). Because lookups never leave the directory they start from, no
//     path from a writable preopen reaches a read-only one, unless the host
//     trees themselves overlap or share hard links.
//   - A call that waits (fd_read and fd_write on stdio streams that may
//     block and on special host files, poll_oneoff, sched_yield) ends with
//     the interrupted trap when the call's context ends: the handler
//     returns errnoInterrupted and Functions turns it into the trap.
//     stream.go explains how stdio waits stay interruptible without losing
//     data, hostfs_special_linux.go how FIFOs, character devices and
//     sockets do.
//   - proc_exit returns *ExitError, which the engine passes through as the
//     trap's cause, so it ends the run from any call depth; as a
//     vm.RunEnder, its trap carries no backtrace.
package wasip1
