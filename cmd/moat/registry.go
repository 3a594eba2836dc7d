package main

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"time"

	"github.com/moat-run/moat"
	"github.com/moat-run/moat/cmd/moat/internal/oci"
	"github.com/moat-run/moat/internal/artifact"
)

const pushUsageText = `Usage: moat push [FLAGS] MODULE REF

Pushes MODULE (a .wasm or .wat file) to an OCI registry as REF
(REGISTRY/REPOSITORY[:TAG], tag latest by default), as a WebAssembly OCI
artifact: config application/vnd.wasm.config.v0+json, the module as an
application/wasm layer, and with --artifact a compiled moat artifact as an
application/vnd.moat.artifact.v1 layer. The module must compile. Prints the
reference pinned by digest, which is what moat serve takes.

Credentials come from the Docker configuration (~/.docker/config.json).
The creation time in the artifact is $SOURCE_DATE_EPOCH when set, so that
pushing the same module twice gives the same digest.

Flags:

%s
Example:

  moat push hello.wasm registry.example/moat/hello:v1
`

const pullUsageText = `Usage: moat pull [FLAGS] REF

Pulls a module pushed with moat push (REGISTRY/REPOSITORY:TAG or
@sha256:DIGEST), verifies every blob against its digest, keeps it in the
local store moat serve reads, and prints its digests and where it is.

Flags:

%s
Example:

  moat pull -o hello.wasm registry.example/moat/hello:v1
`

var pushUsage, pullUsage string

func init() {
	pushUsage = fmt.Sprintf(pushUsageText, flagsHelp(pushFlags(&pushOptions{})))
	pullUsage = fmt.Sprintf(pullUsageText, flagsHelp(pullFlags(&pullOptions{})))
}

type pushOptions struct {
	registry oci.Options
	artifact string
}

func pushFlags(o *pushOptions) []commandFlag {
	return []commandFlag{
		{"plain-http", "", "reach the registry over HTTP instead of HTTPS", func(string) error { o.registry.PlainHTTP = true; return nil }},
		{"artifact", "FILE", "a compiled moat artifact to push with the module", func(v string) error { o.artifact = v; return nil }},
	}
}

type pullOptions struct {
	registry oci.Options
	store    string
	out      string
	artifact string
}

func pullFlags(o *pullOptions) []commandFlag {
	return []commandFlag{
		{"plain-http", "", "reach the registry over HTTP instead of HTTPS", func(string) error { o.registry.PlainHTTP = true; return nil }},
		{"store", "DIR", "the local store (default: moat/modules in the user cache directory)", func(v string) error { o.store = v; return nil }},
		{"o", "FILE", "also write the module to FILE", func(v string) error { o.out = v; return nil }},
		{"artifact-out", "FILE", "also write the compiled artifact that came with it to FILE", func(v string) error { o.artifact = v; return nil }},
	}
}

func pushCommand(args []string, stdout, stderr io.Writer) int {
	var o pushOptions
	pos, help, err := parseFlags(args, pushFlags(&o))
	if help {
		fmt.Fprint(stdout, pushUsage)
		return exitOK
	}
	if err == nil && len(pos) != 2 {
		err = fmt.Errorf("want MODULE and REF, got %d arguments", len(pos))
	}
	if err != nil {
		return usageError(stderr, "push", "%v", err)
	}
	file, err := readModule(pos[0])
	if err != nil {
		fmt.Fprintf(stderr, "moat push: %v\n", err)
		return exitFailure
	}
	// Refuse what would never serve: the module must compile.
	engine, err := moat.NewEngine(moat.Config{Engine: moat.EngineInterpreter})
	if err == nil {
		_, err = engine.Compile(file.bin)
	}
	if err != nil {
		fmt.Fprintf(stderr, "moat push: %s\n", file.describe(err))
		return exitFailure
	}
	in := oci.PushInput{Module: file.bin, Title: filepath.Base(pos[0]), Created: sourceDate()}
	if o.artifact != "" {
		if in.Artifact, err = readArtifactOf(o.artifact, file.bin); err != nil {
			fmt.Fprintf(stderr, "moat push: %v\n", err)
			return exitFailure
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	p, err := oci.Push(ctx, pos[1], in, o.registry)
	if err != nil {
		fmt.Fprintf(stderr, "moat push: %v\n", err)
		return exitFailure
	}
	fmt.Fprintf(stdout, "pushed %s\n  module %s\n", p.Pinned, p.Module)
	return exitOK
}

// sourceDate is $SOURCE_DATE_EPOCH when set (reproducible pushes), else now.
func sourceDate() time.Time {
	if s, err := strconv.ParseInt(os.Getenv("SOURCE_DATE_EPOCH"), 10, 64); err == nil {
		return time.Unix(s, 0)
	}
	return time.Now()
}

func pullCommand(args []string, stdout, stderr io.Writer) int {
	var o pullOptions
	pos, help, err := parseFlags(args, pullFlags(&o))
	if help {
		fmt.Fprint(stdout, pullUsage)
		return exitOK
	}
	if err == nil && len(pos) != 1 {
		err = fmt.Errorf("want one REF, got %d arguments", len(pos))
	}
	if err != nil {
		return usageError(stderr, "pull", "%v", err)
	}
	if o.store == "" {
		o.store = oci.DefaultStoreDir()
	}
	store, err := oci.OpenStore(o.store)
	if err != nil {
		fmt.Fprintf(stderr, "moat pull: %v\n", err)
		return exitFailure
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	p, err := oci.Pull(ctx, pos[0], store, o.registry)
	if err != nil {
		fmt.Fprintf(stderr, "moat pull: %v\n", err)
		return exitFailure
	}
	ref, _ := oci.ParseRef(pos[0])
	path, _ := store.Path(p.ModuleDigest)
	fmt.Fprintf(stdout, "pulled %s/%s@%s\n  module %s\n  stored %s\n", ref.Registry, ref.Repository, p.Manifest, p.ModuleDigest, path)
	if p.Artifact != nil {
		fmt.Fprintf(stdout, "  artifact %s\n", p.ArtifactDigest)
	}
	for _, w := range []struct {
		path string
		b    []byte
		what string
	}{{o.out, p.Module, "module"}, {o.artifact, p.Artifact, "artifact"}} {
		if w.path == "" {
			continue
		}
		if w.b == nil {
			fmt.Fprintf(stderr, "moat pull: %s has no %s\n", pos[0], w.what)
			return exitFailure
		}
		if err := os.WriteFile(w.path, w.b, 0o644); err != nil {
			fmt.Fprintf(stderr, "moat pull: %v\n", err)
			return exitFailure
		}
	}
	return exitOK
}

// readArtifactOf reads the artifact at path and checks that it is intact
// and was compiled from module: moat serve would refuse it beside any
// other module.
func readArtifactOf(path string, module []byte) ([]byte, error) {
	b, err := readFileLimited(path)
	if err != nil {
		return nil, err
	}
	f, err := artifact.Load(b, artifact.Options{})
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	if sum := sha256.Sum256(module); f.Header.ModuleHash != sum {
		return nil, fmt.Errorf("%s was compiled from another module (sha256:%x), not this one (sha256:%x)", path, f.Header.ModuleHash, sum)
	}
	return b, nil
}
