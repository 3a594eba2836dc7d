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
// modules whose imports the fake runtime provides through the frontend and
// ssatest, with and without the optimisation pipeline, and compares
// results and trap codes with the expectations. The simd_* scripts are
// counted apart (their binary assert_invalid commands too, which the
// validator must reject), and every one of their assertions must pass.
func TestSpecSemantics(t *testing.T) {
	dir := testsuite.Spec(t)
	files, err := filepath.Glob(filepath.Join(dir, "*", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	for _, optimize := range []bool{false, true} {
		var total, simd specCounts
		for _, file := range files {
			c := runSpecFile(t, file, optimize)
			if strings.HasPrefix(filepath.Base(file), "simd_") {
				simd.passed += c.passed
				simd.failed += c.failed
				simd.skipped += c.skipped
			}
			if testing.Verbose() && c.skipped > 0 && !optimize && !strings.HasPrefix(filepath.Base(file), "simd") {
				t.Logf("%s: %d skipped", filepath.Base(file), c.skipped)
			}
			total.passed += c.passed
			total.failed += c.failed
			total.skipped += c.skipped
		}
		t.Logf("optimize=%v: %d assertions passed, %d failed, %d skipped (imports or unloadable module)",
			optimize, total.passed, total.failed, total.skipped)
		t.Logf("optimize=%v: simd_* scripts: %d passed, %d failed, %d skipped", optimize, simd.passed, simd.failed, simd.skipped)
		if simd.skipped > 0 {
			t.Errorf("optimize=%v: %d simd assertions skipped, want all run", optimize, simd.skipped)
		}
	}
}

type specCounts struct{ passed, failed, skipped int }

type specValue struct {
	Type     string `json:"type"`
	LaneType string `json:"lane_type"`
	Value    any    `json:"value"`
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
	ModType  string      `json:"module_type"`
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
			if !ok || !st.importable(m) {
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
		case "assert_invalid":
			// Counted for the simd scripts only: the validator's business.
			if cmd.ModType != "binary" || !strings.HasPrefix(name, "simd_") {
				break
			}
			if _, ok := loadValid(t, filepath.Join(filepath.Dir(file), cmd.Filename)); ok {
				fail(cmd.Line, "assert_invalid: the module validates")
			} else {
				c.passed++
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
			gt, err := t.globalType(e.Index)
			if err == nil && (gt.Val == wasm.I32 || gt.Val == wasm.F32) {
				x = uint64(uint32(x))
			}
			if err == nil && gt.Val == wasm.V128 {
				return []uint64{x, inst.space.word(inst.cell(e.Index) + 8)}, nil
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
		words := 0
		for _, e := range cmd.Expected {
			words += valueWords(e)
		}
		if len(got) != words {
			return fmt.Sprintf("got %d result words, want %d", len(got), words)
		}
		k := 0
		for i, e := range cmd.Expected {
			n := valueWords(e)
			if ok := matchWords(e, got[k:k+n]); !ok {
				return fmt.Sprintf("result %d: got %#x, want %s %v", i, got[k:k+n], e.Type, e.Value)
			}
			k += n
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

// specArgs converts arguments to words (two for a v128, low half
// first); ok is false for values the test cannot express.
func specArgs(vs []specValue) ([]uint64, bool) {
	var out []uint64
	for _, v := range vs {
		s, _ := v.Value.(string)
		out = append(out, 0)
		i := len(out) - 1
		switch v.Type {
		case "v128":
			lo, hi, ok := v128Words(v)
			if !ok {
				return nil, false
			}
			out[i] = lo
			out = append(out, hi)
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

// valueWords is the number of words a value takes in a result list.
func valueWords(e specValue) int {
	if e.Type == "v128" {
		return 2
	}
	return 1
}

// matchWords compares a value's words with an expectation.
func matchWords(e specValue, got []uint64) bool {
	if e.Type == "v128" {
		return matchV128(e, got[0], got[1])
	}
	return matchValue(e, got[0])
}

// v128Lanes splits a v128 value into its lanes: their scalar type (i8 and
// i16 lanes compare as i32 patterns) and width.
func v128Lanes(v specValue) (lanes []string, typ string, width uint, ok bool) {
	raw, isList := v.Value.([]any)
	if !isList {
		return nil, "", 0, false
	}
	switch v.LaneType {
	case "i8":
		width, typ = 8, "i32"
	case "i16":
		width, typ = 16, "i32"
	case "i32", "f32":
		width, typ = 32, v.LaneType
	case "i64", "f64":
		width, typ = 64, v.LaneType
	default:
		return nil, "", 0, false
	}
	if uint(len(raw))*width != 128 {
		return nil, "", 0, false
	}
	for _, l := range raw {
		s, isStr := l.(string)
		if !isStr {
			return nil, "", 0, false
		}
		lanes = append(lanes, s)
	}
	return lanes, typ, width, true
}

// v128Words packs an argument's lanes into two words.
func v128Words(v specValue) (lo, hi uint64, ok bool) {
	lanes, _, width, ok := v128Lanes(v)
	if !ok {
		return 0, 0, false
	}
	for i, s := range lanes {
		x, err := strconv.ParseUint(s, 10, int(width))
		if err != nil {
			return 0, 0, false
		}
		putLane(&lo, &hi, uint(i)*width, x)
	}
	return lo, hi, true
}

func putLane(lo, hi *uint64, pos uint, x uint64) {
	if pos < 64 {
		*lo |= x << pos
	} else {
		*hi |= x << (pos - 64)
	}
}

// matchV128 compares each lane of got (lo, hi) with the expectation,
// NaN patterns included.
func matchV128(e specValue, lo, hi uint64) bool {
	lanes, typ, width, ok := v128Lanes(e)
	if !ok {
		return false
	}
	for i, s := range lanes {
		pos := uint(i) * width
		w := lo
		if pos >= 64 {
			w, pos = hi, pos-64
		}
		x := w >> pos
		if width < 64 {
			x &= 1<<width - 1
		}
		if width < 32 {
			// An i8 or i16 lane: compare as the unsigned number it is.
			n, err := strconv.ParseUint(s, 10, int(width))
			if err != nil || n != x {
				return false
			}
			continue
		}
		if !matchValue(specValue{Type: typ, Value: s}, x) {
			return false
		}
	}
	return true
}
