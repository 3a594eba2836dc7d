// Package wasi gives WebAssembly modules the WASI preview1 system interface
// (wasi_snapshot_preview1): arguments, environment, clocks, randomness,
// stdio, and files under preopened directories.
//
// It stands beside the moat API, not inside the engine: DefineImports puts
// host functions in a moat.Linker once, bound once for every store;
// Prepare makes a configuration (arguments, environment, clocks, stdio,
// preopened directories) once, and its Attach gives each moat.Store a
// System that holds only what the sandbox changes (its descriptor table
// once it alters one, its streams' state), which each call is handed with
// the calling instance's memory (internal/hostlib: no moat.Caller is made
// for them). Attach does both for one store. The functions themselves
// live in internal/wasip1.
//
// Guarantees:
//   - Capability safety: a guest reaches only files beneath its preopened
//     directories. Absolute paths, ".." past a preopen's root, and symlinks
//     that lead outside are refused, and on Linux every lookup goes through
//     openat2(RESOLVE_BENEATH), so races between a check and an open cannot
//     escape either.
//   - A read-only preopen (Preopen.ReadOnly, and every fs.FS preopen)
//     changes nothing beneath it: every WASI call that would create, write,
//     truncate, remove, rename, link or retime something there, through
//     the preopen or any descriptor opened under it, on either side of a
//     rename or link, fails with EPERM (wasmtime's errno for a directory
//     without mutate permission); writing a file opened there is EBADF. A
//     read-only preopen does not protect the same host files reached
//     through another, writable preopen: give preopens whose host trees
//     neither overlap nor share hard links.
//   - A call that waits honours the context of the wasm call that made it:
//     fd_read and fd_write on stdio backed by anything but memory or a
//     regular file (a pipe, a request body, a terminal), on a FIFO, socket
//     or character device under a preopen, poll_oneoff, and sched_yield end
//     with the interrupted trap (moat.TrapInterrupted) as soon as the
//     context is cancelled or its deadline passes. A stdio Read or Write
//     that may block runs on a helper goroutine, at most one per stream: a
//     read that completes after its call was interrupted delivers its bytes
//     to the next fd_read, and the next fd_write waits for an interrupted
//     one, so nothing is lost or reordered. Such a goroutine ends when its
//     Read or Write returns; one on a reader that never returns stays until
//     the embedder closes that reader.
//     A ContextReader or ContextWriter bounds its own waits instead: it is
//     called directly with the call's context.
//   - Bad guest input (pointers, lengths, descriptors, paths) gets an errno,
//     never a host crash; a bad pointer is EFAULT.
//   - proc_exit ends the run from any call depth: Run returns its code
//     (a call that is not Run's gets a *moat.Trap holding the ExitError,
//     with no backtrace).
//
// Host directories (Preopen.Host) are supported on Linux; an fs.FS preopen
// works everywhere and is read-only. A descriptor has WASI rights: a
// preopen has every directory right and may hand down every right;
// path_open gives the new descriptor the requested rights its directory
// can hand down, and fd_fdstat_set_rights can only drop rights. A missing
// right is ENOTCAPABLE (EBADF for reading or writing, as on Unix).
//
// The test modules are built from their sources beside them by go generate:
// testdata/probe.wasm from probe.wat (wabt's wat2wasm), and
// testdata/roescape/roescape.wasm, a C program that attacks a read-only
// preopen, from roescape.c (clang --target=wasm32-wasi with wasi-libc).
package wasi

//go:generate wat2wasm testdata/probe.wat -o testdata/probe.wasm
//go:generate clang --target=wasm32-wasi -O2 -Wall -Wextra -s -o testdata/roescape/roescape.wasm testdata/roescape/roescape.c
//go:generate chmod 644 testdata/roescape/roescape.wasm
