package wasi_test

import (
	"testing"

	"github.com/moat-run/moat/wasi"
)

func TestExitFromDepth(t *testing.T) {
	r := runModule(t, "hello", wasi.Config{})
	if r.err != nil || r.code != 7 || r.stdout != "hello\n" {
		t.Fatalf("got code %d err %v stdout %q; want 7, nil, \"hello\\n\"", r.code, r.err, r.stdout)
	}
}
