package text

import (
	"errors"

	"encoding/json"
	"fmt"
	"github.com/moat-run/moat/internal/validate"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/moat-run/moat/internal/binary"
	"github.com/moat-run/moat/internal/wasm"
)

// spectestDir finds the spec suite's v2 directory: $MOAT_SPECTEST (the
// json directory), else ../shared/spectest/v2 beside the repository root.
func spectestDir(t testing.TB) string {
	if d := os.Getenv("MOAT_SPECTEST"); d != "" {
		return filepath.Dir(d)
	}
	dir, _ := os.Getwd()
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skip("spec tests: go.mod not found")
		}
		dir = parent
	}
	d := filepath.Join(dir, "..", "shared", "spectest", "v2")
	if _, err := os.Stat(filepath.Join(d, "json")); err != nil {
		t.Skipf("spec tests absent: %s not found (set MOAT_SPECTEST to the v2/json directory)", d)
	}
	return d
}

type jsonScript struct {
	Commands []struct {
		Type       string `json:"type"`
		Line       int    `json:"line"`
		Filename   string `json:"filename"`
		ModuleType string `json:"module_type"`
		Text       string `json:"text"`
	} `json:"commands"`
}

func readJSON(t *testing.T, path string) jsonScript {
	var js jsonScript
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &js); err != nil {
		t.Fatal(err)
	}
	return js
}

// TestSpecMalformedText checks that every text module the 2.0 suite says
// is malformed fails to parse, except where 3.0 moved the rule from the
// text format to validation: limits and offsets are 64-bit numbers since
// memory64, and a 32-bit memory's or table's are checked by the validator
// (the 3.0 suite expects assert_invalid there). Those must parse and then
// be invalid.
func TestSpecMalformedText(t *testing.T) {
	dir := spectestDir(t)
	files, _ := filepath.Glob(filepath.Join(dir, "json", "*", "*.json"))
	rejected, total := 0, 0
	for _, f := range files {
		for _, c := range readJSON(t, f).Commands {
			if c.Type != "assert_malformed" || c.ModuleType != "text" {
				continue
			}
			total++
			src, err := os.ReadFile(filepath.Join(filepath.Dir(f), c.Filename))
			if err != nil {
				t.Fatal(err)
			}
			m, err := ParseModule(src)
			switch {
			case err != nil:
				rejected++
			case c.Text == "i32 constant out of range" || c.Text == "i32 constant":
				var we *wasm.Error
				if verr := validate.Module(m); !errors.As(verr, &we) || we.Kind != wasm.Invalid {
					t.Errorf("%s (line %d): parsed as 3.0 does, but then %v, want invalid:\n%s", c.Filename, c.Line, verr, src)
				} else {
					rejected++
				}
			default:
				t.Errorf("%s (line %d): parsed, want an error:\n%s", c.Filename, c.Line, src)
			}
		}
	}
	t.Logf("%d of %d malformed text modules rejected", rejected, total)
}

// TestSpecModulesMatchWabt parses every module of the .wast scripts (the
// module commands, and the text modules of assert_invalid, assert_unlinkable
// and assert_trap) and compares it with the decoder's reading of the .wasm
// that wast2json made of it.
func TestSpecModulesMatchWabt(t *testing.T) {
	dir := spectestDir(t)
	files, _ := filepath.Glob(filepath.Join(dir, "json", "*", "*.json"))
	agree, total := 0, 0
	for _, f := range files {
		base := strings.TrimSuffix(filepath.Base(f), ".json")
		src, err := os.ReadFile(filepath.Join(dir, "wast", base+".wast"))
		if err != nil {
			t.Fatal(err)
		}
		script, err := ParseScript(src)
		if err != nil {
			t.Errorf("%s.wast: %v", base, err)
			continue
		}
		byLine := map[int]*ModuleDef{}
		kindAt := map[int]CommandKind{}
		for _, c := range script.Commands {
			kindAt[c.Line] = c.Kind
			if c.Module == nil {
				continue
			}
			byLine[c.Line] = c.Module
			// Every text module outside assert_malformed must parse.
			if c.Kind != CmdAssertMalformed && c.Module.Form != ModuleBinary {
				if _, err := c.Module.Compile(); err != nil {
					t.Errorf("%s:%d: %v", base, c.Line, err)
				}
			}
		}
		js := readJSON(t, f)
		if len(js.Commands) != len(script.Commands) {
			t.Errorf("%s: %d commands, wast2json has %d", base, len(script.Commands), len(js.Commands))
		}
		for _, c := range js.Commands {
			if k, ok := kindAt[c.Line]; !ok || k.String() != c.Type {
				t.Errorf("%s:%d: command %s, wast2json has %s", base, c.Line, k, c.Type)
			}
		}
		for _, c := range js.Commands {
			if !strings.HasSuffix(c.Filename, ".wasm") {
				continue
			}
			if c.Type != "module" {
				// Modules in assertions: compare those written as text.
				if def := byLine[c.Line]; def == nil || def.Form != ModuleText || def.Err != nil {
					continue
				}
			}
			total++
			def := byLine[c.Line]
			if def == nil {
				t.Errorf("%s:%d: no module at this line", base, c.Line)
				continue
			}
			bin, err := os.ReadFile(filepath.Join(filepath.Dir(f), c.Filename))
			if err != nil {
				t.Fatal(err)
			}
			want, err := binary.Decode(bin)
			if err != nil {
				t.Errorf("%s: %v", c.Filename, err)
				continue
			}
			got, err := def.Compile()
			if err != nil {
				t.Errorf("%s:%d: %v", base, c.Line, err)
				continue
			}
			if why, ok := wabtDiffers[c.Filename]; ok {
				if diffModules(got, want) == "" {
					t.Errorf("%s: expected to differ from wabt (%s) but agrees", c.Filename, why)
				}
				continue
			}
			if diff := diffModules(got, want); diff != "" {
				t.Errorf("%s:%d (%s): %s", base, c.Line, c.Filename, diff)
				continue
			}
			agree++
		}
	}
	t.Logf("%d of %d modules agree with wast2json's binaries (%d known to differ, see wabtDiffers)", agree, total, len(wabtDiffers))
}

// wabtDiffers lists the modules whose wast2json binary is not what the spec
// says the text means, and why.
var wabtDiffers = map[string]string{
	"select.2.wasm": "wabt writes `select (result)` as plain select; the spec (and this parser) " +
		"writes select_t with zero types, which is what assert_invalid's \"invalid result arity\" is about",
}

// sameElemType compares segment types, where wabt cannot say funcref: it
// writes a funcref segment of ref.func items as function indices, which
// decode as (ref func).
func sameElemType(x, y *wasm.ElemSegment) bool {
	if x.Type == y.Type {
		return true
	}
	refFunc := wasm.RefType(false, wasm.HeapFunc)
	if (x.Type != wasm.FuncRef || y.Type != refFunc) && (x.Type != refFunc || y.Type != wasm.FuncRef) {
		return false
	}
	for _, it := range x.ItemExprs() {
		if it.Len() != 1 || it.At(0).Op != wasm.OpRefFunc {
			return false
		}
	}
	return true
}

// diffModules describes the first difference between two modules' contents
// (ignoring offsets, custom sections and names), or returns "".
func diffModules(a, b *wasm.Module) string {
	if len(a.Types) != len(b.Types) {
		return fmt.Sprintf("%d types, want %d", len(a.Types), len(b.Types))
	}
	for i := range a.Types {
		if !a.Types[i].Func.Equal(&b.Types[i].Func) || a.Types[i].Kind != b.Types[i].Kind {
			return fmt.Sprintf("type %d is %s, want %s", i, a.Types[i].Func.String(), b.Types[i].Func.String())
		}
	}
	if !reflect.DeepEqual(a.Imports, b.Imports) {
		return fmt.Sprintf("imports %+v, want %+v", a.Imports, b.Imports)
	}
	checks := []struct {
		what string
		x, y any
	}{
		{"funcs", a.Funcs, b.Funcs},
		{"tables", a.Tables, b.Tables},
		{"memories", a.Memories, b.Memories},
		{"exports", a.Exports, b.Exports},
		{"start", [2]any{a.HasStart, a.Start}, [2]any{b.HasStart, b.Start}},
		{"data count", [2]any{a.HasDataCount, a.DataCount}, [2]any{b.HasDataCount, b.DataCount}},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(emptyToNil(c.x), emptyToNil(c.y)) {
			return fmt.Sprintf("%s %+v, want %+v", c.what, c.x, c.y)
		}
	}
	if len(a.Globals) != len(b.Globals) {
		return fmt.Sprintf("%d globals, want %d", len(a.Globals), len(b.Globals))
	}
	for i := range a.Globals {
		if a.Globals[i].Type != b.Globals[i].Type || !sameExpr(a.Globals[i].Init, b.Globals[i].Init) {
			return fmt.Sprintf("global %d: %+v, want %+v", i, a.Globals[i], b.Globals[i])
		}
	}
	if len(a.Elems) != len(b.Elems) {
		return fmt.Sprintf("%d elems, want %d", len(a.Elems), len(b.Elems))
	}
	for i := range a.Elems {
		x, y := &a.Elems[i], &b.Elems[i]
		xi, yi := x.ItemExprs(), y.ItemExprs()
		same := x.Mode == y.Mode && sameElemType(x, y) && x.Table == y.Table && len(xi) == len(yi)
		if same && x.Mode == wasm.ElemActive {
			same = sameExpr(x.Offset, y.Offset)
		}
		for j := 0; same && j < len(xi); j++ {
			same = sameExpr(xi[j], yi[j])
		}
		if !same {
			return fmt.Sprintf("elem %d: %+v, want %+v", i, *x, *y)
		}
	}
	if len(a.Datas) != len(b.Datas) {
		return fmt.Sprintf("%d datas, want %d", len(a.Datas), len(b.Datas))
	}
	for i := range a.Datas {
		x, y := &a.Datas[i], &b.Datas[i]
		same := x.Mode == y.Mode && x.Memory == y.Memory && string(x.Bytes) == string(y.Bytes)
		if same && x.Mode == wasm.DataActive {
			same = sameExpr(x.Offset, y.Offset)
		}
		if !same {
			return fmt.Sprintf("data %d differs", i)
		}
	}
	if len(a.Code) != len(b.Code) {
		return fmt.Sprintf("%d bodies, want %d", len(a.Code), len(b.Code))
	}
	for i := range a.Code {
		x, y := &a.Code[i], &b.Code[i]
		if !reflect.DeepEqual(emptyToNil(x.Locals), emptyToNil(y.Locals)) || x.NumLocals != y.NumLocals {
			return fmt.Sprintf("body %d: locals %v, want %v", i, x.Locals, y.Locals)
		}
		if string(x.Body) != string(y.Body) {
			return fmt.Sprintf("body %d:\n got % x\nwant % x", i, x.Body, y.Body)
		}
	}
	return ""
}

func emptyToNil(x any) any {
	v := reflect.ValueOf(x)
	if v.Kind() == reflect.Slice && v.Len() == 0 {
		return nil
	}
	return x
}

func sameExpr(a, b wasm.ConstExpr) bool {
	if a.Len() != b.Len() {
		return false
	}
	for i := range a.Len() {
		x, y := a.At(i), b.At(i)
		x.Offset, y.Offset = 0, 0
		if !reflect.DeepEqual(x, y) {
			return false
		}
	}
	return true
}
