package wasi_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/moat-run/moat"
	"github.com/moat-run/moat/wasi"
)

// TestRandomArguments calls every WASI function with random words (small
// numbers, pointers near the end of memory, huge lengths): the host must
// answer each with an errno, never panic, hang or write outside the sandbox.
func TestRandomArguments(t *testing.T) {
	tmp := t.TempDir()
	root := filepath.Join(tmp, "root")
	must(t, os.MkdirAll(filepath.Join(root, "d"), 0o755))
	must(t, os.WriteFile(filepath.Join(tmp, "outside"), []byte("x"), 0o644))
	p := newProbe(t, wasi.Config{
		Preopens: []wasi.Preopen{{Guest: "/", Host: root}},
		Sleep:    func(context.Context, time.Duration) {},
	})
	// a few real paths in memory so some calls reach the file system
	for i, s := range []string{"d", "f", "../outside", "d/../f", "/abs", "d/x/"} {
		p.put(uint32(pathPtr+16*i), s)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	word := func() uint64 {
		switch rng.IntN(6) {
		case 0:
			return uint64(rng.IntN(8)) // small: fds, flags
		case 1:
			return uint64(pathPtr + 16*rng.IntN(6)) // a path
		case 2:
			return uint64(rng.IntN(12)) // a path length
		case 3:
			return uint64(1<<17 - rng.IntN(64)) // near the end of memory
		case 4:
			return uint64(rng.Uint32())
		}
		return rng.Uint64()
	}
	for _, ex := range p.inst.Exports() {
		f, ok := ex.Type.(moat.FuncType)
		if !ok || ex.Name == "proc_exit" {
			continue
		}
		fn := p.inst.Func(ex.Name)
		for i := 0; i < 300; i++ {
			args := make([]uint64, len(f.Params))
			for j, vt := range f.Params {
				args[j] = word()
				if vt == moat.ValueI32 {
					args[j] = uint64(uint32(args[j]))
				}
			}
			if _, err := fn.Call(context.Background(), args...); err != nil {
				t.Fatalf("%s%v: %v", ex.Name, args, err)
			}
		}
	}
	if b, err := os.ReadFile(filepath.Join(tmp, "outside")); err != nil || string(b) != "x" {
		t.Errorf("outside file changed: %q %v", b, err)
	}
	ents, _ := os.ReadDir(tmp)
	if len(ents) != 2 {
		t.Errorf("files appeared beside the sandbox: %d entries", len(ents))
	}
}

// TestNoAttach: a store without a WASI system gets a clear trap.
func TestNoAttach(t *testing.T) {
	bin, err := os.ReadFile(filepath.Join("testdata", "probe.wasm"))
	must(t, err)
	eng, _ := moat.NewEngine(moat.Config{})
	mod, err := eng.Compile(bin)
	must(t, err)
	l := moat.NewLinker(eng)
	must(t, wasi.DefineImports(l))
	inst, err := l.Instantiate(context.Background(), moat.NewStore(eng), mod)
	must(t, err)
	_, err = inst.Func("sched_yield").Call(context.Background())
	var trap *moat.Trap
	if !errors.As(err, &trap) || !strings.Contains(err.Error(), "wasi.Attach") {
		t.Errorf("call without Attach: %v", err)
	}
}
