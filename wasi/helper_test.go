package wasi_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/moat-run/moat"
	"github.com/moat-run/moat/wasi"
)

// result is what one run of a test module produced.
type result struct {
	code   uint32
	err    error
	stdout string
	stderr string
}

// runModule runs testdata/name.wasm under cfg (stdout/stderr captured).
func runModule(t *testing.T, name string, cfg wasi.Config) result {
	t.Helper()
	bin, err := os.ReadFile(filepath.Join("testdata", name+".wasm"))
	if err != nil {
		t.Fatal(err)
	}
	return runBytes(t, bin, cfg)
}

func runBytes(t *testing.T, bin []byte, cfg wasi.Config) result {
	t.Helper()
	eng, err := moat.NewEngine(moat.Config{})
	if err != nil {
		t.Fatal(err)
	}
	mod, err := eng.Compile(bin)
	if err != nil {
		t.Fatal(err)
	}
	l := moat.NewLinker(eng)
	if err := wasi.DefineImports(l); err != nil {
		t.Fatal(err)
	}
	store := moat.NewStore(eng)
	var out, errb bytes.Buffer
	if cfg.Stdout == nil {
		cfg.Stdout = &out
	}
	if cfg.Stderr == nil {
		cfg.Stderr = &errb
	}
	sys, err := wasi.Attach(store, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer sys.Close()
	ctx := context.Background()
	inst, err := l.Instantiate(ctx, store, mod)
	if err != nil {
		t.Fatal(err)
	}
	code, err := wasi.Run(ctx, inst)
	return result{code: code, err: err, stdout: out.String(), stderr: errb.String()}
}
