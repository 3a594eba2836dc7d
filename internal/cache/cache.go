package cache

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/moat-run/moat/internal/artifact"
)

// DefaultMaxBytes is the size cap when none is given: 1 GiB, Wasmtime's
// default soft limit.
const DefaultMaxBytes = 1 << 30

// entrySuffix names entries; tempPrefix names files being written.
const (
	entrySuffix = ".cwasm"
	tempPrefix  = ".tmp-"
)

// staleTemp is the age after which a temporary file is taken to be left by
// a writer that died, and removed.
const staleTemp = time.Hour

// lowWater is the fraction of the cap that eviction brings the cache to,
// so that a full cache does not evict on every write.
const lowWater = 0.9

// Cache is a cache directory. It is safe for concurrent use.
type Cache struct {
	dir      string
	maxBytes int64
}

// Open opens (creating it, mode 0700) the cache directory dir with a size
// cap of maxBytes (0: DefaultMaxBytes). It refuses a directory that belongs
// to another user or that others may write.
func Open(dir string, maxBytes int64) (*Cache, error) {
	if dir == "" {
		return nil, fmt.Errorf("cache: no directory")
	}
	if maxBytes < 0 {
		return nil, fmt.Errorf("cache: negative size cap %d", maxBytes)
	}
	if maxBytes == 0 {
		maxBytes = DefaultMaxBytes
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("cache: %w", err)
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("cache: %w", err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("cache: %s is not a directory", dir)
	}
	if err := checkPrivate(dir, fi); err != nil {
		return nil, err
	}
	return &Cache{dir: dir, maxBytes: maxBytes}, nil
}

// Dir is the cache directory.
func (c *Cache) Dir() string { return c.dir }

// Key is the entry key of a module with SHA-256 moduleHash compiled by
// moat build build for target t.
func Key(moduleHash [32]byte, build string, t artifact.Target) [32]byte {
	h := sha256.New()
	field := func(s string) {
		var n [4]byte
		binary.LittleEndian.PutUint32(n[:], uint32(len(s)))
		h.Write(n[:])
		io.WriteString(h, s)
	}
	field(fmt.Sprint("moat cache, artifact format ", artifact.FormatVersion))
	field(build)
	field(t.Arch)
	field(strings.Join(t.CPU, ","))
	for _, s := range t.Settings {
		field(s.Key)
		field(s.Value)
	}
	h.Write(moduleHash[:])
	var k [32]byte
	h.Sum(k[:0])
	return k
}

// Path is where the entry of key lives.
func (c *Cache) Path(key [32]byte) string {
	return filepath.Join(c.dir, hex.EncodeToString(key[:])+entrySuffix)
}

// Touch records a use of the entry at path, for eviction.
func (c *Cache) Touch(path string) {
	now := time.Now()
	_ = os.Chtimes(path, now, now)
}

// Put stores b as the entry of key: written to a temporary file, then
// renamed into place. It then evicts entries if the cache is over its cap.
func (c *Cache) Put(key [32]byte, b []byte) error {
	tmp, err := os.CreateTemp(c.dir, tempPrefix+"*")
	if err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	_, werr := tmp.Write(b)
	cerr := tmp.Close()
	if werr != nil || cerr != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("cache: writing %s: %w", tmp.Name(), firstErr(werr, cerr))
	}
	path := c.Path(key)
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("cache: %w", err)
	}
	c.evict(path)
	return nil
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// entry is a file in the cache directory.
type entry struct {
	path  string
	size  int64
	mtime time.Time
}

// evict removes stale temporary files, and, when the entries add up to
// more than the cap, the least recently used ones (never keep, the entry
// just written) until they fit in lowWater of it. Files another process
// removed first are skipped.
func (c *Cache) evict(keep string) {
	des, err := os.ReadDir(c.dir)
	if err != nil {
		return
	}
	var entries []entry
	var total int64
	now := time.Now()
	for _, de := range des {
		name := de.Name()
		fi, err := de.Info()
		if err != nil || !fi.Mode().IsRegular() {
			continue
		}
		path := filepath.Join(c.dir, name)
		switch {
		case strings.HasPrefix(name, tempPrefix):
			if now.Sub(fi.ModTime()) > staleTemp {
				os.Remove(path)
			}
		case strings.HasSuffix(name, entrySuffix):
			entries = append(entries, entry{path, fi.Size(), fi.ModTime()})
			total += fi.Size()
		}
	}
	if total <= c.maxBytes {
		return
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].mtime.Before(entries[j].mtime) })
	target := int64(float64(c.maxBytes) * lowWater)
	for _, e := range entries {
		if total <= target {
			break
		}
		if e.path == keep {
			continue
		}
		if err := os.Remove(e.path); err == nil || os.IsNotExist(err) {
			total -= e.size
		}
	}
}

// Size is the total size of the entries, in bytes.
func (c *Cache) Size() (int64, error) {
	des, err := os.ReadDir(c.dir)
	if err != nil {
		return 0, err
	}
	var total int64
	for _, de := range des {
		if !strings.HasSuffix(de.Name(), entrySuffix) {
			continue
		}
		if fi, err := de.Info(); err == nil {
			total += fi.Size()
		}
	}
	return total, nil
}
