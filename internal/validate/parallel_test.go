package validate

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/moat-run/moat/internal/text"
	"github.com/moat-run/moat/internal/wasm"
)

// serialBodies validates every body on one validator, the reference for
// the parallel split.
func serialBodies(m *wasm.Module) error {
	v := &validator{m: m}
	if err := v.buildIndexSpaces(); err != nil {
		return err
	}
	v.collectDeclaredRefs()
	base := uint32(len(v.funcTypes) - len(m.Funcs))
	for i := range m.Code {
		fi := base + uint32(i)
		if err := v.function(fi, v.funcTypes[fi], &m.Code[i]); err != nil {
			return err
		}
	}
	return nil
}

// moduleWithFaults builds funcs large bodies, the ones in bad ill-typed,
// each in its own way so that a wrong pick shows in the message.
// Body sizes vary so that the largest-first hand-out is not index order.
func moduleWithFaults(t *testing.T, rng *rand.Rand, funcs int, bad map[int]bool) *wasm.Module {
	var sb strings.Builder
	sb.WriteString("(module (memory 1)")
	for i := range funcs {
		sb.WriteString("(func (param i32) (local i64) ")
		sb.WriteString(strings.Repeat("local.get 0 i32.const 1 i32.add local.set 0 ", 1+rng.IntN(800)))
		if bad[i] {
			// Reads a local index that names the function, so each fault
			// has a distinct message.
			fmt.Fprintf(&sb, "local.get %d drop ", 2+i)
		}
		sb.WriteString(")")
	}
	sb.WriteString(")")
	m, err := text.ParseModule([]byte(sb.String()))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestParallelBodiesReportLowestFailure(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := range 10 {
		funcs := 8 + rng.IntN(40)
		bad := map[int]bool{}
		for range rng.IntN(4) {
			bad[rng.IntN(funcs)] = true
		}
		m := moduleWithFaults(t, rng, funcs, bad)
		if w := bodyWorkers(m); w < 2 {
			t.Fatalf("trial %d: %d workers, want a parallel run", trial, w)
		}
		want := serialBodies(m)
		for range 5 {
			got := Module(m)
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("trial %d (bad %v): got %v, want %v", trial, bad, got, want)
			}
		}
	}
}
