package peers

import (
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/moat-run/moat"
	"github.com/moat-run/moat/internal/artifact"
)

// LoadTimes are the costs of compiling a module once and of loading its
// compiled form back, for one engine. Durations are medians.
type LoadTimes struct {
	Compile      time.Duration // wasm bytes to a module, fresh engine
	ArtifactSize int           // bytes of the serialized module
	Load         time.Duration // file to a module ready to instantiate
	Digest       time.Duration // of Load, checking the file's digest (moat only)
}

// MoatLoadTimes compiles wasm with moat's compiler runs times (a fresh
// engine each time), serializes it to a file in dir, and loads that file
// back with DeserializeFile runs times.
func MoatLoadTimes(wasm []byte, runs int, dir string) (LoadTimes, error) {
	var lt LoadTimes
	var compiles, loads, digests []time.Duration
	var mod *moat.Module
	for range runs {
		e, err := moat.NewEngine(moat.Config{Engine: moat.EngineCompiler})
		if err != nil {
			return lt, err
		}
		start := time.Now()
		mod, err = e.Compile(wasm)
		compiles = append(compiles, time.Since(start))
		if err != nil {
			return lt, err
		}
	}
	b, err := mod.Serialize()
	if err != nil {
		return lt, err
	}
	lt.ArtifactSize = len(b)
	path := filepath.Join(dir, "moat.cwasm")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		return lt, err
	}
	e, err := moat.NewEngine(moat.Config{Engine: moat.EngineCompiler})
	if err != nil {
		return lt, err
	}
	for range runs {
		start := time.Now()
		if _, err := e.DeserializeFile(path); err != nil {
			return lt, err
		}
		loads = append(loads, time.Since(start))
		start = time.Now()
		artifact.Digest(b)
		digests = append(digests, time.Since(start))
	}
	lt.Compile, lt.Load, lt.Digest = medianOf(compiles), medianOf(loads), medianOf(digests)
	return lt, nil
}

func medianOf(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}
