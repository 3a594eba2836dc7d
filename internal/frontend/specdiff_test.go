package frontend

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/moat-run/moat/internal/abi"
	"github.com/moat-run/moat/internal/ssa/ssatest"
	"github.com/moat-run/moat/internal/testsuite"
	"github.com/moat-run/moat/internal/wasm"
)

// TestSpecSemantics runs the spec suite's assert_return, assert_trap and
// assert_exhaustion commands (and plain actions, for their effects) on
// modules without imports or SIMD through the frontend and ssatest, with
// and without the optimisation pipeline, and compares results and trap
// codes with the expectations.
func TestSpecSemantics(t *testing.T) {
	dir := testsuite.Spec(t)
	files, err := filepath.Glob(filepath.Join(dir, "*", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	for _, optimize := range []bool{false, true} {
		var total specCounts
		for _, file := range files {
			c := runSpecFile(t, file, optimize)
			if testing.Verbose() && c.skipped > 0 && !optimize && !strings.HasPrefix(filepath.Base(file), "simd") {
				t.Logf("%s: %d skipped", filepath.Base(file), c.skipped)
			}
			total.passed += c.passed
			total.failed += c.failed
			total.skipped += c.skipped
		}
		t.Logf("optimize=%v: %d assertions passed, %d failed, %d skipped (imports, SIMD or unloadable module)",
			optimize, total.passed, total.failed, total.skipped)
	}
}

type specCounts struct{ passed, failed, skipped int }

type specValue struct {
	Type  string `json:"type"`
	Value any    `json:"value"`
}

type specAction struct {
	Type   string      `json:"type"`
	Module string      `json:"module"`
	Field  string      `json:"field"`
	Args   []specValue `json:"args"`
}

type specCommand struct {
	Type     string      `json:"type"`
	Line     int         `json:"line"`
	Filename string      `json:"filename"`
	Name     string      `json:"name"`
	Action   *specAction `json:"action"`
	Expected []specValue `json:"expected"`
	Text     string      `json:"text"`
	As       string      `json:"as"`
}

func runSpecFile(t *testing.T, file string, optimize bool) (c specCounts) {
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var script struct {
		Commands []specCommand `json:"commands"`
	}
	if err := json.Unmarshal(data, &script); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	name := filepath.Base(file)
	var cur *fakeInstance
	named := map[string]*fakeInstance{}
	st := newFakeStore()
	failures := 0
	fail := func(line int, format string, args ...any) {
		c.failed++
		if failures++; failures <= 5 {
			t.Errorf("%s:%d (optimize=%v): %s", name, line, optimize, fmt.Sprintf(format, args...))
		}
	}
	for _, cmd := range script.Commands {
		switch cmd.Type {
		case "module":
			cur = nil
			m, ok := loadValid(t, filepath.Join(filepath.Dir(file), cmd.Filename))
			if ok && !st.importable(m) {
				// Its instantiation may change the state of the modules
				// it imports from, which this test does not model.
				clear(named)
				clear(st.registered)
			}
			if !ok || !st.importable(m) || CheckSIMD(m) != nil {
				break
			}
			inst, err := newFakeInstance(st, m, optimize)
			if errors.Is(err, errTranslate) || err != nil && !isTrap(err) {
				fail(cmd.Line, "instantiate: %v", err)
				break
			}
			if err == nil {
				cur = inst
			}
			if cmd.Name != "" {
				named[cmd.Name] = cur
			}
		case "assert_uninstantiable", "assert_unlinkable":
			if m, ok := loadValid(t, filepath.Join(filepath.Dir(file), cmd.Filename)); ok && !st.importable(m) {
				clear(named) // a partial instantiation may have changed them
				clear(st.registered)
			}
		case "register":
			inst := cur
			if cmd.Name != "" {
				inst = named[cmd.Name]
			}
			if inst != nil {
				st.registered[cmd.As] = inst
			} else {
				delete(st.registered, cmd.As)
			}
		case "assert_return", "assert_trap", "assert_exhaustion", "action":
			if cmd.Action == nil {
				continue
			}
			inst := cur
			if cmd.Action.Module != "" {
				inst = named[cmd.Action.Module]
			}
			args, ok := specArgs(cmd.Action.Args)
			if inst == nil || !ok {
				c.skipped++
				continue
			}
			got, err := inst.act(cmd.Action, args)
			if errors.Is(err, errNoExport) {
				c.skipped++
				continue
			}
			if msg := checkOutcome(&cmd, got, err); msg != "" {
				fail(cmd.Line, "%s %s: %s", cmd.Type, cmd.Action.Field, msg)
				continue
			}
			if cmd.Type != "action" {
				c.passed++
			}
		}
	}
	return c
}

func isTrap(err error) bool {
	var tr *ssatest.Trap
	return errors.As(err, &tr)
}

var errNoExport = errors.New("no such export")

// act performs an invoke or get action.
func (inst *fakeInstance) act(a *specAction, args []uint64) ([]uint64, error) {
	for _, e := range inst.m.Exports {
		if e.Name != a.Field {
			continue
		}
		switch {
		case a.Type == "invoke" && e.Kind == wasm.ExternFunc:
			return inst.invoke(e.Index, args)
		case a.Type == "get" && e.Kind == wasm.ExternGlobal:
			x := inst.space.word(inst.cell(e.Index))
			t := &translator{m: inst.m}
			if gt, err := t.globalType(e.Index); err == nil && (gt.Val == wasm.I32 || gt.Val == wasm.F32) {
				x = uint64(uint32(x))
			}
			return []uint64{x}, nil
		}
	}
	return nil, errNoExport
}

// checkOutcome compares a run with the command's expectation and returns
// a description of the difference, or "".
func checkOutcome(cmd *specCommand, got []uint64, err error) string {
	var tr *ssatest.Trap
	switch cmd.Type {
	case "action":
		if err != nil && !errors.As(err, &tr) {
			return err.Error()
		}
		return ""
	case "assert_return":
		if err != nil {
			return "got " + err.Error()
		}
		if len(got) != len(cmd.Expected) {
			return fmt.Sprintf("got %d results, want %d", len(got), len(cmd.Expected))
		}
		for i, e := range cmd.Expected {
			if !matchValue(e, got[i]) {
				return fmt.Sprintf("result %d: got %#x, want %s %v", i, got[i], e.Type, e.Value)
			}
		}
		return ""
	}
	if !errors.As(err, &tr) {
		return fmt.Sprintf("got %v (results %x), want trap %q", err, got, cmd.Text)
	}
	if cmd.Type == "assert_exhaustion" && tr.Code != abi.TrapStackExhausted || !strings.HasPrefix(cmd.Text, tr.Code.String()) {
		return fmt.Sprintf("got trap %q, want %q", tr.Code, cmd.Text)
	}
	return ""
}

// specArgs converts arguments; ok is false for types the test skips (v128).
func specArgs(vs []specValue) ([]uint64, bool) {
	out := make([]uint64, len(vs))
	for i, v := range vs {
		s, _ := v.Value.(string)
		switch v.Type {
		case "i32", "f32", "i64", "f64":
			x, err := strconv.ParseUint(s, 10, 64)
			if err != nil {
				return nil, false
			}
			out[i] = x
		case "externref", "funcref":
			if s != "null" {
				x, err := strconv.ParseUint(s, 10, 64)
				if err != nil || v.Type == "funcref" {
					return nil, false
				}
				out[i] = x + 1 // extern N is the word N+1; 0 is null
			}
		default:
			return nil, false
		}
	}
	return out, true
}

func matchValue(e specValue, got uint64) bool {
	s, hasValue := e.Value.(string)
	switch e.Type {
	case "i32", "f32":
		if got>>32 != 0 {
			return false
		}
	case "externref", "funcref":
		if !hasValue {
			return got != 0
		}
		if s == "null" {
			return got == 0
		}
		x, err := strconv.ParseUint(s, 10, 64)
		return err == nil && (e.Type == "funcref" && got != 0 || got == x+1)
	case "i64", "f64":
	default:
		return false
	}
	switch s {
	case "nan:canonical", "nan:arithmetic":
		quiet, mask := uint64(0x7ff8000000000000), uint64(0x7fffffffffffffff)
		if e.Type == "f32" {
			quiet, mask = 0x7fc00000, 0x7fffffff
		}
		if s == "nan:canonical" {
			return got&mask == quiet
		}
		return got&quiet == quiet
	}
	x, err := strconv.ParseUint(s, 10, 64)
	return err == nil && x == got
}
