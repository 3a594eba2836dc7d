// Package artifact is the file format of compiled modules (`.cwasm`): a
// header that says what the code needs, the module's metadata, the code
// and its tables, and a trailer with a digest of everything and an optional
// Ed25519 signature. It sits after the compiler in the pipeline: the
// compiler (internal/compiler) fills the code and tables sections and reads
// them back; package moat writes and loads whole artifacts; the compilation
// cache (internal/cache) stores them.
//
// Layout (integers little-endian):
//
//	0        ┌──────────────────────────────────────────────┐
//	         │ magic "\x89MOAT\r\n\x1a"    format version u32 │
//	         │ digest kind u32   crc32c, or sha256-tree       │  fixed offset: read first
//	         │ header size u32                                │
//	         │ moat build        "v0.3.0 1f2e3d4c5b6a7980"    │  must equal the loader's BuildID
//	         │ architecture      "amd64"                      │
//	         │ cpu features      ["avx", "avx2"]              │  must be a subset of the engine's
//	         │ settings          [("bounds checks", ...), ...]│  code-affecting configuration, by key
//	         │ module sha256     [32]                         │
//	         │ section table     (kind, flags, offset, size)… │
//	         ├──────────────────────────────────────────────┤
//	         │ module   the Wasm binary, bodies emptied       │  8-byte aligned
//	         │ tables   function ranges, entries, call, trap  │
//	         │          and fault sites (compiler's format)   │
//	4096·k   ├──────────────────────────────────────────────┤
//	         │ code     position-independent machine code,    │  page-aligned: mapped read+execute
//	         │          int3 padding to a page boundary       │  from the file, never patched
//	4096·m   ├──────────────────────────────────────────────┤
//	         │ digest [32]  public key [32]  signature [64]   │  trailer (a CRC fills 4 bytes of
//	         │                                                │  32; key, signature zero unsigned)
//	         │ "MOAT-END"                                     │
//	         └──────────────────────────────────────────────┘
//
// The digest covers every byte before the trailer. Its kind (digest.go) is
// CRC-32C for an unsigned artifact, whose digest only detects accidental
// damage, and a SHA-256 tree (256 KiB leaves hashed in parallel under a
// SHA-256 root) for a signed one, whose signature needs a collision-
// resistant digest. Loading checks, in order and before trusting anything
// else: the magic, the format version, the trailer's presence, the digest
// kind (known, and SHA-256 when signed), the digest, the signature (always
// verified when present, and required to be by a trusted key when trusted
// keys are given), then the header and section table; the caller then checks the
// header against its own build and target (Header.Check) and only after
// all of that maps the code executable. Every failure is an *Error naming
// the field. The signature signs the digest (see sign.go); key files are
// PKCS#8 / PKIX PEM, handled by the moat command.
//
// What the digest does not do: it proves the file is intact, not who made
// it. Anyone who can write an artifact can make its digest match, and the
// code in an artifact runs as native code with the embedding process's
// rights; only a signature by a trusted key says who compiled it. A file
// mapped in place must also not be rewritten while in use (see
// vm.MapFile); Open maps only files no other unprivileged user can write.
package artifact
