package amd64

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/moat-run/moat/internal/abi"
	wbin "github.com/moat-run/moat/internal/binary"
	"github.com/moat-run/moat/internal/frontend"
	"github.com/moat-run/moat/internal/ssa"
	"github.com/moat-run/moat/internal/testsuite"
	"github.com/moat-run/moat/internal/validate"
	"github.com/moat-run/moat/internal/vm"
	"github.com/moat-run/moat/internal/wasm"
)

// A minimal harness that runs compiled code for real: every function of a
// module is compiled, linked with an entry stub per exported function, mapped
// with internal/vm and run through vm.Runner against the spec suite's
// assert_return and assert_trap commands. It supports modules without
// imports and tables (memory and globals included); other modules and their
// commands are skipped. A full engine is not this package's business; this
// checks the lowering rules end to end.

type testModule struct {
	code    *vm.Code
	entries map[string]uintptr // export name -> entry stub address
	sigs    map[string]wasm.FuncType
	ctx     *vm.Context
	mem     []byte
	cells   []uint64 // 2 words per global
	addrs   []uint64 // cell addresses
}

func linkModule(t *testing.T, m *wasm.Module) (*testModule, error) {
	if len(m.Imports) > 0 || len(m.Tables) > 0 || len(m.Elems) > 0 {
		return nil, errSkip
	}
	var blob []byte
	place := func(code []byte) int {
		for len(blob)%16 != 0 {
			blob = append(blob, 0xCC)
		}
		off := len(blob)
		blob = append(blob, code...)
		return off
	}
	type relocAt struct {
		base int
		r    Reloc
	}
	var relocs []relocAt
	funcOff := make([]int, len(m.Code))
	for i := range m.Code {
		f, err := frontend.Translate(m, uint32(i), nil)
		if err != nil {
			return nil, err
		}
		ssa.Optimize(f)
		c, err := Compile(f, Options{Check: true, SharedPollStub: i%2 == 0})
		if err != nil {
			return nil, err
		}
		funcOff[i] = place(c.Code)
		for _, r := range c.Relocs {
			relocs = append(relocs, relocAt{funcOff[i], r})
		}
	}
	tm := &testModule{entries: map[string]uintptr{}, sigs: map[string]wasm.FuncType{}}
	entryOff := map[string]int{}
	for _, ex := range m.Exports {
		if ex.Kind != wasm.ExternFunc {
			continue
		}
		ft := m.FuncTypeOf(ex.Index)
		sig := ssa.Signature{Params: []ssa.Type{ssa.I64}}
		for _, p := range ft.Params {
			sig.Params = append(sig.Params, ssaType(p))
		}
		for _, r := range ft.Results {
			sig.Results = append(sig.Results, ssaType(r))
		}
		code, rs, err := EntryStub(sig, ex.Index)
		if err != nil {
			return nil, err
		}
		off := place(code)
		entryOff[ex.Name] = off
		tm.sigs[ex.Name] = *ft
		for _, r := range rs {
			relocs = append(relocs, relocAt{off, r})
		}
	}
	poll, exitEntry := PollStub()
	pollOff := place(poll)
	for _, r := range relocs {
		at := r.base + r.r.Offset
		var target int
		switch r.r.Func {
		case PollStubCallee:
			target = pollOff
		case SavingExitCallee:
			target = pollOff + exitEntry
		default:
			target = funcOff[r.r.Func]
		}
		v := int64(target) + r.r.Addend - int64(at)
		binary.LittleEndian.PutUint32(blob[at:], uint32(int32(v)))
	}
	if len(blob) == 0 {
		return nil, errSkip
	}
	code, err := vm.MapCode(blob)
	if err != nil {
		return nil, err
	}
	tm.code = code
	for name, off := range entryOff {
		tm.entries[name] = code.Addr() + uintptr(off)
	}
	tm.ctx = vm.NewContext()
	if len(m.Memories) > 0 {
		lim := m.Memories[0].Limits
		pages := min(lim.Min+1024, 1100)
		if lim.HasMax {
			pages = min(pages, lim.Max)
		}
		pages = max(pages, lim.Min)
		tm.mem = make([]byte, int(pages)*65536)
		tm.ctx.MemoryBase = uintptr(unsafePointer(tm.mem))
		tm.ctx.MemoryLen = uint64(m.Memories[0].Limits.Min) * 65536
	}
	tm.cells = make([]uint64, 2*len(m.Globals)+2)
	tm.addrs = make([]uint64, len(m.Globals)+1)
	for i, g := range m.Globals {
		v, ok := constValue(g.Init)
		if !ok {
			return nil, errSkip
		}
		tm.cells[2*i] = v
		tm.addrs[i] = uint64(uintptr(unsafePointer64(tm.cells[2*i:])))
	}
	tm.ctx.GlobalsBase = uintptr(unsafePointer64(tm.addrs))
	for _, d := range m.Datas {
		if d.Mode != wasm.DataActive {
			continue
		}
		off, ok := constValue(d.Offset)
		if !ok || uint64(uint32(off))+uint64(len(d.Bytes)) > tm.ctx.MemoryLen {
			return nil, errSkip
		}
		copy(tm.mem[uint32(off):], d.Bytes)
	}
	return tm, nil
}

var errSkip = errors.New("skipped")

func constValue(e wasm.ConstExpr) (uint64, bool) {
	if e.Len() != 1 {
		return 0, false
	}
	switch in := e.At(0); in.Op {
	case wasm.OpI32Const, wasm.OpF32Const:
		return uint64(uint32(in.Imm)), true
	case wasm.OpI64Const, wasm.OpF64Const:
		return in.Imm, true
	}
	return 0, false
}

func ssaType(t wasm.ValType) ssa.Type {
	switch t {
	case wasm.I32:
		return ssa.I32
	case wasm.I64:
		return ssa.I64
	case wasm.F32:
		return ssa.F32
	case wasm.F64:
		return ssa.F64
	}
	return ssa.I64
}

type specValue struct {
	Type  string `json:"type"`
	Value string `json:"value"`
}

type specCommand struct {
	Type     string `json:"type"`
	Line     int    `json:"line"`
	Filename string `json:"filename"`
	Text     string `json:"text"`
	Action   struct {
		Type   string      `json:"type"`
		Module string      `json:"module"`
		Field  string      `json:"field"`
		Args   []specValue `json:"args"`
	} `json:"action"`
	Expected []specValue `json:"expected"`
}

// runSpecFile runs one JSON script; it returns passed, failed, skipped.
func runSpecFile(t *testing.T, dir, name string) (pass, fail, skip int) {
	data, err := os.ReadFile(filepath.Join(dir, name, name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var script struct {
		Commands []specCommand `json:"commands"`
	}
	if err := json.Unmarshal(data, &script); err != nil {
		t.Fatal(err)
	}
	st, err := vm.NewStack(1 << 20)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var cur *testModule
	runner := &vm.Runner{PollInterval: 1, Exit: func(_ context.Context, c *vm.Context, e *vm.Exit) error {
		if e.Code != abi.ExitMemoryGrow || cur == nil {
			return fmt.Errorf("unexpected exit %v", e.Code)
		}
		old := c.MemoryLen / 65536
		if n := old + uint64(uint32(e.Args[0])); n*65536 <= uint64(len(cur.mem)) {
			c.MemoryLen = n * 65536
			e.Args[0] = old
		} else {
			e.Args[0] = abi.GrowFailed
		}
		return nil
	}}
	for _, c := range script.Commands {
		switch c.Type {
		case "module":
			cur = nil
			bytes, err := os.ReadFile(filepath.Join(dir, name, c.Filename))
			if err != nil {
				t.Fatal(err)
			}
			m, err := wbin.Decode(bytes)
			if err != nil || validate.Module(m) != nil || frontend.UsesSIMD(m) {
				continue
			}
			tm, err := linkModule(t, m)
			if err == errSkip {
				continue
			}
			if err != nil {
				t.Errorf("%s:%d: %v", name, c.Line, err)
				continue
			}
			cur = tm
			t.Cleanup(func() { tm.code.Close() })
		case "assert_return", "assert_trap", "action":
			if cur == nil || c.Action.Type != "invoke" || c.Action.Module != "" {
				skip++
				continue
			}
			entry, ok := cur.entries[c.Action.Field]
			if !ok {
				skip++
				continue
			}
			vals := make([]uint64, max(len(c.Action.Args), len(c.Expected), 1))
			bad := false
			for k, a := range c.Action.Args {
				v, ok := parseValue(a)
				bad = bad || !ok
				vals[k] = v
			}
			if bad {
				skip++
				continue
			}
			err := runner.Run(context.Background(), cur.ctx, st, entry, vals)
			runtime.KeepAlive(cur)
			msg := check(c, vals, err)
			if msg == "" {
				pass++
			} else {
				fail++
				if fail <= 10 {
					t.Errorf("%s:%d: %s %v: %s", name, c.Line, c.Action.Field, c.Action.Args, msg)
				}
			}
		}
	}
	return
}

func parseValue(v specValue) (uint64, bool) {
	switch v.Type {
	case "i32", "i64", "f32", "f64":
		x, err := strconv.ParseUint(v.Value, 10, 64)
		return x, err == nil
	}
	return 0, false
}

func check(c specCommand, vals []uint64, err error) string {
	if c.Type == "assert_trap" {
		var trap *vm.Trap
		if !errors.As(err, &trap) {
			return fmt.Sprintf("want trap %q, got %v", c.Text, err)
		}
		if !strings.HasPrefix(trap.Code.String(), c.Text) && !strings.HasPrefix(c.Text, trap.Code.String()) {
			return fmt.Sprintf("want trap %q, got %q", c.Text, trap.Code)
		}
		return ""
	}
	if err != nil {
		return "unexpected " + err.Error()
	}
	if c.Type == "action" {
		return ""
	}
	for k, e := range c.Expected {
		got := vals[k]
		switch e.Type {
		case "i32", "f32":
			got = uint64(uint32(got))
		}
		switch {
		case strings.HasPrefix(e.Value, "nan:"):
			if !isNaN(e.Type, got, e.Value == "nan:canonical") {
				return fmt.Sprintf("result %d: want %s, got %#x", k, e.Value, got)
			}
		default:
			want, ok := parseValue(e)
			if !ok {
				return ""
			}
			if want != got {
				return fmt.Sprintf("result %d: want %#x, got %#x", k, want, got)
			}
		}
	}
	return ""
}

func isNaN(t string, bits uint64, canonical bool) bool {
	if t == "f32" {
		b := uint32(bits) &^ (1 << 31)
		if canonical {
			return b == 0x7fc00000
		}
		return b&0x7fc00000 == 0x7fc00000
	}
	b := bits &^ (1 << 63)
	if canonical {
		return b == 0x7ff8000000000000
	}
	return b&0x7ff8000000000000 == 0x7ff8000000000000
}

var _ = math.Inf

// TestRunSpecScripts runs scalar spec scripts on compiled code.
func TestRunSpecScripts(t *testing.T) {
	if err := CPUSupported(); err != nil {
		t.Skip(err)
	}
	dir := testsuite.Spec(t)
	files := []string{
		"i32", "i64", "f32", "f64", "f32_bitwise", "f64_bitwise", "f32_cmp", "f64_cmp", "conversions",
		"int_exprs", "int_literals", "float_exprs", "float_misc", "float_literals", "fac", "forward",
		"block", "loop", "br", "br_if", "br_table", "if", "select", "call", "return", "labels", "switch",
		"local_get", "local_set", "local_tee", "nop", "stack", "unreachable", "unwind", "traps",
		"address", "load", "store", "endianness", "float_memory", "memory_redundancy", "left-to-right",
		"global", "const", "func", "memory_trap", "memory_grow", "memory_size", "align", "int_exprs",
	}
	var P, F, S int
	for _, name := range files {
		p, f, s := runSpecFile(t, dir, name)
		t.Logf("%-18s %5d passed %4d failed %4d skipped", name, p, f, s)
		P, F, S = P+p, F+f, S+s
	}
	t.Logf("total: %d passed, %d failed, %d skipped", P, F, S)
}
