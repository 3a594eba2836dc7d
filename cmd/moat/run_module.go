package main

import (
	"bytes"
	"crypto/ed25519"
	"fmt"
	"io"
	"os"

	"github.com/moat-run/moat"
	"github.com/moat-run/moat/internal/artifact"
)

// loadRunModule makes the engine of a `moat run` and loads its module: an
// artifact (with --allow-precompiled) is deserialized from its file, any
// other module compiled, through the compilation cache unless -C cache=n.
// On failure it reports and returns a nil module and the exit status.
func loadRunModule(opts runOptions, stderr io.Writer) (*moat.Engine, *moat.Module, int) {
	// A regular file is peeked at, so that an artifact can be mapped
	// rather than read; anything else (a pipe) is read once, whole.
	var contents []byte
	precompiled, regular, err := peekArtifact(opts.module)
	if err == nil && !regular {
		if contents, err = readFileLimited(opts.module); err == nil {
			precompiled = bytes.HasPrefix(contents, []byte(artifact.Magic))
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "moat run: %v\n", err)
		return nil, nil, exitFailure
	}
	if precompiled && !opts.allowPrecompiled {
		return nil, nil, argError(stderr, "run", "%s is a precompiled artifact (native code); run it with --allow-precompiled if you trust where it came from", opts.module)
	}
	cfg := opts.config
	cfg.Engine, cfg.DisabledFeatures = opts.engine, opts.disabledFeatures
	cfg.MaxWasmStack = opts.maxWasmStack
	for _, path := range opts.trustKeys {
		k, err := readPublicKey(path)
		if err != nil {
			fmt.Fprintf(stderr, "moat run: %v\n", err)
			return nil, nil, exitFailure
		}
		cfg.TrustedKeys = append(cfg.TrustedKeys, ed25519.PublicKey(k))
	}
	if precompiled {
		engine, err := moat.NewEngine(cfg)
		if err != nil {
			fmt.Fprintf(stderr, "moat run: %s\n", errorText(err))
			return nil, nil, exitFailure
		}
		var mod *moat.Module
		if regular {
			mod, err = engine.DeserializeFile(opts.module)
		} else {
			mod, err = engine.Deserialize(contents)
		}
		if err != nil {
			fmt.Fprintf(stderr, "moat run: %s: %s\n", opts.module, errorText(err))
			return nil, nil, exitFailure
		}
		return engine, mod, exitOK
	}
	var file *moduleFile
	if regular {
		file, err = readModule(opts.module)
	} else {
		file, err = moduleFromBytes(opts.module, contents)
	}
	if err != nil {
		fmt.Fprintf(stderr, "moat run: %v\n", err)
		return nil, nil, exitFailure
	}
	if !opts.noCache {
		cfg.CacheDir, cfg.CacheMaxBytes = opts.cacheDir, opts.cacheMax
		if cfg.CacheDir == "" {
			cfg.CacheDir = defaultCacheDir()
		}
	}
	engine, err := moat.NewEngine(cfg)
	if err != nil && cfg.CacheDir != "" {
		// An unusable cache costs time, not correctness: say why, and
		// compile without it.
		fmt.Fprintf(stderr, "moat run: not caching compiled code: %s\n", errorText(err))
		cfg.CacheDir = ""
		engine, err = moat.NewEngine(cfg)
	}
	if err != nil {
		fmt.Fprintf(stderr, "moat run: %s\n", errorText(err))
		return nil, nil, exitFailure
	}
	mod, err := engine.Compile(file.bin)
	if err != nil {
		fmt.Fprintf(stderr, "moat run: %s\n", file.describe(err))
		return nil, nil, exitFailure
	}
	return engine, mod, exitOK
}

// peekArtifact reports whether path is a regular file and, if so, whether
// it starts with the artifact magic.
func peekArtifact(path string) (precompiled, regular bool, err error) {
	fi, err := os.Stat(path)
	if err != nil {
		return false, false, err
	}
	if !fi.Mode().IsRegular() {
		return false, false, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return false, true, err
	}
	defer f.Close()
	head := make([]byte, len(artifact.Magic))
	n, _ := io.ReadFull(f, head)
	return bytes.Equal(head[:n], []byte(artifact.Magic)), true, nil
}
