package moat_test

import (
	"crypto/ed25519"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/moat-run/moat"
	"github.com/moat-run/moat/internal/artifact"
	"github.com/moat-run/moat/internal/testsuite"
)

// artifactSeeds are artifacts of small modules: behaviourWat (unsigned,
// with a CRC-32C digest, and signed, with the SHA-256 tree), a few spec
// suite modules, and damaged copies.
func artifactSeeds(f *testing.F, e *moat.Engine) [][]byte {
	seeds := [][]byte{smallArtifact(f, e), signedSmallArtifact(f, e)}
	if dir, err := testsuite.SpecDir(); err == nil {
		paths, _ := filepath.Glob(filepath.Join(dir, "*", "*.wasm"))
		for i, p := range paths {
			if i%150 != 0 {
				continue
			}
			b, err := os.ReadFile(p)
			if err != nil {
				continue
			}
			if m, err := e.Compile(b); err == nil {
				if a, err := m.Serialize(); err == nil {
					seeds = append(seeds, a)
				}
			}
		}
	}
	return seeds
}

// signedSmallArtifact is the artifact of behaviourWat signed by a fixed key.
func signedSmallArtifact(f *testing.F, e *moat.Engine) []byte {
	mod, err := e.Compile(wat2wasm(f, behaviourWat))
	if err != nil {
		f.Fatal(err)
	}
	b, err := mod.SerializeSigned(ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize)))
	if err != nil {
		f.Fatal(err)
	}
	return b
}

// loads counts Deserialize calls, so that the fuzz functions collect the
// garbage (and with it the code mappings of loaded modules) now and then.
var artifactLoads int

func collectNowAndThen() {
	if artifactLoads++; artifactLoads%500 == 0 {
		runtime.GC()
	}
}

// FuzzDeserialize loads arbitrary bytes as an artifact: a module or an
// *ArtifactError, never a panic or a crash. Nothing loaded is run.
//
//	go test -run '^$' -fuzz 'FuzzDeserialize$' -fuzztime 10m -fuzzminimizetime 1000x .
func FuzzDeserialize(f *testing.F) {
	e := compilerEngine(f, moat.Config{})
	for _, s := range artifactSeeds(f, e) {
		f.Add(s)
		cut := append([]byte(nil), s[:len(s)/2]...)
		f.Add(cut)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		collectNowAndThen()
		m, err := e.Deserialize(b)
		checkLoad(t, m, err)
	})
}

// FuzzDeserializeContents fuzzes an artifact's contents and seals them with
// a correct digest, so every input gets past the digest to the header,
// the module section's decoding, the tables and the code mapping. Real
// artifacts of these seeds would need a forged digest to get here.
//
//	go test -run '^$' -fuzz FuzzDeserializeContents -fuzztime 10m -fuzzminimizetime 1000x .
func FuzzDeserializeContents(f *testing.F) {
	e := compilerEngine(f, moat.Config{})
	for _, s := range artifactSeeds(f, e) {
		f.Add(s[:len(s)-artifact.TrailerSize])
	}
	f.Fuzz(func(t *testing.T, contents []byte) {
		collectNowAndThen()
		m, err := e.Deserialize(artifact.AppendTrailer(append([]byte(nil), contents...), nil))
		checkLoad(t, m, err)
	})
}

// checkLoad accepts a module that describes itself, or a typed error.
func checkLoad(t *testing.T, m *moat.Module, err error) {
	t.Helper()
	if err != nil {
		var ae *moat.ArtifactError
		if !errors.As(err, &ae) && !strings.Contains(err.Error(), "vm: ") {
			t.Fatalf("error of type %T: %v", err, err)
		}
		if strings.Contains(err.Error(), "internal error") {
			t.Fatalf("loading panicked: %v", err)
		}
		return
	}
	_ = m.Imports()
	_ = m.Exports()
	_ = m.Name()
}
