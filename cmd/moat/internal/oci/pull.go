package oci

import (
	"context"
	"errors"
	"fmt"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/content"
	"oras.land/oras-go/v2/registry"
	"oras.land/oras-go/v2/registry/remote"
)

// Pulled is a module taken from a registry or the store, verified.
type Pulled struct {
	Manifest digest.Digest
	Module   []byte
	// ModuleDigest names Module's bytes (the key a compilation cache
	// would use).
	ModuleDigest digest.Digest
	// Artifact is the compiled moat artifact that came with it, or nil.
	Artifact       []byte
	ArtifactDigest digest.Digest
	// FromStore: nothing was fetched from the registry.
	FromStore bool
}

// Pull fetches the module ref names into the store and returns it. A
// reference by digest already in the store is taken from there without
// contacting the registry; a tag is always resolved by the registry.
func Pull(ctx context.Context, ref string, store *Store, opts Options) (*Pulled, error) {
	r, err := ParseRef(ref)
	if err != nil {
		return nil, err
	}
	if pinned, err := r.Digest(); err == nil {
		if p, err := FromStore(store, pinned); err == nil {
			return p, nil
		} else if !errors.Is(err, ErrNotStored) {
			return nil, err
		}
	}
	repo, err := repository(r, opts)
	if err != nil {
		return nil, err
	}
	desc, err := repo.Resolve(ctx, r.ReferenceOrDefault())
	if err != nil {
		return nil, fmt.Errorf("oci: resolving %s: %w", ref, err)
	}
	if pinned, err := r.Digest(); err == nil && desc.Digest != pinned {
		return nil, fmt.Errorf("oci: the registry resolved %s to %s", pinned, desc.Digest)
	}
	if desc.Size > maxManifestSize {
		return nil, fmt.Errorf("oci: manifest of %d bytes (at most %d)", desc.Size, maxManifestSize)
	}
	manifestBytes, err := fetch(ctx, repo, desc)
	if err != nil {
		return nil, err
	}
	moduleDesc, artifactDesc, err := moduleLayers(manifestBytes)
	if err != nil {
		return nil, err
	}
	p := &Pulled{Manifest: desc.Digest, ModuleDigest: moduleDesc.Digest}
	if p.Module, err = fetch(ctx, repo, moduleDesc); err != nil {
		return nil, err
	}
	if artifactDesc != nil {
		p.ArtifactDigest = artifactDesc.Digest
		if p.Artifact, err = fetch(ctx, repo, *artifactDesc); err != nil {
			return nil, err
		}
	}
	// Layers first, so a stored manifest always has its layers.
	for _, b := range [][]byte{p.Module, p.Artifact} {
		if b != nil {
			if err := store.Put(digestOf(b), b); err != nil {
				return nil, err
			}
		}
	}
	if err := store.Put(desc.Digest, manifestBytes); err != nil {
		return nil, err
	}
	return p, nil
}

// fetch reads the content desc describes, checking its size and digest.
func fetch(ctx context.Context, repo *remote.Repository, desc ocispec.Descriptor) ([]byte, error) {
	var rc interface {
		Read([]byte) (int, error)
		Close() error
	}
	var err error
	if desc.MediaType == ocispec.MediaTypeImageManifest {
		rc, err = repo.Manifests().Fetch(ctx, desc)
	} else {
		rc, err = repo.Blobs().Fetch(ctx, desc)
	}
	if err != nil {
		return nil, fmt.Errorf("oci: fetching %s: %w", desc.Digest, err)
	}
	defer rc.Close()
	b, err := content.ReadAll(rc, desc)
	if err != nil {
		return nil, fmt.Errorf("oci: fetching %s: %w", desc.Digest, err)
	}
	return b, nil
}

// FromStore loads the module of the manifest with digest d from the store
// alone, verifying every blob.
func FromStore(store *Store, d digest.Digest) (*Pulled, error) {
	manifestBytes, err := store.Get(d, maxManifestSize)
	if err != nil {
		return nil, err
	}
	moduleDesc, artifactDesc, err := moduleLayers(manifestBytes)
	if err != nil {
		return nil, err
	}
	p := &Pulled{Manifest: d, ModuleDigest: moduleDesc.Digest, FromStore: true}
	if p.Module, err = store.Get(moduleDesc.Digest, maxModuleSize); err != nil {
		return nil, err
	}
	if artifactDesc != nil {
		p.ArtifactDigest = artifactDesc.Digest
		if p.Artifact, err = store.Get(artifactDesc.Digest, maxModuleSize); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// RequireDigest checks that ref is pinned by digest, as a served module
// must be, so that every node serves the same bytes.
func RequireDigest(ref string) (registry.Reference, error) {
	r, err := ParseRef(ref)
	if err != nil {
		return r, err
	}
	if _, err := r.Digest(); err != nil {
		return r, fmt.Errorf("oci: %s is not pinned by digest; serve REGISTRY/REPOSITORY@sha256:... (moat pull prints the digest of a tag)", ref)
	}
	return r, nil
}
