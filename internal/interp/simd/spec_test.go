package simd

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

	"github.com/moat-run/moat/internal/testsuite"
	"github.com/moat-run/moat/internal/wasm"
)

type specValue struct {
	Type     string          `json:"type"`
	LaneType string          `json:"lane_type"`
	Value    json.RawMessage `json:"value"`
}

type specCommand struct {
	Type     string `json:"type"`
	Line     int    `json:"line"`
	Filename string `json:"filename"`
	Name     string `json:"name"`
	Action   struct {
		Type   string      `json:"type"`
		Field  string      `json:"field"`
		Module string      `json:"module"`
		Args   []specValue `json:"args"`
	} `json:"action"`
	Expected []specValue `json:"expected"`
}

// simpleFunc is an export whose body is one SIMD instruction on its params.
type simpleFunc struct {
	op  wasm.Opcode
	imm V128 // lane index in Lo, or the 16 shuffle bytes
}

// TestSpecSIMD runs the spec suite's SIMD assert_return commands whose
// export is a single SIMD instruction applied to its parameters in order.
// That shape is checked on the function body bytes, not guessed from the
// export name: `local.get 0 … local.get n-1  0xFD op [lane|shuffle imm]  end`.
func TestSpecSIMD(t *testing.T) {
	root := testsuite.Spec(t)
	files, _ := filepath.Glob(filepath.Join(root, "simd_*", "simd_*.json"))
	if len(files) == 0 {
		t.Skipf("no simd_* spec scripts under %s", root)
	}
	total, checked, passed := 0, 0, 0
	perOp := map[wasm.Opcode]int{}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var doc struct{ Commands []specCommand }
		if err := json.Unmarshal(data, &doc); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		var current map[string]simpleFunc
		named := map[string]map[string]simpleFunc{}
		for _, c := range doc.Commands {
			switch c.Type {
			case "module":
				bin, err := os.ReadFile(filepath.Join(filepath.Dir(file), c.Filename))
				if err != nil {
					t.Fatal(err)
				}
				current, err = simpleExports(bin)
				if err != nil {
					t.Logf("%s: %s: not analysed: %v", filepath.Base(file), c.Filename, err)
					current = nil
				}
				if c.Name != "" {
					named[c.Name] = current
				}
			case "assert_return":
				if c.Action.Type != "invoke" {
					continue
				}
				total++
				mod := current
				if c.Action.Module != "" {
					mod = named[c.Action.Module]
				}
				fn, ok := mod[c.Action.Field]
				if !ok {
					continue
				}
				checked++
				perOp[fn.op]++
				where := fmt.Sprintf("%s:%d %s", filepath.Base(file), c.Line, c.Action.Field)
				if err := runAssert(fn, c.Action.Args, c.Expected); err != nil {
					t.Errorf("%s (%s): %v", where, fn.op, err)
				} else {
					passed++
				}
			}
		}
	}
	var missing []string
	for sub := 0; sub < 256; sub++ {
		op := wasm.Opcode(0xFD00 | sub)
		info := op.Info()
		if info == nil || perOp[op] > 0 || isMemoryOp(info) || op == wasm.OpV128Const {
			continue
		}
		missing = append(missing, info.Name)
	}
	sort.Strings(missing)
	t.Logf("simd spec: %d assert_return in simd_*.json, %d are single-instruction calls, %d passed", total, checked, passed)
	t.Logf("non-memory SIMD ops with no single-instruction assertion: %v", missing)
}

func isMemoryOp(info *wasm.OpInfo) bool {
	return info.Imm == wasm.ImmMemArg || info.Imm == wasm.ImmMemArgLane
}

// simpleExports decodes just enough of a module to find exported functions
// whose body is a single SIMD instruction applied to the params in order.
func simpleExports(bin []byte) (map[string]simpleFunc, error) {
	r := &reader{b: bin}
	if len(bin) < 8 || string(bin[:4]) != "\x00asm" {
		return nil, errors.New("not a wasm module")
	}
	r.pos = 8
	var types []int // param counts
	var funcTypes []uint32
	importedFuncs := uint32(0)
	exports := map[string]uint32{}
	var bodies [][]byte
	for r.pos < len(r.b) {
		id := r.byte()
		size := r.u32()
		end := r.pos + int(size)
		if end > len(r.b) || r.err != nil {
			return nil, errors.New("bad section")
		}
		switch id {
		case 1:
			for n := r.u32(); n > 0 && r.err == nil; n-- {
				r.byte() // 0x60
				types = append(types, int(r.u32()))
				r.pos += types[len(types)-1]
				r.pos += int(r.u32())
			}
		case 2:
			for n := r.u32(); n > 0 && r.err == nil; n-- {
				r.pos += int(r.u32())
				r.pos += int(r.u32())
				switch r.byte() {
				case 0:
					r.u32()
					importedFuncs++
				case 1:
					r.byte()
					r.limits()
				case 2:
					r.limits()
				case 3:
					r.byte()
					r.byte()
				}
			}
		case 3:
			for n := r.u32(); n > 0 && r.err == nil; n-- {
				funcTypes = append(funcTypes, r.u32())
			}
		case 7:
			for n := r.u32(); n > 0 && r.err == nil; n-- {
				l := int(r.u32())
				if r.pos+l > len(r.b) {
					return nil, errors.New("bad export")
				}
				name := string(r.b[r.pos : r.pos+l])
				r.pos += l
				kind := r.byte()
				idx := r.u32()
				if kind == 0 {
					exports[name] = idx
				}
			}
		case 10:
			for n := r.u32(); n > 0 && r.err == nil; n-- {
				l := int(r.u32())
				if r.pos+l > len(r.b) {
					return nil, errors.New("bad body")
				}
				bodies = append(bodies, r.b[r.pos:r.pos+l])
				r.pos += l
			}
		}
		r.pos = end
	}
	if r.err != nil {
		return nil, r.err
	}
	out := map[string]simpleFunc{}
	for name, idx := range exports {
		if idx < importedFuncs {
			continue
		}
		i := idx - importedFuncs
		if int(i) >= len(bodies) || int(i) >= len(funcTypes) || int(funcTypes[i]) >= len(types) {
			continue
		}
		if fn, ok := matchBody(bodies[i], types[funcTypes[i]]); ok {
			out[name] = fn
		}
	}
	return out, nil
}

func matchBody(body []byte, params int) (simpleFunc, bool) {
	r := &reader{b: body}
	if r.u32() != 0 { // no local declarations
		return simpleFunc{}, false
	}
	for k := 0; k < params; k++ {
		if r.byte() != 0x20 || r.u32() != uint32(k) {
			return simpleFunc{}, false
		}
	}
	if r.byte() != 0xFD {
		return simpleFunc{}, false
	}
	s := r.u32()
	if s > 0xff {
		return simpleFunc{}, false
	}
	fn := simpleFunc{op: wasm.Opcode(0xFD00 | s)}
	info := fn.op.Info()
	if info == nil || info.Special || len(info.Params) != params {
		return simpleFunc{}, false
	}
	switch info.Imm {
	case wasm.ImmNone:
	case wasm.ImmLane:
		fn.imm.Lo = uint64(r.byte())
	case wasm.ImmShuffle:
		var l [16]uint8
		for i := range l {
			l[i] = r.byte()
		}
		fn.imm = from8(l)
	default:
		return simpleFunc{}, false
	}
	if r.byte() != 0x0B || r.pos != len(r.b) || r.err != nil {
		return simpleFunc{}, false
	}
	return fn, true
}

type reader struct {
	b   []byte
	pos int
	err error
}

func (r *reader) byte() byte {
	if r.pos >= len(r.b) {
		r.err = errors.New("unexpected end")
		return 0
	}
	r.pos++
	return r.b[r.pos-1]
}

func (r *reader) u32() uint32 {
	var v uint32
	for shift := 0; shift < 35; shift += 7 {
		c := r.byte()
		v |= uint32(c&0x7f) << shift
		if c < 0x80 {
			return v
		}
	}
	r.err = errors.New("bad leb")
	return 0
}

func (r *reader) limits() {
	if r.byte()&1 != 0 {
		r.u32()
	}
	r.u32()
}

// evaluate applies fn to the argument words (a v128 takes a V128).
func evaluate(fn simpleFunc, args []any) (any, error) {
	info := fn.op.Info()
	sub := byte(fn.op)
	v := func(i int) V128 { return args[i].(V128) }
	w := func(i int) uint64 { return args[i].(uint64) }
	result := info.Results[0]
	switch {
	case info.Imm == wasm.ImmShuffle:
		return Shuffle(v(0), v(1), fn.imm), nil
	case info.Imm == wasm.ImmLane && result == wasm.V128:
		return ReplaceLane(fn.op, v(0), uint32(fn.imm.Lo), w(1)), nil
	case info.Imm == wasm.ImmLane:
		return ExtractLane(fn.op, v(0), uint32(fn.imm.Lo)), nil
	case fn.op == wasm.OpV128Bitselect:
		return Bitselect(v(0), v(1), v(2)), nil
	case Unary[sub] != nil:
		return Unary[sub](v(0)), nil
	case Binary[sub] != nil:
		return Binary[sub](v(0), v(1)), nil
	case Test[sub] != nil:
		return uint64(Test[sub](v(0))), nil
	case Shift[sub] != nil:
		return Shift[sub](v(0), uint32(w(1))), nil
	case Splat[sub] != nil:
		return Splat[sub](w(0)), nil
	}
	return nil, fmt.Errorf("no implementation for %s", fn.op)
}

func runAssert(fn simpleFunc, args, expected []specValue) error {
	var in []any
	for _, a := range args {
		x, err := parseValue(a)
		if err != nil {
			return err
		}
		in = append(in, x)
	}
	if len(expected) != 1 {
		return fmt.Errorf("expected %d results", len(expected))
	}
	got, err := evaluate(fn, in)
	if err != nil {
		return err
	}
	return compare(got, expected[0])
}

func parseValue(a specValue) (any, error) {
	if a.Type != "v128" {
		var s string
		if err := json.Unmarshal(a.Value, &s); err != nil {
			return nil, err
		}
		return strconv.ParseUint(s, 10, 64)
	}
	var lanes []string
	if err := json.Unmarshal(a.Value, &lanes); err != nil {
		return nil, err
	}
	return packLanes(a.LaneType, lanes, func(string, int) (uint64, error) { return 0, errors.New("NaN pattern in argument") })
}

// packLanes builds a V128 from lane strings; nan handles "nan:*" lanes.
func packLanes(laneType string, lanes []string, nan func(pattern string, bits int) (uint64, error)) (V128, error) {
	width := map[string]int{"i8": 8, "i16": 16, "i32": 32, "f32": 32, "i64": 64, "f64": 64}[laneType]
	if width == 0 || len(lanes)*width != 128 {
		return V128{}, fmt.Errorf("bad v128 lanes %s x %d", laneType, len(lanes))
	}
	var words [2]uint64
	for i, s := range lanes {
		var x uint64
		var err error
		if strings.HasPrefix(s, "nan:") {
			x, err = nan(s, width)
		} else {
			x, err = strconv.ParseUint(s, 10, width)
		}
		if err != nil {
			return V128{}, err
		}
		bit := i * width
		words[bit/64] |= x << (bit % 64)
	}
	return V128{words[0], words[1]}, nil
}

func compare(got any, want specValue) error {
	if want.Type != "v128" {
		var s string
		if err := json.Unmarshal(want.Value, &s); err != nil {
			return err
		}
		g, ok := got.(uint64)
		if !ok {
			return fmt.Errorf("got %v, want a %s", got, want.Type)
		}
		if strings.HasPrefix(s, "nan:") {
			bits := map[string]int{"f32": 32, "f64": 64}[want.Type]
			if !nanMatches(s, g, bits) {
				return fmt.Errorf("got %#x, want %s", g, s)
			}
			return nil
		}
		x, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return err
		}
		if g != x {
			return fmt.Errorf("got %#x, want %#x", g, x)
		}
		return nil
	}
	g, ok := got.(V128)
	if !ok {
		return fmt.Errorf("got %v, want a v128", got)
	}
	var lanes []string
	if err := json.Unmarshal(want.Value, &lanes); err != nil {
		return err
	}
	// NaN lanes: check them on got, then copy got's lane into the expected
	// value so the exact comparison covers every other lane.
	width := 128 / len(lanes)
	var nanMismatch error
	exp, err := packLanes(want.LaneType, lanes, func(p string, bits int) (uint64, error) { return 0, nil })
	if err != nil {
		return err
	}
	gw := [2]uint64{g.Lo, g.Hi}
	ew := [2]uint64{exp.Lo, exp.Hi}
	for i, s := range lanes {
		bit := i * width
		lane := gw[bit/64] >> (bit % 64) & (1<<width - 1)
		if strings.HasPrefix(s, "nan:") {
			if !nanMatches(s, lane, width) {
				nanMismatch = fmt.Errorf("lane %d: got %#x, want %s", i, lane, s)
			}
			ew[bit/64] |= lane << (bit % 64)
		}
	}
	if nanMismatch != nil {
		return fmt.Errorf("got %#016x %#016x: %v", g.Hi, g.Lo, nanMismatch)
	}
	if ew != gw {
		return fmt.Errorf("got hi:lo %#016x %#016x, want %#016x %#016x (%s lanes %v)", g.Hi, g.Lo, ew[1], ew[0], want.LaneType, lanes)
	}
	return nil
}

func nanMatches(pattern string, x uint64, bits int) bool {
	var canon uint64
	switch bits {
	case 32:
		canon = 0x7fc00000
	case 64:
		canon = 0x7ff8000000000000
	default:
		return false
	}
	abs := x &^ (1 << (bits - 1))
	if pattern == "nan:canonical" {
		return abs == canon
	}
	return x&canon == canon
}
