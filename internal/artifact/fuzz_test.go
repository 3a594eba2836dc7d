package artifact

import (
	"crypto/ed25519"
	"errors"
	"testing"
)

// FuzzLoad feeds arbitrary bytes to Load: an *Error or success, never a
// panic. Random mutations rarely get past the digest, so FuzzLoadContents
// fuzzes what lies behind it.
//
//	go test -run '^$' -fuzz FuzzLoad -fuzztime 10m ./internal/artifact
func FuzzLoad(f *testing.F) {
	_, key, _ := ed25519.GenerateKey(nil)
	f.Add(sampleArtifact(f, nil)) // CRC-32C
	f.Add(sampleArtifact(f, key)) // SHA-256 tree
	f.Add([]byte(Magic))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, err := Load(b, Options{})
		var ae *Error
		if err != nil && !errors.As(err, &ae) {
			t.Fatalf("error of type %T: %v", err, err)
		}
	})
}

// FuzzLoadContents fuzzes the contents before the trailer and then seals
// them with a correct digest, so every input reaches the header and
// section-table parser (AppendTrailer computes the digest of the kind
// the contents record).
//
//	go test -run '^$' -fuzz FuzzLoadContents -fuzztime 10m ./internal/artifact
func FuzzLoadContents(f *testing.F) {
	for _, b := range [][]byte{sampleArtifact(f, nil), sampleArtifact(f, ed25519.NewKeyFromSeed(make([]byte, 32)))} {
		f.Add(b[:len(b)-TrailerSize]) // each digest kind
	}
	f.Fuzz(func(t *testing.T, contents []byte) {
		file, err := Load(AppendTrailer(contents, nil), Options{})
		var ae *Error
		if err != nil {
			if !errors.As(err, &ae) {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		for _, s := range file.Header.Sections {
			_ = file.Section(s.Kind)
		}
	})
}
