package server

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"

	"github.com/moat-run/moat"
	"github.com/moat-run/moat/internal/artifact"
)

// precompiled decides whether compiled artifacts may be served. An
// artifact is native code: its digest proves it intact, not harmless, so
// moat serve loads one only when told to trust where it came from
// (AllowPrecompiled), and then only signed by a trusted key when the
// engines have TrustedKeys, as moat run does.
type precompiled struct {
	allow bool
}

// isArtifact reports whether b is a compiled artifact rather than a module.
func isArtifact(b []byte) bool { return bytes.HasPrefix(b, []byte(artifact.Magic)) }

// load loads the artifact b into e. With moduleSum set, b came with a
// module and must have been compiled from exactly that module: an artifact
// of another module is refused, so that a registry cannot swap the code
// that runs for the module that was pinned.
func (p precompiled) load(e *moat.Engine, b []byte, moduleSum *[sha256.Size]byte) (*moat.Module, error) {
	if !p.allow {
		return nil, errPrecompiledRefused
	}
	if moduleSum != nil {
		f, err := artifact.Load(b, artifact.Options{})
		if err != nil {
			return nil, fmt.Errorf("the artifact: %w", err)
		}
		if f.Header.ModuleHash != *moduleSum {
			return nil, fmt.Errorf("the artifact was compiled from another module (sha256:%x), not this one (sha256:%x)", f.Header.ModuleHash, *moduleSum)
		}
	}
	return e.Deserialize(b)
}

// errPrecompiledRefused is loading an artifact without AllowPrecompiled.
var errPrecompiledRefused = errors.New("a precompiled artifact (native code): serve it with --allow-precompiled if you trust where it came from")
