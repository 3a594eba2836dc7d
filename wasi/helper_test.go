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
	var out, errb bytes.Buffer
	if cfg.Stdout == nil {
		cfg.Stdout = &out
	}
	if cfg.Stderr == nil {
		cfg.Stderr = &errb
	}
	inst, done := instantiateWat(t, eng, wat, cfg)
	defer done()
	ctx := context.Background()
	code, err := wasi.Run(ctx, inst)
	return result{code: code, err: err, stdout: out.String(), stderr: errb.String()}
}

// instantiateWat compiles a module in the text format on eng and
// instantiates it with WASI under cfg; done closes its system and store.
func instantiateWat(t *testing.T, eng *moat.Engine, wat string, cfg wasi.Config) (inst *moat.Instance, done func()) {
	t.Helper()
	mod, err := eng.CompileText([]byte(wat))
	if err != nil {
		t.Fatal(err)
	}
	l := moat.NewLinker(eng)
	if err := wasi.DefineImports(l); err != nil {
		t.Fatal(err)
	}
	store := moat.NewStore(eng)
	sys, err := wasi.Attach(store, cfg)
	if err != nil {
		store.Close()
		t.Fatal(err)
	}
	done = func() {
		sys.Close()
		store.Close()
	}
	inst, err = l.Instantiate(context.Background(), store, mod)
	if err != nil {
		done()
		t.Fatal(err)
	}
	return inst, done
}
