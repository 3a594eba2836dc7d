// Package cache is the compilation cache: a directory of artifacts
// (internal/artifact), one per module and code-affecting configuration,
// so that a module compiles once and later engines, in this process or
// another, load its code instead. It sits beside the compiler at the end
// of the pipeline; package moat consults it in Engine.Compile.
//
// Guarantees:
//
//   - Keys. An entry's name is the SHA-256 of the module's SHA-256, moat's
//     build (artifact.BuildID), the architecture, the CPU features and the
//     code-affecting settings, so a change to any of them misses.
//   - Atomic writes. An entry is written to a temporary file in the same
//     directory and renamed into place, so readers see a whole entry or
//     none, and any number of goroutines and processes may fill the cache
//     at once (the last rename wins; every candidate is equivalent). No
//     fsync: a torn entry after a crash fails its digest and is recompiled.
//   - Integrity. Entries are artifacts, so every load checks the digest; a
//     damaged entry is recompiled and replaced, never run.
//   - Privacy. The directory must belong to the current user and be
//     writable by no one else (Open creates it 0700), since its entries are
//     native code that runs without a signature check.
//   - Bounded size. After each write, when the entries add up to more than
//     the cap, the least recently used are removed until they fit in 90% of
//     it. "Used" is the modification time, which a hit sets: access times
//     are not kept reliably (relatime, noatime mounts).
package cache
