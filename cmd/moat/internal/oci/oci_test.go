package oci_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/registry/remote/auth"

	"github.com/moat-run/moat/cmd/moat/internal/oci"
	"github.com/moat-run/moat/cmd/moat/internal/oci/ocitest"
)

var module = func() []byte {
	b, err := os.ReadFile("../../../../serve/testdata/cgi/cgi.wasm")
	if err != nil {
		panic(err)
	}
	return b
}()

func openStore(t *testing.T) *oci.Store {
	s, err := oci.OpenStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func digestOf(b []byte) digest.Digest { return digest.FromBytes(b) }

// TestPushPull: a module and its artifact go to a real registry and come
// back byte for byte; a pinned pull is served from the store afterwards;
// the same push twice has the same digest.
func TestPushPull(t *testing.T) {
	host, _ := ocitest.Start(t, false)
	ctx := context.Background()
	opts := oci.Options{PlainHTTP: true}
	created := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	artifact := []byte("a compiled artifact, opaque here")
	p, err := oci.Push(ctx, host+"/moat/cgi:v1", oci.PushInput{Module: module, Title: "cgi.wasm", Artifact: artifact, Created: created}, opts)
	if err != nil {
		t.Fatal(err)
	}
	if p.Module != digestOf(module) || p.Pinned != host+"/moat/cgi@"+string(p.Manifest.Digest) {
		t.Errorf("pushed %+v", p)
	}
	again, err := oci.Push(ctx, host+"/moat/cgi:v2", oci.PushInput{Module: module, Title: "cgi.wasm", Artifact: artifact, Created: created}, opts)
	if err != nil || again.Manifest.Digest != p.Manifest.Digest {
		t.Errorf("the same push again: %v, %v (want %s)", again.Manifest.Digest, err, p.Manifest.Digest)
	}

	store := openStore(t)
	got, err := oci.Pull(ctx, "oci://"+host+"/moat/cgi:v1", store, opts)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Module, module) || !bytes.Equal(got.Artifact, artifact) || got.Manifest != p.Manifest.Digest || got.FromStore {
		t.Errorf("pulled %s %s (%d, %d bytes) from store %v", got.Manifest, got.ModuleDigest, len(got.Module), len(got.Artifact), got.FromStore)
	}
	pinned, err := oci.Pull(ctx, p.Pinned, store, oci.Options{PlainHTTP: true, HTTPClient: failingClient(t)})
	if err != nil || !pinned.FromStore || !bytes.Equal(pinned.Module, module) {
		t.Errorf("pinned pull: from store %v, %v", pinned != nil && pinned.FromStore, err)
	}
	// A tag is always resolved by the registry.
	if _, err := oci.Pull(ctx, host+"/moat/cgi:v1", store, oci.Options{PlainHTTP: true, HTTPClient: failingClient(t)}); err == nil {
		t.Error("a tag was resolved without the registry")
	}

	// The manifest is the Wasm OCI layout.
	fresh, err := oci.Pull(ctx, p.Pinned, openStore(t), opts)
	if err != nil || fresh.FromStore {
		t.Fatalf("pull into a fresh store: %v", err)
	}
	req, _ := http.NewRequest(http.MethodGet, "http://"+host+"/v2/moat/cgi/manifests/v1", nil)
	req.Header.Set("Accept", ocispec.MediaTypeImageManifest)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m ocispec.Manifest
	json.NewDecoder(resp.Body).Decode(&m)
	if m.Config.MediaType != oci.ConfigMediaType || len(m.Layers) != 2 || m.Layers[0].MediaType != oci.WasmMediaType ||
		m.Layers[0].Annotations[ocispec.AnnotationTitle] != "cgi.wasm" || m.Layers[1].MediaType != oci.ArtifactMediaType {
		t.Errorf("manifest %+v", m)
	}
}

// failingClient fails every request: what must not reach the registry.
func failingClient(t *testing.T) *http.Client {
	return &http.Client{Transport: roundTripper(func(r *http.Request) (*http.Response, error) {
		return nil, errors.New("no network in this test")
	})}
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestRegistryAuth: a registry that requires credentials refuses a push
// without them and takes one with them.
func TestRegistryAuth(t *testing.T) {
	host, _ := ocitest.Start(t, true)
	ctx := context.Background()
	none := oci.Options{PlainHTTP: true, Credential: auth.StaticCredential(host, auth.EmptyCredential)}
	if _, err := oci.Push(ctx, host+"/moat/cgi:v1", oci.PushInput{Module: module}, none); err == nil {
		t.Fatal("pushed without credentials")
	}
	with := oci.Options{PlainHTTP: true, Credential: auth.StaticCredential(host, auth.Credential{Username: ocitest.HtpasswdUser, Password: ocitest.HtpasswdPassword})}
	p, err := oci.Push(ctx, host+"/moat/cgi:v1", oci.PushInput{Module: module}, with)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := oci.Pull(ctx, p.Pinned, openStore(t), with); err != nil {
		t.Fatal(err)
	}
}

// TestStore: blobs are stored under their digest only, and a damaged blob
// is refused and removed.
func TestStore(t *testing.T) {
	s := openStore(t)
	d := digestOf(module)
	if err := s.Put(digestOf([]byte("other")), module); err == nil {
		t.Error("stored content under another digest")
	}
	if err := s.Put(d, module); err != nil {
		t.Fatal(err)
	}
	if b, err := s.Get(d, 1<<30); err != nil || !bytes.Equal(b, module) {
		t.Fatalf("get: %v", err)
	}
	if _, err := s.Get(d, 10); err == nil {
		t.Error("read past the size limit")
	}
	if _, err := s.Get(digestOf([]byte("absent")), 1<<30); !errors.Is(err, oci.ErrNotStored) {
		t.Errorf("absent: %v", err)
	}
	p, _ := s.Path(d)
	os.WriteFile(p, append([]byte("x"), module[1:]...), 0o644)
	if _, err := s.Get(d, 1<<30); err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Errorf("damaged blob: %v", err)
	}
	if _, err := os.Stat(p); err == nil {
		t.Error("the damaged blob is still there")
	}
	for _, bad := range []digest.Digest{"sha256:../../etc/passwd", "md5:abc", ""} {
		if _, err := s.Path(bad); err == nil {
			t.Errorf("path for digest %q", bad)
		}
	}
}

// fakeRegistry serves fixed manifests and blobs by digest or tag, as a
// hostile or broken registry could.
type fakeRegistry struct {
	manifests map[string][]byte // by tag or digest
	blobs     map[digest.Digest][]byte
}

func (f *fakeRegistry) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimPrefix(r.URL.Path, "/v2/x/")
	switch {
	case r.URL.Path == "/v2/":
		return
	case strings.HasPrefix(path, "manifests/"):
		ref := strings.TrimPrefix(path, "manifests/")
		b, ok := f.manifests[ref]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", ocispec.MediaTypeImageManifest)
		d := digest.Digest(ref)
		if d.Validate() != nil {
			d = digestOf(b)
		}
		w.Header().Set("Docker-Content-Digest", string(d))
		w.Header().Set("Content-Length", fmt.Sprint(len(b)))
		if r.Method != http.MethodHead {
			w.Write(b)
		}
	case strings.HasPrefix(path, "blobs/"):
		b, ok := f.blobs[digest.Digest(strings.TrimPrefix(path, "blobs/"))]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Write(b)
	default:
		http.NotFound(w, r)
	}
}

func manifestOf(t *testing.T, config ocispec.Descriptor, layers ...ocispec.Descriptor) []byte {
	b, err := json.Marshal(ocispec.Manifest{Versioned: specsVersioned(), MediaType: ocispec.MediaTypeImageManifest, Config: config, Layers: layers})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestHostileRegistry: whatever a registry sends that does not match the
// digests naming it, or is not a module artifact, is refused and nothing
// of it is stored.
func TestHostileRegistry(t *testing.T) {
	cfg := []byte(`{"architecture":"wasm","os":"wasip1","layerDigests":[]}`)
	cfgDesc := ocispec.Descriptor{MediaType: oci.ConfigMediaType, Digest: digestOf(cfg), Size: int64(len(cfg))}
	wasm := ocispec.Descriptor{MediaType: oci.WasmMediaType, Digest: digestOf(module), Size: int64(len(module))}
	tampered := append([]byte(nil), module...)
	tampered[100] ^= 1
	good := manifestOf(t, cfgDesc, wasm)
	for _, tc := range []struct {
		name     string
		manifest []byte
		blob     []byte // served for the module's digest
		ref      string // "" pins good's digest
		err      string
	}{
		{"module bytes not matching their digest", good, tampered, "", "mismatched digest"},
		{"manifest not matching the pinned digest", manifestOf(t, cfgDesc, wasm, wasm), module, "@" + string(digestOf(good)), "mismatched digest"},
		{"not a module artifact", manifestOf(t, ocispec.Descriptor{MediaType: "application/vnd.oci.image.config.v1+json", Digest: cfgDesc.Digest, Size: cfgDesc.Size}, wasm), module, ":t", "not a WebAssembly module artifact"},
		{"two module layers", manifestOf(t, cfgDesc, wasm, wasm), module, ":t", "more than one"},
		{"no module layer", manifestOf(t, cfgDesc), module, ":t", "no application/wasm layer"},
		{"a layer too large to take", manifestOf(t, cfgDesc, ocispec.Descriptor{MediaType: oci.WasmMediaType, Digest: wasm.Digest, Size: 1 << 40}), module, ":t", "size"},
		{"a layer whose size is understated", manifestOf(t, cfgDesc, ocispec.Descriptor{MediaType: oci.WasmMediaType, Digest: wasm.Digest, Size: 10}), module, ":t", "trailing data"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			reg := &fakeRegistry{manifests: map[string][]byte{"t": tc.manifest}, blobs: map[digest.Digest][]byte{wasm.Digest: tc.blob, cfgDesc.Digest: cfg}}
			ref := tc.ref
			if ref == "" {
				ref = "@" + string(digestOf(tc.manifest))
			}
			if strings.HasPrefix(ref, "@") {
				reg.manifests[ref[1:]] = tc.manifest
			} else {
				reg.manifests[string(digestOf(tc.manifest))] = tc.manifest
			}
			srv := httptest.NewServer(reg)
			defer srv.Close()
			store := openStore(t)
			_, err := oci.Pull(context.Background(), strings.TrimPrefix(srv.URL, "http://")+"/x"+ref, store, oci.Options{PlainHTTP: true})
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("pull: %v, want an error with %q", err, tc.err)
			}
			if testing.Verbose() {
				t.Log(err)
			}
			entries, _ := os.ReadDir(filepath.Join(store.Dir(), "blobs", "sha256"))
			if len(entries) != 0 {
				t.Errorf("%d blobs stored from a refused pull", len(entries))
			}
		})
	}
}

// TestRequireDigest: a served module must be pinned by digest.
func TestRequireDigest(t *testing.T) {
	if _, err := oci.RequireDigest("oci://r.example/x:latest"); err == nil {
		t.Error("a tag passed")
	}
	if _, err := oci.RequireDigest("oci://r.example/x@sha256:" + strings.Repeat("0", 64)); err != nil {
		t.Error(err)
	}
	if _, err := oci.ParseRef("oci://Not A Ref"); err == nil {
		t.Error("parsed a bad reference")
	}
}
