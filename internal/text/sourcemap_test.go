package text

import (
	"strings"
	"testing"

	"github.com/moat-run/moat/internal/binary"
	"github.com/moat-run/moat/internal/wasm"
)

// mapSrc mixes plain and folded instructions, blocks of both forms, inline
// exports and imports, and every kind of field.
const mapSrc = `(module
  (import "env" "f" (func $imp (param i32)))
  (type $t (func (result i32)))
  (memory 1)
  (table 2 funcref)
  (global $g (mut i32) (i32.const 7))
  (func $a (export "a") (param $x i32) (result i32)
    (local $y i32)
    local.get $x
    if (result i32)
      i32.const 1
    else
      (i32.add (local.get $x) (global.get $g))
    end
    (block $b (result i32)
      (br_if $b (i32.const 2) (local.get $x))
      drop
      i32.const 3)
    i32.add)
  (func (type $t)
    (if (result i32) (i32.const 0)
      (then (i32.load offset=4 (i32.const 8)))
      (else (select (result i32) (i32.const 1) (i32.const 2) (i32.const 3)))))
  (elem (i32.const 0) $a 1)
  (data (i32.const 16) "hi")
  (export "g" (global $g))
  (func)
  (start 3))`

// textAt returns src from 1-based line and column on.
func textAt(t *testing.T, src string, p Pos) string {
	t.Helper()
	lines := strings.Split(src, "\n")
	if p.Line < 1 || p.Line > len(lines) || p.Column < 1 || p.Column > len(lines[p.Line-1]) {
		t.Fatalf("position %d:%d outside the source", p.Line, p.Column)
	}
	return lines[p.Line-1][p.Column-1:]
}

// TestSourceMapInstructions: every instruction of every body, looked up by
// its offset in the encoded binary, is located at its own keyword (an end
// or else at its keyword, or at the list or field that implies it).
func TestSourceMapInstructions(t *testing.T) {
	src := mapSrc // one module for both tests
	m, sm, err := ParseModuleMap([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	bin, err := binary.Decode(binary.Encode(m))
	if err != nil {
		t.Fatal(err)
	}
	if len(sm.Bodies) != len(bin.Code) {
		t.Fatalf("%d bodies mapped, %d in the binary", len(sm.Bodies), len(bin.Code))
	}
	seen := 0
	for i := range bin.Code {
		c := &bin.Code[i]
		r := binary.NewExprReader(c.Body, c.Offset)
		var in wasm.Instr
		for r.Next(&in) == nil {
			pos, ok := sm.Locate(bin, in.Offset)
			if !ok {
				t.Fatalf("function %d: instruction at 0x%x not located", i, in.Offset)
			}
			at := textAt(t, src, pos)
			name := in.Op.Info().Name
			switch in.Op {
			case wasm.OpSelectT:
				name = "select"
			case wasm.OpEnd:
				name = "" // "end", "(block", "(if" or "(func"
				if !strings.HasPrefix(at, "end") && !strings.HasPrefix(at, "(") {
					t.Errorf("function %d: end at 0x%x located at %q", i, in.Offset, at)
				}
			case wasm.OpElse:
				name = ""
				if !strings.HasPrefix(at, "else") && !strings.HasPrefix(at, "(else") {
					t.Errorf("function %d: else at 0x%x located at %q", i, in.Offset, at)
				}
			}
			if !strings.HasPrefix(at, name) {
				t.Errorf("function %d: %s at 0x%x located at %d:%d, %q", i, in.Op.Info().Name, in.Offset, pos.Line, pos.Column, at)
			}
			seen++
		}
	}
	if seen < 25 {
		t.Errorf("only %d instructions checked", seen)
	}
}

// TestSourceMapFields: offsets outside bodies give the field that made the
// entry there.
func TestSourceMapFields(t *testing.T) {
	src := mapSrc // one module for both tests
	m, sm, err := ParseModuleMap([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	bin, err := binary.Decode(binary.Encode(m))
	if err != nil {
		t.Fatal(err)
	}
	section := func(id byte) int {
		for _, s := range bin.Sections {
			if s.ID == id {
				return s.Offset
			}
		}
		t.Fatalf("no section %d", id)
		return 0
	}
	cases := []struct {
		name string
		off  int
		want string // the text at the position
	}{
		{"global init", int(bin.Globals[0].Init.Offset), "(global $g"},
		{"elem offset", int(bin.Elems[0].Offset.Offset), "(elem"},
		{"elem item", int(bin.Elems[0].ItemExprs()[1].Offset), "(elem"},
		{"data offset", int(bin.Datas[0].Offset.Offset), "(data"},
		{"memory section", section(secMemory), "(memory 1)"},
		{"table section", section(secTable), "(table 2"},
		{"import section", section(secImport), "(import"},
		{"start section", section(secStart), "(start 3)"},
	}
	for _, c := range cases {
		pos, ok := sm.Locate(bin, c.off)
		if !ok {
			t.Errorf("%s: offset 0x%x not located", c.name, c.off)
			continue
		}
		if at := textAt(t, src, pos); !strings.HasPrefix(at, c.want) {
			t.Errorf("%s: located at %d:%d, %q; want %q", c.name, pos.Line, pos.Column, at, c.want)
		}
	}
	// Two exports, one section offset: which one is at fault is unknown.
	if pos, ok := sm.Locate(bin, section(secExport)); ok {
		t.Errorf("export section of two entries located at %v", pos)
	}
	for _, off := range []int{-1, 0, 8} {
		if pos, ok := sm.Locate(bin, off); ok {
			t.Errorf("offset %d (outside every section) located at %v", off, pos)
		}
	}
}

// TestSourceMapForms: the binary and quote forms have no map; a bare list
// of fields has one.
func TestSourceMapForms(t *testing.T) {
	for _, src := range []string{`(module binary "\00asm\01\00\00\00")`, `(module quote "(func)")`} {
		if _, sm, err := ParseModuleMap([]byte(src)); err != nil || sm != nil {
			t.Errorf("%s: map %v, error %v; want neither", src, sm, err)
		}
	}
	_, sm, err := ParseModuleMap([]byte("(func nop)\n(func\n  unreachable)"))
	if err != nil || sm == nil || len(sm.Bodies) != 2 || sm.Bodies[1][0].Pos() != (Pos{3, 3}) {
		t.Errorf("bare fields: map %+v, error %v", sm, err)
	}
	if _, _, err := ParseModuleMap([]byte("(func (i32.bogus))")); err == nil {
		t.Error("syntax error accepted")
	}
}
