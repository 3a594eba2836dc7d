package oci

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// Media types of a module's OCI artifact.
const (
	// ConfigMediaType is the Wasm working group's config for modules.
	ConfigMediaType = "application/vnd.wasm.config.v0+json"
	// WasmMediaType is the layer holding the module's bytes.
	WasmMediaType = "application/wasm"
	// ArtifactMediaType is a compiled moat artifact travelling with the
	// module (optional).
	ArtifactMediaType = "application/vnd.moat.artifact.v1"
)

// Size limits on what is taken from a registry or the store.
const (
	maxManifestSize = 4 << 20
	maxModuleSize   = 1 << 30
)

// wasmConfig is the config blob: the fields the Wasm working group's
// layout defines for a core module.
type wasmConfig struct {
	Created      string          `json:"created,omitempty"`
	Architecture string          `json:"architecture"`
	OS           string          `json:"os"`
	LayerDigests []digest.Digest `json:"layerDigests"`
}

func newConfig(created time.Time, layers []digest.Digest) ([]byte, error) {
	return json.Marshal(wasmConfig{
		Created:      created.UTC().Format(time.RFC3339),
		Architecture: "wasm",
		OS:           "wasip1",
		LayerDigests: layers,
	})
}

// moduleLayers checks that a manifest describes a module and returns its
// module layer and, when present, its artifact layer.
func moduleLayers(manifestBytes []byte) (module ocispec.Descriptor, artifact *ocispec.Descriptor, err error) {
	var m ocispec.Manifest
	if err := json.Unmarshal(manifestBytes, &m); err != nil {
		return module, nil, fmt.Errorf("oci: the manifest is not JSON: %v", err)
	}
	if m.MediaType != ocispec.MediaTypeImageManifest || m.SchemaVersion != 2 {
		return module, nil, fmt.Errorf("oci: not an OCI image manifest (media type %q)", m.MediaType)
	}
	if m.Config.MediaType != ConfigMediaType {
		return module, nil, fmt.Errorf("oci: not a WebAssembly module artifact (config media type %q, want %q)", m.Config.MediaType, ConfigMediaType)
	}
	found := false
	for i, l := range m.Layers {
		switch l.MediaType {
		case WasmMediaType:
			if found {
				return module, nil, fmt.Errorf("oci: the artifact has more than one %s layer", WasmMediaType)
			}
			module, found = l, true
		case ArtifactMediaType:
			if artifact != nil {
				return module, nil, fmt.Errorf("oci: the artifact has more than one %s layer", ArtifactMediaType)
			}
			artifact = &m.Layers[i]
		}
	}
	if !found {
		return module, nil, fmt.Errorf("oci: the artifact has no %s layer", WasmMediaType)
	}
	for _, l := range append([]ocispec.Descriptor{module}, derefs(artifact)...) {
		if l.Size < 0 || l.Size > maxModuleSize {
			return module, nil, fmt.Errorf("oci: layer %s has size %d (at most %d)", l.Digest, l.Size, maxModuleSize)
		}
		if err := l.Digest.Validate(); err != nil || l.Digest.Algorithm() != digest.SHA256 {
			return module, nil, fmt.Errorf("oci: layer digest %q is not a sha256 digest", l.Digest)
		}
	}
	return module, artifact, nil
}

func derefs(d *ocispec.Descriptor) []ocispec.Descriptor {
	if d == nil {
		return nil
	}
	return []ocispec.Descriptor{*d}
}
