package spectest

import (
	"encoding/json"

	"fmt"
	"github.com/moat-run/moat/internal/wasm"
	"math"
	"strconv"
)

// script is a wast2json file.
type script struct {
	SourceFilename string    `json:"source_filename"`
	Commands       []command `json:"commands"`
}

type command struct {
	Type       string  `json:"type"`
	Line       int     `json:"line"`
	Filename   string  `json:"filename"`
	Name       string  `json:"name"`
	As         string  `json:"as"`
	Action     *action `json:"action"`
	Expected   []value `json:"expected"`
	Text       string  `json:"text"`
	ModuleType string  `json:"module_type"`

	// load gives the module of a .wast command in the binary format, or
	// the text-format error that makes it malformed. JSON commands leave
	// it nil and name a file beside the script instead.
	load func() ([]byte, error)
	// Definition marks a module command that only defines its module
	// (`(module definition ...)`); Instance names the definition that an
	// instance command, or an assertion on `(module instance ...)`,
	// instantiates ("" for the latest), and instance is true for those.
	Definition bool
	Instance   string
	instance   bool
}

type action struct {
	Type   string  `json:"type"`
	Module string  `json:"module"`
	Field  string  `json:"field"`
	Args   []value `json:"args"`
}

// value is a typed value; Value is a string, or for v128 a list of lane
// strings. A .wast value comes already parsed (parsed, with its source text).
type value struct {
	Type     string          `json:"type"`
	LaneType string          `json:"lane_type"`
	Value    json.RawMessage `json:"value"`

	parsed *expectation
	text   string
}

func (v value) String() string {
	if v.parsed != nil {
		return v.text
	}
	if v.LaneType != "" {
		return fmt.Sprintf("%s:%s %s", v.Type, v.LaneType, v.Value)
	}
	return fmt.Sprintf("%s:%s", v.Type, v.Value)
}

// nanKind is how a float lane of an expected value is compared.
type nanKind byte

const (
	exact nanKind = iota
	nanCanonical
	nanArithmetic
	anyNonNull // a reference expected without a value: any non-null one
)

// lane is one expected scalar, or one lane of an expected v128.
type lane struct {
	bits  uint64
	width uint // in bits
	float bool
	kind  nanKind
}

// expectation is a parsed expected value: one lane for scalars and
// references, or alternatives when the script allows several results.
type expectation struct {
	typ   string
	lanes []lane
	alts  []expectation // (either ...): any one of these
	// needsGC marks a value only garbage collection makes; no value of
	// the scripts needs it now that the engines run GC.
	needsGC bool
	// extern marks ref.extern N and ref.host N (N in externN): the
	// externref made by NewExternRef(N), or its anyref (the same word).
	extern  bool
	externN uint64
	// wildcard is the heap type of an expected (ref.func), (ref.i31),
	// (ref.struct)…: any non-null value of (ref wildcard).
	wildcard wasm.HeapType
}

func laneWidth(laneType string) (uint, bool, error) {
	switch laneType {
	case "i8":
		return 8, false, nil
	case "i16":
		return 16, false, nil
	case "i32":
		return 32, false, nil
	case "i64":
		return 64, false, nil
	case "f32":
		return 32, true, nil
	case "f64":
		return 64, true, nil
	}
	return 0, false, fmt.Errorf("unknown lane type %q", laneType)
}

// parseLane parses one number (or NaN pattern, when allowed) of a width.
func parseLane(s string, width uint, float, allowNaN bool) (lane, error) {
	l := lane{width: width, float: float}
	if float && allowNaN {
		switch s {
		case "nan:canonical":
			l.kind = nanCanonical
			return l, nil
		case "nan:arithmetic":
			l.kind = nanArithmetic
			return l, nil
		}
	}
	bits, err := strconv.ParseUint(s, 10, int(width))
	if err != nil {
		return l, fmt.Errorf("bad %d-bit value %q", width, s)
	}
	l.bits = bits
	return l, nil
}

// parseValue parses a value. allowNaN permits NaN patterns (expected values).
func parseValue(v value, allowNaN bool) (expectation, error) {
	if v.parsed != nil {
		return *v.parsed, nil
	}
	e := expectation{typ: v.Type}
	if v.Type == "v128" {
		var strs []string
		if err := json.Unmarshal(v.Value, &strs); err != nil {
			return e, fmt.Errorf("bad v128 value %s", v.Value)
		}
		width, float, err := laneWidth(v.LaneType)
		if err != nil {
			return e, err
		}
		if uint(len(strs))*width != 128 {
			return e, fmt.Errorf("v128 with %d lanes of %s", len(strs), v.LaneType)
		}
		for _, s := range strs {
			l, err := parseLane(s, width, float, allowNaN)
			if err != nil {
				return e, err
			}
			e.lanes = append(e.lanes, l)
		}
		return e, nil
	}
	var s string
	if len(v.Value) == 0 {
		if v.Type == "funcref" || v.Type == "externref" {
			e.lanes = []lane{{width: 64, kind: anyNonNull}}
			return e, nil
		}
		return e, fmt.Errorf("%s value without a value", v.Type)
	}
	if err := json.Unmarshal(v.Value, &s); err != nil {
		return e, fmt.Errorf("bad %s value %s", v.Type, v.Value)
	}
	var l lane
	var err error
	switch v.Type {
	case "i32":
		l, err = parseLane(s, 32, false, false)
	case "i64":
		l, err = parseLane(s, 64, false, false)
	case "f32":
		l, err = parseLane(s, 32, true, allowNaN)
	case "f64":
		l, err = parseLane(s, 64, true, allowNaN)
	case "funcref", "externref":
		l = lane{width: 64}
		if s != "null" {
			if v.Type == "funcref" {
				return e, fmt.Errorf("non-null funcref %q cannot be written in a script", s)
			}
			n, perr := strconv.ParseUint(s, 10, 63)
			if perr != nil {
				return e, fmt.Errorf("bad externref %q", s)
			}
			e.extern, e.externN = true, n
		}
	default:
		return e, fmt.Errorf("unknown value type %q", v.Type)
	}
	if err != nil {
		return e, err
	}
	e.lanes = []lane{l}
	return e, nil
}

// words returns the call words of an argument (two for v128, low first).
func (e expectation) words() []uint64 {
	if len(e.alts) > 0 {
		return e.alts[0].words()
	}
	if e.typ != "v128" {
		return []uint64{e.lanes[0].bits}
	}
	var lo, hi uint64
	pos := uint(0)
	for _, l := range e.lanes {
		putBits(&lo, &hi, pos, l.width, l.bits)
		pos += l.width
	}
	return []uint64{lo, hi}
}

func putBits(lo, hi *uint64, pos, width uint, bits uint64) {
	if pos < 64 {
		*lo |= bits << pos
	} else {
		*hi |= bits << (pos - 64)
	}
}

func getBits(lo, hi uint64, pos, width uint) uint64 {
	w := lo
	if pos >= 64 {
		w, pos = hi, pos-64
	}
	if width == 64 {
		return w
	}
	return (w >> pos) & (1<<width - 1)
}

// numWords is how many result words the expectation covers.
func (e expectation) numWords() int {
	if len(e.alts) > 0 {
		return e.alts[0].numWords()
	}
	if e.typ == "v128" {
		return 2
	}
	return 1
}

// match compares result words (one, or two for v128) with e.
func (e expectation) match(w []uint64) bool {
	if len(e.alts) > 0 {
		for _, a := range e.alts {
			if a.match(w) {
				return true
			}
		}
		return false
	}
	if e.typ != "v128" {
		l := e.lanes[0]
		bits := w[0]
		if l.width == 32 {
			if bits>>32 != 0 {
				return false // a 32-bit value must come back zero-extended
			}
		}
		return l.matches(bits)
	}
	pos := uint(0)
	for _, l := range e.lanes {
		if !l.matches(getBits(w[0], w[1], pos, l.width)) {
			return false
		}
		pos += l.width
	}
	return true
}

func (l lane) matches(bits uint64) bool {
	switch l.kind {
	case anyNonNull:
		return bits != 0
	case nanCanonical, nanArithmetic:
		var quiet, mask uint64
		if l.width == 32 {
			quiet, mask = 0x7fc00000, 0x7fffffff
		} else {
			quiet, mask = 0x7ff8000000000000, 0x7fffffffffffffff
		}
		if l.kind == nanCanonical {
			return bits&mask == quiet
		}
		return bits&quiet == quiet
	}
	return bits == l.bits
}

// formatWords renders result words as the types the expectation reads them.
func formatResult(typ string, laneType string, w []uint64) string {
	switch typ {
	case "v128":
		width, float, err := laneWidth(laneType)
		if err != nil {
			width = 32
		}
		s := fmt.Sprintf("v128:%s [", laneType)
		for pos := uint(0); pos < 128; pos += width {
			if pos > 0 {
				s += " "
			}
			s += formatLane(getBits(w[0], w[1], pos, width), width, float)
		}
		return s + "]"
	case "f32":
		return "f32:" + formatLane(w[0], 32, true)
	case "f64":
		return "f64:" + formatLane(w[0], 64, true)
	}
	return fmt.Sprintf("%s:%d", typ, w[0])
}

func formatLane(bits uint64, width uint, float bool) string {
	if !float {
		return strconv.FormatUint(bits, 10)
	}
	if width == 32 {
		return fmt.Sprintf("%d(%v)", bits, math.Float32frombits(uint32(bits)))
	}
	return fmt.Sprintf("%d(%v)", bits, math.Float64frombits(bits))
}
