package moat_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/moat-run/moat"
)

// TestMemoryEdges runs every load and store width, v128 included, at
// static offsets and addresses on both sides of every edge (the memory's
// end, the guard's end at 32 MiB, 2^31, 0xffffffff), and the bulk
// operations with edge operands, on the compiler in both bounds-check
// modes and on the interpreter: results, traps and the memory afterwards
// must be identical. A guard-page access that left the instance's own
// reservation would either succeed where the interpreter traps, or fault
// where the handler refuses it and the process dies: either fails here.
func TestMemoryEdges(t *testing.T) {
	src, calls := edgeModule()
	want := edgeTrace(t, moat.Config{Engine: moat.EngineInterpreter}, src, calls)
	ran := 0
	for _, mode := range boundsModes {
		cfg := moat.Config{Engine: moat.EngineCompiler, BoundsChecks: mode}
		if _, err := moat.NewEngine(cfg); err != nil {
			continue
		}
		ran++
		got := edgeTrace(t, cfg, src, calls)
		for i := range want {
			if i >= len(got) || got[i] != want[i] {
				t.Fatalf("%v bounds checks: line %d:\n got  %s\n want %s", mode, i, at(got, i), want[i])
			}
		}
	}
	if ran == 0 {
		t.Skip("no compiler engine here")
	}
}

// edgeAccesses are the loads and stores: opcode and width in bytes.
var edgeAccesses = []struct {
	op    string
	size  int
	store string // the value's instruction for a store
}{
	{"i32.load", 4, ""}, {"i64.load", 8, ""}, {"f32.load", 4, ""}, {"f64.load", 8, ""},
	{"i32.load8_s", 1, ""}, {"i32.load8_u", 1, ""}, {"i32.load16_s", 2, ""}, {"i32.load16_u", 2, ""},
	{"i64.load8_s", 1, ""}, {"i64.load16_u", 2, ""}, {"i64.load32_s", 4, ""}, {"i64.load32_u", 4, ""},
	{"v128.load", 16, ""}, {"v128.load8x8_s", 8, ""}, {"v128.load32x2_u", 8, ""}, {"v128.load8_splat", 1, ""},
	{"v128.load16_splat", 2, ""}, {"v128.load32_splat", 4, ""}, {"v128.load64_splat", 8, ""},
	{"v128.load32_zero", 4, ""}, {"v128.load64_zero", 8, ""},
	{"v128.load8_lane 15", 1, "lane"}, {"v128.load64_lane 1", 8, "lane"},
	{"i32.store", 4, "i32.const 0x11223344"}, {"i64.store", 8, "i64.const 0x1122334455667788"},
	{"f32.store", 4, "f32.const 1.5"}, {"f64.store", 8, "f64.const -2.25"},
	{"i32.store8", 1, "i32.const 0x99"}, {"i32.store16", 2, "i32.const 0x9988"},
	{"i64.store8", 1, "i64.const 0x77"}, {"i64.store16", 2, "i64.const 0x7766"}, {"i64.store32", 4, "i64.const 0x77665544"},
	{"v128.store", 16, "v128.const i64x2 0x0102030405060708 0x090a0b0c0d0e0f10"},
	{"v128.store8_lane 3", 1, "lanestore"}, {"v128.store64_lane 0", 8, "lanestore"},
}

// edgeOffsets straddle the 32 MiB guard (an access of n bytes at offset k
// goes unchecked iff k+n <= 32 MiB+1), 2^31 and the top.
var edgeOffsets = []uint64{0, 1, 0xffff, 0x10000, 32<<20 - 16, 32<<20 - 8, 32<<20 - 3, 32<<20 - 1, 32 << 20, 32<<20 + 1,
	0x7fffffff, 0x80000000, 0xfffffff0, 0xffffffff}

// edgeAddrs straddle the end of one and two pages, 2^31 and the top.
var edgeAddrs = []uint64{0, 1, 0xfff0, 0xfff8, 0xfffc, 0xfffe, 0xffff, 0x10000, 0x10001, 0x1fff0, 0x1ffff, 0x20000,
	1 << 20, 0x7fffffff, 0x80000000, 0xfe000000, 0xfffffff0, 0xffffffff}

// edgeBulk are the bulk operations' operands.
var edgeBulk = []uint64{0, 1, 0xffff, 0x10000, 0x10001, 0x1ffff, 0x20000, 0x80000000, 0xffffffff}

// edgeModule is the module and the calls to make: one function per access
// and offset, taking the address; bulk operations take their operands.
func edgeModule() (string, []string) {
	var b strings.Builder
	var calls []string
	b.WriteString("(module (memory (export \"mem\") 1 2) (data \"0123456789abcdefghijklmnopqrstuvwxyz\")\n")
	for i, a := range edgeAccesses {
		for j, off := range edgeOffsets {
			name := fmt.Sprintf("a%d_%d", i, j)
			calls = append(calls, name)
			switch {
			case a.store == "":
				result := "v128"
				switch {
				case strings.HasPrefix(a.op, "i32"):
					result = "i32"
				case strings.HasPrefix(a.op, "i64"):
					result = "i64"
				case strings.HasPrefix(a.op, "f32"):
					result = "f32"
				case strings.HasPrefix(a.op, "f64"):
					result = "f64"
				}
				if result == "f32" || result == "f64" { // compare bits, NaNs included
					fmt.Fprintf(&b, "(func (export %q) (param i32) (result i%s) (i%s.reinterpret_%s (%s offset=%d (local.get 0))))\n",
						name, result[1:], result[1:], result, a.op, off)
				} else {
					fmt.Fprintf(&b, "(func (export %q) (param i32) (result %s) (%s offset=%d (local.get 0)))\n", name, result, a.op, off)
				}
			case a.store == "lane":
				op, lane, _ := strings.Cut(a.op, " ")
				fmt.Fprintf(&b, "(func (export %q) (param i32) (result v128) (%s offset=%d %s (local.get 0) (v128.const i64x2 -1 -1)))\n",
					name, op, off, lane)
			case a.store == "lanestore":
				op, lane, _ := strings.Cut(a.op, " ")
				fmt.Fprintf(&b, "(func (export %q) (param i32) (%s offset=%d %s (local.get 0) (v128.const i64x2 0x5555555555555555 0x6666666666666666)))\n",
					name, op, off, lane)
			default:
				fmt.Fprintf(&b, "(func (export %q) (param i32) (%s offset=%d (local.get 0) (%s)))\n", name, a.op, off, a.store)
			}
		}
	}
	b.WriteString(`(data $d "edge bytes")
	  (func (export "fill") (param i32 i32) (memory.fill (local.get 0) (i32.const 0xab) (local.get 1)))
	  (func (export "copy") (param i32 i32 i32) (memory.copy (local.get 0) (local.get 1) (local.get 2)))
	  (func (export "init") (param i32 i32 i32) (memory.init $d (local.get 0) (local.get 1) (local.get 2)))
	  (func (export "grow") (result i32) (memory.grow (i32.const 1))))`)
	return b.String(), calls
}

// edgeTrace runs every call on a fresh instance, before and after growing
// the memory to two pages, and returns one line per call plus the memory's
// digest after each pass.
func edgeTrace(t *testing.T, cfg moat.Config, src string, calls []string) []string {
	t.Helper()
	e, err := moat.NewEngine(cfg)
	if err != nil {
		t.Fatal(err)
	}
	inst := instantiate(t, e, src)
	ctx := context.Background()
	var out []string
	outcome := func(r []uint64, err error) string {
		var trap *moat.Trap
		if errors.As(err, &trap) {
			return "trap " + trap.Code.String()
		}
		if err != nil {
			t.Fatalf("%v: %v", cfg.BoundsChecks, err)
		}
		return fmt.Sprintf("%#x", r)
	}
	for pass := range 2 {
		for _, name := range calls {
			for _, addr := range edgeAddrs {
				r, err := inst.Func(name).Call(ctx, addr)
				out = append(out, fmt.Sprintf("%s(%#x) = %s", name, addr, outcome(r, err)))
			}
		}
		for _, x := range edgeBulk {
			for _, n := range edgeBulk {
				r, err := inst.Func("fill").Call(ctx, x, n)
				out = append(out, fmt.Sprintf("fill(%#x, %#x) = %s", x, n, outcome(r, err)))
				for _, s := range []uint64{0, 0xffff, 0x10000, 0xffffffff} {
					r, err = inst.Func("copy").Call(ctx, x, s, n)
					out = append(out, fmt.Sprintf("copy(%#x, %#x, %#x) = %s", x, s, n, outcome(r, err)))
					r, err = inst.Func("init").Call(ctx, x, s%11, n%12)
					out = append(out, fmt.Sprintf("init(%#x, %#x, %#x) = %s", x, s%11, n%12, outcome(r, err)))
				}
			}
		}
		out = append(out, fmt.Sprintf("memory %x", sha256.Sum256(inst.Memory("mem").Bytes())))
		if pass == 0 {
			r, err := inst.Func("grow").Call(ctx)
			out = append(out, "grow = "+outcome(r, err))
		}
	}
	return out
}
