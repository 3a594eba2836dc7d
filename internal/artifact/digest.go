package artifact

import (
	"crypto/sha256"
	"encoding/binary"
	"runtime"
	"sync"
	"sync/atomic"
)

// The digest is SHA-256 in a two-level tree, so that large artifacts are
// hashed on every core at once: each chunk of chunkSize bytes is hashed
// on its own (a leaf, prefixed 0x00), and the digest is the hash of the
// total length and every leaf in order (prefixed 0x01). The prefixes and
// the length keep leaves and roots from being confused, so finding two
// files with one digest is as hard as finding a SHA-256 collision. Go's
// crypto/sha256 uses the CPU's SHA extensions when it has them.

// chunkSize is the leaf size: large enough that per-leaf costs vanish,
// small enough that a few megabytes spread over the cores.
const chunkSize = 256 << 10

// Digest returns the digest of b.
func Digest(b []byte) [32]byte {
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
