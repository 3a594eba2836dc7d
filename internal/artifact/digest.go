package artifact

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"runtime"
	"sync"
	"sync/atomic"
)

// DigestKind names the function that computes an artifact's digest. The
// header records it at a fixed offset (after the format version), so the
// loader knows which digest to compute before it trusts anything else; it
// lies under the digest itself, so changing it invalidates the file.
//
// Two kinds, for two jobs:
//
//   - DigestCRC32C, for unsigned artifacts. Their digest only detects
//     accidental damage (a torn write, a bad disk block, a truncated copy):
//     whoever can write the file can recompute any digest, so collision
//     resistance buys nothing there. CRC-32C runs on the CPU's CRC32
//     instruction (SSE4.2 on amd64, the CRC extension on arm64) at about
//     memory bandwidth, catches every error burst of up to 32 bits and
//     lets through other damage with probability 2⁻³².
//   - DigestSHA256Tree, for signed artifacts. A signature signs the
//     digest, so the digest must be collision-resistant or a forger could
//     swap in other contents with the same digest; signed artifacts must
//     use it (the loader refuses a signature over any other kind).
type DigestKind uint32

const (
	DigestSHA256Tree DigestKind = 1
	DigestCRC32C     DigestKind = 2
)

// digestKinds describes each kind: its name in headers and messages,
// whether a signature may rest on it, and the function.
var digestKinds = map[DigestKind]struct {
	name     string
	signable bool
	sum      func([]byte) [32]byte
}{
	DigestSHA256Tree: {"sha256-tree", true, sha256Tree},
	DigestCRC32C:     {"crc32c", false, crc32c},
}

func (k DigestKind) String() string {
	if d, ok := digestKinds[k]; ok {
		return d.name
	}
	return fmt.Sprintf("digest(%d)", uint32(k))
}

// Known reports whether k is a digest kind this build computes.
func (k DigestKind) Known() bool {
	_, ok := digestKinds[k]
	return ok
}

// Signable reports whether a signature may rest on a digest of kind k.
func (k DigestKind) Signable() bool { return digestKinds[k].signable }

// Sum returns the digest of b, zero-padded to 32 bytes, or all zero when
// k is not known.
func (k DigestKind) Sum(b []byte) [32]byte {
	d, ok := digestKinds[k]
	if !ok {
		return [32]byte{}
	}
	return d.sum(b)
}

// digestKindAt is where the header records the digest kind.
const digestKindAt = len(Magic) + 4

// KindOf returns the digest kind recorded in contents (zero when they are
// too short to hold one).
func KindOf(contents []byte) DigestKind {
	if len(contents) < digestKindAt+4 {
		return 0
	}
	return DigestKind(binary.LittleEndian.Uint32(contents[digestKindAt:]))
}

// Digest returns the digest of the contents of an artifact (everything
// before the trailer) by the kind they record.
func Digest(contents []byte) [32]byte { return KindOf(contents).Sum(contents) }

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// crc32c is the CRC-32C of b, little-endian in the first 4 bytes. The
// other 28 are zero, and the loader compares all 32, so damage to them in
// the trailer is caught too.
func crc32c(b []byte) [32]byte {
	var d [32]byte
	binary.LittleEndian.PutUint32(d[:], crc32.Checksum(b, castagnoli))
	return d
}

// The SHA-256 tree is arranged so that large artifacts are hashed on every
// core at once: each chunk of chunkSize bytes is hashed on its own (a
// leaf, prefixed 0x00), and the digest is the hash of the total length
// and every leaf in order (prefixed 0x01). The prefixes and the length
// keep leaves and roots from being confused, so finding two files with
// one digest is as hard as finding a SHA-256 collision. Go's crypto/sha256
// uses the CPU's SHA extensions when it has them.

// chunkSize is the leaf size: large enough that per-leaf costs vanish,
// small enough that a few megabytes spread over the cores.
const chunkSize = 256 << 10

// sha256Tree returns the SHA-256 tree digest of b.
func sha256Tree(b []byte) [32]byte {
	n := (len(b) + chunkSize - 1) / chunkSize
	leaves := make([][32]byte, n)
	leaf := func(i int) {
		h := sha256.New()
		h.Write([]byte{0})
		h.Write(b[i*chunkSize : min((i+1)*chunkSize, len(b))])
		h.Sum(leaves[i][:0])
	}
	workers := min(runtime.GOMAXPROCS(0), n)
	if workers <= 1 {
		for i := range n {
			leaf(i)
		}
	} else {
		var next atomic.Int64
		var wg sync.WaitGroup
		for range workers {
			wg.Go(func() {
				for {
					i := int(next.Add(1) - 1)
					if i >= n {
						return
					}
					leaf(i)
				}
			})
		}
		wg.Wait()
	}
	root := sha256.New()
	var head [9]byte
	head[0] = 1
	binary.LittleEndian.PutUint64(head[1:], uint64(len(b)))
	root.Write(head[:])
	for i := range leaves {
		root.Write(leaves[i][:])
	}
	var d [32]byte
	root.Sum(d[:0])
	return d
}
