package oci

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/opencontainers/go-digest"
)

// Store is a local content-addressed store: blobs/sha256/HEX under its
// directory, written atomically (a temporary file renamed into place) and
// verified against their name whenever they are read.
type Store struct {
	dir string
}

// OpenStore opens (creating it if needed) a store in dir.
func OpenStore(dir string) (*Store, error) {
	if dir == "" {
		return nil, errors.New("oci: no store directory")
	}
	if err := os.MkdirAll(filepath.Join(dir, "blobs", "sha256"), 0o755); err != nil {
		return nil, fmt.Errorf("oci: store: %w", err)
	}
	return &Store{dir: dir}, nil
}

// DefaultStoreDir is where pulled modules are kept when no directory is
// given: moat/modules under the user's cache directory.
func DefaultStoreDir() string {
	dir, err := os.UserCacheDir()
	if err != nil {
		dir = os.TempDir()
	}
	return filepath.Join(dir, "moat", "modules")
}

// Dir is the store's directory.
func (s *Store) Dir() string { return s.dir }

// path is where the blob of digest d lives.
func (s *Store) path(d digest.Digest) (string, error) {
	if err := d.Validate(); err != nil || d.Algorithm() != digest.SHA256 {
		return "", fmt.Errorf("oci: unsupported digest %q", d)
	}
	return filepath.Join(s.dir, "blobs", "sha256", d.Encoded()), nil
}

// Path is the file holding the blob of digest d (present or not).
func (s *Store) Path(d digest.Digest) (string, error) { return s.path(d) }

// Put stores b under its digest, which must be d.
func (s *Store) Put(d digest.Digest, b []byte) error {
	p, err := s.path(d)
	if err != nil {
		return err
	}
	if got := digestOf(b); got != d {
		return fmt.Errorf("oci: content has digest %s, not %s", got, d)
	}
	if _, err := os.Stat(p); err == nil {
		return nil // content-addressed: already there
	}
	tmp, err := os.CreateTemp(filepath.Dir(p), ".tmp-"+d.Encoded()[:12]+"-*")
	if err != nil {
		return fmt.Errorf("oci: store: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return fmt.Errorf("oci: store: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("oci: store: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("oci: store: %w", err)
	}
	if err := os.Rename(tmp.Name(), p); err != nil {
		return fmt.Errorf("oci: store: %w", err)
	}
	return nil
}

// ErrNotStored is returned by Get for a digest the store does not hold.
var ErrNotStored = errors.New("oci: not in the local store")

// Get returns the blob of digest d, verified; at most max bytes are read.
// A stored blob whose content does not match its name is an error (and is
// removed, so the next pull replaces it).
func (s *Store) Get(d digest.Digest, max int64) ([]byte, error) {
	p, err := s.path(d)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s", ErrNotStored, d)
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.Size() > max {
		return nil, fmt.Errorf("oci: stored %s is %d bytes, over the limit of %d", d, st.Size(), max)
	}
	b := make([]byte, st.Size())
	if _, err := f.ReadAt(b, 0); err != nil && st.Size() > 0 {
		return nil, err
	}
	if got := digestOf(b); got != d {
		os.Remove(p)
		return nil, fmt.Errorf("oci: the stored blob %s is damaged (its content has digest %s); removed", d, got)
	}
	return b, nil
}

func digestOf(b []byte) digest.Digest {
	sum := sha256.Sum256(b)
	return digest.NewDigestFromEncoded(digest.SHA256, hex.EncodeToString(sum[:]))
}
