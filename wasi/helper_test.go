package wasi_test

import (
	"bytes"
	"context"
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

// runWat runs a module in the text format under cfg (stdout/stderr
// captured).
func runWat(t *testing.T, wat string, cfg wasi.Config) result {
	t.Helper()
	eng, err := moat.NewEngine(moat.Config{})
	if err != nil {
		t.Fatal(err)
	}
	mod, err := eng.CompileText([]byte(wat))
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
