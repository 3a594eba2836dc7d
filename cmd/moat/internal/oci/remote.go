package oci

import (
	"fmt"
	"net/http"
	"strings"

	"oras.land/oras-go/v2/registry"
	"oras.land/oras-go/v2/registry/remote"
	"oras.land/oras-go/v2/registry/remote/auth"
	"oras.land/oras-go/v2/registry/remote/credentials"
	"oras.land/oras-go/v2/registry/remote/retry"
)

// Options say how to reach registries.
type Options struct {
	// PlainHTTP reaches registries over HTTP instead of HTTPS (a local
	// or test registry).
	PlainHTTP bool
	// Credential gives the credentials for a registry; nil: those in the
	// Docker configuration (~/.docker/config.json, $DOCKER_CONFIG), if any.
	Credential auth.CredentialFunc
	// HTTPClient carries the requests; nil: a client that retries
	// transient failures.
	HTTPClient *http.Client
}

// ParseRef parses a reference, REGISTRY/REPOSITORY[:TAG][@DIGEST], with or
// without an oci:// prefix.
func ParseRef(s string) (registry.Reference, error) {
	ref, err := registry.ParseReference(strings.TrimPrefix(s, "oci://"))
	if err != nil {
		return registry.Reference{}, fmt.Errorf("oci: %q is not a registry reference (REGISTRY/REPOSITORY:TAG or @sha256:DIGEST): %v", s, err)
	}
	return ref, nil
}

// IsRef reports whether a module source names an OCI artifact rather than
// a file: it starts with oci://.
func IsRef(s string) bool { return strings.HasPrefix(s, "oci://") }

// repository opens the repository ref names.
func repository(ref registry.Reference, opts Options) (*remote.Repository, error) {
	repo, err := remote.NewRepository(ref.Registry + "/" + ref.Repository)
	if err != nil {
		return nil, err
	}
	repo.PlainHTTP = opts.PlainHTTP
	cred := opts.Credential
	if cred == nil {
		if store, err := credentials.NewStoreFromDocker(credentials.StoreOptions{}); err == nil {
			cred = credentials.Credential(store)
		}
	}
	client := opts.HTTPClient
	if client == nil {
		client = retry.DefaultClient
	}
	repo.Client = &auth.Client{Client: client, Credential: cred, Cache: auth.NewCache()}
	return repo, nil
}
