package oci

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2"
	"oras.land/oras-go/v2/content"
)

// PushInput is what Push sends.
type PushInput struct {
	Module   []byte // the module's binary
	Title    string // its file name, as the layer's title annotation
	Artifact []byte // a compiled moat artifact, or nil
	// Created is the artifact's creation time, part of what its digest
	// covers: the same module pushed with the same time has the same
	// digest.
	Created time.Time
}

// Pushed says what Push made.
type Pushed struct {
	Manifest ocispec.Descriptor
	Module   digest.Digest
	// Pinned is the reference by digest, REGISTRY/REPOSITORY@sha256:....
	Pinned string
}

// Push uploads a module as an OCI artifact and tags it as ref says (a
// reference without a tag is tagged latest).
func Push(ctx context.Context, ref string, in PushInput, opts Options) (*Pushed, error) {
	r, err := ParseRef(ref)
	if err != nil {
		return nil, err
	}
	if _, err := r.Digest(); err == nil {
		return nil, fmt.Errorf("oci: push to a tag, not a digest (%s)", ref)
	}
	tag := r.ReferenceOrDefault()
	repo, err := repository(r, opts)
	if err != nil {
		return nil, err
	}
	push := func(mediaType string, b []byte, annotations map[string]string) (ocispec.Descriptor, error) {
		desc := content.NewDescriptorFromBytes(mediaType, b)
		desc.Annotations = annotations
		exists, err := repo.Exists(ctx, desc)
		if err == nil && exists {
			return desc, nil
		}
		if err := repo.Push(ctx, desc, bytes.NewReader(b)); err != nil {
			return desc, fmt.Errorf("oci: pushing %s: %w", mediaType, err)
		}
		return desc, nil
	}
	var title map[string]string
	if in.Title != "" {
		title = map[string]string{ocispec.AnnotationTitle: in.Title}
	}
	moduleDesc, err := push(WasmMediaType, in.Module, title)
	if err != nil {
		return nil, err
	}
	layers := []ocispec.Descriptor{moduleDesc}
	if in.Artifact != nil {
		d, err := push(ArtifactMediaType, in.Artifact, nil)
		if err != nil {
			return nil, err
		}
		layers = append(layers, d)
	}
	digests := make([]digest.Digest, len(layers))
	for i, l := range layers {
		digests[i] = l.Digest
	}
	created := in.Created
	if created.IsZero() {
		created = time.Now()
	}
	cfgBytes, err := newConfig(created, digests)
	if err != nil {
		return nil, err
	}
	cfg, err := push(ConfigMediaType, cfgBytes, nil)
	if err != nil {
		return nil, err
	}
	manifest, err := oras.PackManifest(ctx, repo, oras.PackManifestVersion1_1, "", oras.PackManifestOptions{
		Layers:              layers,
		ConfigDescriptor:    &cfg,
		ManifestAnnotations: map[string]string{ocispec.AnnotationCreated: created.UTC().Format(time.RFC3339)},
	})
	if err != nil {
		return nil, fmt.Errorf("oci: pushing the manifest: %w", err)
	}
	if err := repo.Tag(ctx, manifest, tag); err != nil {
		return nil, fmt.Errorf("oci: tagging %s: %w", tag, err)
	}
	return &Pushed{Manifest: manifest, Module: moduleDesc.Digest, Pinned: r.Registry + "/" + r.Repository + "@" + string(manifest.Digest)}, nil
}
