// Package wasi gives WebAssembly modules the WASI preview1 system interface
// (wasi_snapshot_preview1): arguments, environment, clocks, randomness,
// stdio, and files under preopened directories.
//
// It stands beside the moat API, not inside the engine: DefineImports puts
// host functions in a moat.Linker once; Attach gives each moat.Store its own
// System (descriptor table, stdio, clocks), which the functions find through
// Caller.Store. The functions themselves live in internal/wasip1.
//
// Guarantees:
//   - Capability safety: a guest reaches only files beneath its preopened
//     directories. Absolute paths, ".." past a preopen's root, and symlinks
//     that lead outside are refused, and on Linux every lookup goes through
//     openat2(RESOLVE_BENEATH), so races between a check and an open cannot
//     escape either.
//   - Bad guest input (pointers, lengths, descriptors, paths) gets an errno,
//     never a host crash; a bad pointer is EFAULT.
//   - proc_exit ends the run from any call depth: Run returns its code.
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
