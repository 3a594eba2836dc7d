package text

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moat-run/moat/internal/binary"
	"github.com/moat-run/moat/internal/wasm"
)

// fuzzSeeds adds the spec suite's text modules (.wat) or its scripts cut
// into top-level commands to f's corpus, when the suite is present. Whole
// scripts are too big to mutate and minimise quickly.
func fuzzSeeds(f *testing.F, scripts bool) {
	f.Add([]byte(`(module (func (export "f") (param i32) (result i32) (local.get 0)))`))
	f.Add([]byte(`(func $f (block $l (br_if $l (i32.const 1))) (v128.const f32x4 nan -inf 0x1p-3 1e10) drop)`))
	if _, err := os.Stat(filepath.Join("..", "..", "..", "shared", "spectest", "v2")); err != nil && os.Getenv("MOAT_SPECTEST") == "" {
		return
	}
	dir := spectestDir(f)
	if !scripts {
		files, _ := filepath.Glob(filepath.Join(dir, "json", "*", "*.wat"))
		for _, name := range files {
			if b, err := os.ReadFile(name); err == nil {
				f.Add(b)
			}
		}
		return
	}
	files, _ := filepath.Glob(filepath.Join(dir, "wast", "*.wast"))
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			continue
		}
		// Top-level commands start at the beginning of a line.
		for i, cmd := range bytes.Split(b, []byte("\n(")) {
			if i > 0 && len(cmd) < 4000 && i%4 == 0 {
				f.Add(append([]byte("("), cmd...))
			}
		}
	}
}

func FuzzParseModule(f *testing.F) {
	fuzzSeeds(f, false)
	fuzzSeeds(f, true)
	f.Fuzz(func(t *testing.T, src []byte) {
		m, err := ParseModule(src)
		if err == nil && m == nil {
			t.Fatal("nil module without an error")
		}
		checkError(t, err)
		checkSourceMap(t, src, m, err)
	})
}

// checkSourceMap: ParseModuleMap parses as ParseModule does, and its map
// locates every offset of the encoded module inside src, or not at all.
func checkSourceMap(t *testing.T, src []byte, m *wasm.Module, err error) {
	mm, sm, errMap := ParseModuleMap(src)
	if (err == nil) != (errMap == nil) {
		t.Fatalf("ParseModule error %v, ParseModuleMap error %v", err, errMap)
	}
	if err != nil {
		return
	}
	b := binary.Encode(m)
	if !bytes.Equal(b, binary.Encode(mm)) {
		t.Fatal("ParseModuleMap parses to another module than ParseModule")
	}
	bin, err := binary.Decode(b)
	if err != nil || sm == nil {
		return
	}
	lines := bytes.Count(src, []byte("\n")) + 1
	for off := range len(b) + 1 {
		if pos, ok := sm.Locate(bin, off); ok && (pos.Line < 1 || pos.Line > lines || pos.Column < 1) {
			t.Fatalf("offset 0x%x located at %d:%d, outside the source", off, pos.Line, pos.Column)
		}
	}
}

func FuzzParseScript(f *testing.F) {
	fuzzSeeds(f, true)
	f.Fuzz(func(t *testing.T, src []byte) {
		s, err := ParseScript(src)
		if err == nil && s == nil {
			t.Fatal("nil script without an error")
		}
		checkError(t, err)
		if err == nil {
			for _, c := range s.Commands {
				if c.Module != nil {
					_, err := c.Module.Compile()
					checkError(t, err)
				}
			}
		}
	})
}

// checkError fails on a recovered internal panic and on errors without a
// position.
func checkError(t *testing.T, err error) {
	if e, ok := err.(*Error); ok && (e.Line == 0 || strings.HasPrefix(e.Msg, "internal error")) {
		t.Fatalf("bad error: %v", err)
	}
}
