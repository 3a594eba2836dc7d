package binary

import (
	"testing"

	"github.com/moat-run/moat/internal/wasm"
)

// deferredThenSkim decodes b as the compiler's path does when its walk
// over the bodies fails: DecodeDeferred, then SkimBodies.
func deferredThenSkim(b []byte, off wasm.Features) error {
	m, err := DecodeDeferred(b, off)
	if err != nil {
		return err
	}
	return SkimBodies(m, off)
}

// sameAsDecode checks that DecodeDeferred and SkimBodies together give
// DecodeFeatures' verdict and error on b.
func sameAsDecode(t *testing.T, where string, b []byte, off wasm.Features) {
	t.Helper()
	_, want := DecodeFeatures(b, off)
	got := deferredThenSkim(b, off)
	if (got == nil) != (want == nil) || got != nil && *got.(*wasm.Error) != *want.(*wasm.Error) {
		t.Fatalf("%s: deferred decoding and skim: %v, DecodeFeatures: %v", where, got, want)
	}
}

// TestDecodeDeferredMatchesDecode: a malformed body before a fault in a
// later section or body comes first, a body's fault is Decode's once the
// bodies are skimmed, and a data count section is required where a body
// names a segment.
func TestDecodeDeferredMatchesDecode(t *testing.T) {
	typ, fn := sec(1, 1, 0x60, 0, 0), sec(3, 2, 0, 0)
	good := []any{2, 0, 0x0b}
	stray := []any{4, 0, 0x05, 0x0b, 0x0b}
	after := []any{3, 0, 0x0b, 0x01}
	noEnd := []any{2, 0, 0x01}
	dataDrop := []any{5, 0, 0xfc, 0x09, 0, 0x0b}
	code := func(bodies ...[]any) []byte {
		args := []any{2}
		for _, b := range bodies {
			args = append(args, b...)
		}
		return sec(10, args...)
	}
	for _, tc := range []struct {
		name string
		b    []byte
	}{
		{"valid", module(typ, fn, code(good, good))},
		{"stray else", module(typ, fn, code(good, stray))},
		{"after the end", module(typ, fn, code(after, good))},
		{"no end", module(typ, fn, code(good, noEnd))},
		{"two faults", module(typ, fn, code(stray, after))},
		{"body, then data section", module(typ, fn, code(stray, good), sec(11, 1, 3))},
		{"data section alone", module(typ, fn, code(good, good), sec(11, 1, 3))},
		{"body, then a body's locals", module(typ, fn, sec(10, 2, 4, 0, 0x05, 0x0b, 0x0b, 2, 1, 0xff))},
		{"data count required", module(typ, fn, code(good, dataDrop), sec(11, 1, 1, 0))},
		{"body before data count required", module(typ, fn, code(stray, dataDrop), sec(11, 1, 1, 0))},
		{"no data section", module(typ, fn, code(good, dataDrop))},
	} {
		sameAsDecode(t, tc.name, tc.b, 0)
		sameAsDecode(t, tc.name+", 3.0 off", tc.b, wasm.AllFeatures)
	}
}
