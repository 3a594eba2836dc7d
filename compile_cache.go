package moat

import (
	"crypto/sha256"

	"github.com/moat-run/moat/internal/artifact"
	"github.com/moat-run/moat/internal/cache"
)

// compileCached compiles b through the engine's cache: a hit loads the
// entry (digest checked, header checked, module hash compared); a miss, or
// an entry that fails any check, compiles and stores a fresh entry, which
// replaces a damaged one. Failing to store is not an error: the module is
// compiled either way.
func (e *Engine) compileCached(b []byte) (*Module, error) {
	ae, err := e.artifactEngine()
	if err != nil {
		return nil, err
	}
	hash := sha256.Sum256(b)
	// The features turned off decide which modules compile at all; a
	// module compiled under other settings must miss, not skip validation.
	t := ae.Target()
	t.Settings = append(t.Settings, artifact.Setting{Key: "disabled wasm features", Value: e.cfg.DisabledFeatures.String()})
	key := cache.Key(hash, artifact.BuildID(), t)
	path := e.cache.Path(key)
	if f, err := artifact.Open(path, artifact.Options{SkipDigest: e.skipDigest}); err == nil {
		mod, err := e.moduleFromArtifact(f, &hash)
		f.Close()
		if err == nil {
			e.cache.Touch(path)
			mod.fromCache = true
			return mod, nil
		}
	}
	mod, err := e.decodeAndCompile(b)
	if err != nil {
		return nil, err
	}
	if a, err := mod.Serialize(); err == nil {
		_ = e.cache.Put(key, a)
	}
	return mod, nil
}
