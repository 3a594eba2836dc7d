package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
	"github.com/tetratelabs/wazero/sys"
)

// wazeroMain runs args[0] (a WASI command) with args[1:] as its arguments
// on wazero's optimizing compiler, as `wazero run -mount /:/ -env-inherit`
// does, and exits with its exit code. stdtests runs itself this way, in a
// child process, so that a run that hangs or crashes can be killed alone.
func wazeroMain(args []string) {
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, "stdtests: -wazero-run needs a module")
		os.Exit(2)
	}
	wasm, err := os.ReadFile(args[0])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	ctx := context.Background()
	cfg := wazero.NewRuntimeConfigCompiler()
	if dir, err := os.UserCacheDir(); err == nil {
		if cache, err := wazero.NewCompilationCacheWithDir(filepath.Join(dir, "moat-stdtests", "wazero")); err == nil {
			cfg = cfg.WithCompilationCache(cache)
		}
	}
	rt := wazero.NewRuntimeWithConfig(ctx, cfg)
	wasi_snapshot_preview1.MustInstantiate(ctx, rt)
	mc := wazero.NewModuleConfig().
		WithArgs(append([]string{filepath.Base(args[0])}, args[1:]...)...).
		WithStdin(os.Stdin).WithStdout(os.Stdout).WithStderr(os.Stderr).
		WithFSConfig(wazero.NewFSConfig().WithDirMount("/", "/")).
		WithSysWalltime().WithSysNanotime().WithSysNanosleep().
		WithRandSource(rand.Reader)
	for _, kv := range os.Environ() {
		if k, v, ok := strings.Cut(kv, "="); ok {
			mc = mc.WithEnv(k, v)
		}
	}
	_, err = rt.InstantiateWithConfig(ctx, wasm, mc)
	var exit *sys.ExitError
	switch {
	case err == nil:
		os.Exit(0)
	case errors.As(err, &exit):
		os.Exit(int(exit.ExitCode()))
	default:
		fmt.Fprintln(os.Stderr, "wazero:", err)
		os.Exit(1)
	}
}
