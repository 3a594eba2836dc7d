package moat_test

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// genModule derives a valid module, in text form, from arbitrary bytes: the
// bytes are read as a stream of choices (zeros once exhausted), so every
// input maps to exactly one module and small inputs to small modules.
//
// The module has one memory (exported "mem", 1 page, max 2), four mutable
// globals g0..g3 (one per number type, exported), a funcref table holding
// every function plus a null slot, and up to four functions f0..fN, all
// exported. Code covers arithmetic, comparisons, conversions (trapping and
// saturating), locals, globals, select, loads and stores, bulk memory,
// blocks (with parameters and several results), bounded loops, br_if,
// br_table, direct and indirect calls, recursion, reference types (a
// second funcref table and an externref table: table.get/set/size/grow/
// fill/copy, ref.func, ref.null, ref.is_null, typed select) and traps.
// Plain calls only go to earlier functions; calls that may recurse (to any
// function, directly or through the second table) first spend one unit of
// the global $rec, and loops count down a dedicated local, so every run
// ends.
//
// Where the spec lets a NaN's sign or payload vary (arithmetic results), the
// generator canonicalises floats before they reach something compared bit
// for bit: stores, reinterpretations and copysign's sign operand.
func genModule(data []byte) string {
	g := &gen{data: data}
	return g.module()
}

type valType string

const (
	tI32 valType = "i32"
	tI64 valType = "i64"
	tF32 valType = "f32"
	tF64 valType = "f64"
)

var numTypes = []valType{tI32, tI64, tF32, tF64}

type funcSig struct {
	params  []valType
	results []valType
}

func (s funcSig) text() string {
	var b strings.Builder
	for _, p := range s.params {
		b.WriteString(" (param " + string(p) + ")")
	}
	for _, r := range s.results {
		b.WriteString(" (result " + string(r) + ")")
	}
	return b.String()
}

type gen struct {
	data []byte
	pos  int

	sigs []funcSig
	// Per function being generated.
	fn     int
	locals []valType // params then declared locals
	labels []label   // innermost last
	loops  int       // counter locals in use
	budget int       // instructions left for this function
	names  int       // labels made so far, for unique names
	simd   bool      // the module uses v128 (fuzz_differential_simd_gen_test.go)
	v3     bool      // the module uses 3.0 features (fuzz_differential_v3_gen_test.go)
}

type label struct {
	name   string
	result []valType // what a branch to it carries
}

const (
	maxFuncs    = 4
	tableSlots  = maxFuncs + 1
	refSlots    = 4 // initial size of $tr, the table that table.* instructions change
	maxLoopTrip = 12
)

func (g *gen) byte() byte {
	if g.pos >= len(g.data) {
		return 0
	}
	b := g.data[g.pos]
	g.pos++
	return b
}

func (g *gen) n(k int) int { return int(g.byte()) % k }

func (g *gen) u32() uint32 {
	return uint32(g.byte()) | uint32(g.byte())<<8 | uint32(g.byte())<<16 | uint32(g.byte())<<24
}

func (g *gen) typ() valType { return numTypes[g.n(4)] }

func (g *gen) module() string {
	g.simd = g.n(3) == 0
	g.v3 = g.n(2) == 0
	nf := 1 + g.n(maxFuncs)
	for range nf {
		var s funcSig
		for range g.n(4) {
			s.params = append(s.params, g.typ())
		}
		switch g.n(6) {
		case 0:
		case 1:
			s.results = []valType{g.typ(), g.typ()}
		default:
			s.results = []valType{g.typ()}
		}
		g.sigs = append(g.sigs, s)
	}
	var b strings.Builder
	b.WriteString("(module\n (memory (export \"mem\") 1 2)\n")
	for i, t := range numTypes {
		fmt.Fprintf(&b, " (global $g%d (export \"g%d\") (mut %s) %s)\n", i, i, t, g.constant(t))
	}
	// Recursion fuel; now and then enough to exhaust the call stack.
	fmt.Fprintf(&b, " (global $rec (export \"rec\") (mut i32) (i32.const %d))\n", []int{0, 3, 20, 40, 600}[g.n(5)])
	for i, s := range g.sigs {
		fmt.Fprintf(&b, " (type $t%d (func%s))\n", i, s.text())
	}
	fmt.Fprintf(&b, " (table %d funcref)\n (elem (i32.const 0) func", tableSlots)
	for i := range g.sigs {
		fmt.Fprintf(&b, " $f%d", i)
	}
	b.WriteString(")\n")
	fmt.Fprintf(&b, " (table $tr %d %d funcref)\n (table $te %d %d externref)\n", refSlots, 2*refSlots, 1+g.n(2), 4)
	fmt.Fprintf(&b, " (data (i32.const %d) \"", g.n(64))
	for range g.n(16) {
		fmt.Fprintf(&b, "\\%02x", g.byte())
	}
	b.WriteString("\")\n")
	if g.v3 {
		g.v3Decls(&b)
	}
	for i := range g.sigs {
		g.function(&b, i)
	}
	b.WriteString(")\n")
	return b.String()
}

func (g *gen) function(b *strings.Builder, i int) {
	s := g.sigs[i]
	g.fn, g.labels, g.loops, g.budget = i, nil, 0, 60+g.n(100)
	g.locals = append([]valType(nil), s.params...)
	var decl strings.Builder
	for range g.n(5) {
		t := g.typ()
		g.locals = append(g.locals, t)
		decl.WriteString(" (local " + string(t) + ")")
	}
	fmt.Fprintf(b, " (func $f%d (export \"f%d\") (type $t%d)%s\n", i, i, i, s.text())
	// Scratch locals for NaN canonicalisation and loop counters are never
	// touched by generated local.set, and declared last so that generated
	// locals keep the indices in g.locals.
	b.WriteString(" " + decl.String() + " (local $sf32 f32) (local $sf64 f64) (local $si32 i32) (local $si64 i64) (local $c0 i32) (local $c1 i32) (local $c2 i32)")
	if g.simd {
		b.WriteString(" (local $v0 v128) (local $v1 v128) (local $sv v128)")
	}
	b.WriteString("\n")
	g.labels = []label{{name: "", result: s.results}} // the function body: br to it is a return
	body := g.stmts(3)
	for _, r := range s.results {
		body += "\n  " + g.expr(r, 4)
	}
	b.WriteString("  " + body + ")\n")
}

func (g *gen) localOf(t valType) (int, bool) {
	var idx []int
	for i, l := range g.locals {
		if l == t {
			idx = append(idx, i)
		}
	}
	if len(idx) == 0 {
		return 0, false
	}
	return idx[g.n(len(idx))], true
}

// stmts returns a sequence of statements leaving the stack as it found it.
func (g *gen) stmts(depth int) string {
	var parts []string
	for k := g.n(5); k > 0 && g.budget > 0; k-- {
		parts = append(parts, g.stmt(depth))
	}
	return strings.Join(parts, "\n  ")
}

func (g *gen) stmt(depth int) string {
	g.budget--
	if depth <= 0 || g.budget <= 0 {
		return g.leafStmt()
	}
	switch g.n(23) {
	case 20, 21, 22:
		if g.v3 {
			return g.v3Stmt(depth)
		}
		return g.leafStmt()
	case 19:
		if g.simd {
			return g.vectorStmt(depth)
		}
		return g.leafStmt()
	case 16:
		return g.tableStmt(depth)
	case 17:
		return g.recursiveCall(depth, nil)
	case 18:
		return g.paramBlockStmt(depth)
	case 0, 1, 2:
		return g.leafStmt()
	case 3:
		return fmt.Sprintf("(if %s (then %s) (else %s))", g.expr(tI32, depth-1), g.nested(depth-1, nil), g.nested(depth-1, nil))
	case 4:
		// A block left early by br_if.
		name := g.fresh("b")
		g.labels = append(g.labels, label{name: name})
		inner := g.stmts(depth-1) + fmt.Sprintf(" (br_if %s %s) ", name, g.expr(tI32, depth-1)) + g.stmts(depth-1)
		g.labels = g.labels[:len(g.labels)-1]
		return fmt.Sprintf("(block %s %s)", name, inner)
	case 5, 6:
		return g.loop(depth)
	case 7:
		return g.brTable(depth)
	case 8:
		return g.callStmt(depth)
	case 9:
		return g.branchOut(depth)
	case 10:
		return g.store(depth)
	case 11:
		return g.bulk(depth)
	case 12:
		if g.n(8) == 0 {
			return "(unreachable)"
		}
		return "(nop)"
	default:
		return fmt.Sprintf("(drop %s)", g.expr(g.typ(), depth))
	}
}

func (g *gen) leafStmt() string {
	t := g.typ()
	switch g.n(3) {
	case 0:
		if l, ok := g.localOf(t); ok {
			return fmt.Sprintf("(local.set %d %s)", l, g.expr(t, 1))
		}
		fallthrough
	case 1:
		for i, gt := range numTypes {
			if gt == t {
				return fmt.Sprintf("(global.set $g%d %s)", i, g.expr(t, 1))
			}
		}
	}
	return fmt.Sprintf("(drop %s)", g.expr(t, 1))
}

// nested generates statements inside a new label of the given result (the
// caller supplies the trailing value expressions).
func (g *gen) nested(depth int, result []valType) string {
	g.labels = append(g.labels, label{name: "", result: result})
	s := g.stmts(depth)
	g.labels = g.labels[:len(g.labels)-1]
	if s == "" {
		return "(nop)"
	}
	return s
}

func (g *gen) fresh(prefix string) string {
	g.names++
	return fmt.Sprintf("$%s%d", prefix, g.names)
}

// loop runs its body a bounded number of times, counting down a dedicated
// local; branches inside may leave it early.
func (g *gen) loop(depth int) string {
	if g.loops >= 3 {
		return g.leafStmt()
	}
	c := fmt.Sprintf("$c%d", g.loops)
	g.loops++
	brk, cont := g.fresh("lb"), g.fresh("lc")
	trip := 1 + g.n(maxLoopTrip)
	// The loop label stays anonymous: a branch to it would skip the count.
	g.labels = append(g.labels, label{name: brk}, label{})
	body := g.stmts(depth - 1)
	g.labels = g.labels[:len(g.labels)-2]
	g.loops--
	return fmt.Sprintf("(local.set %s (i32.const %d)) (block %s (loop %s %s (local.set %s (i32.sub (local.get %s) (i32.const 1))) (br_if %s (local.get %s))))",
		c, trip, brk, cont, body, c, c, cont, c)
}

// brTable dispatches into one of several nested blocks.
func (g *gen) brTable(depth int) string {
	n := 1 + g.n(3)
	names := make([]string, n)
	for i := range names {
		names[i] = g.fresh("t")
	}
	var b strings.Builder
	for i := n - 1; i >= 0; i-- {
		fmt.Fprintf(&b, "(block %s ", names[i])
	}
	var targets []string
	for range 1 + g.n(4) {
		targets = append(targets, names[g.n(n)])
	}
	fmt.Fprintf(&b, "(br_table %s %s %s)", strings.Join(targets, " "), names[g.n(n)], g.expr(tI32, depth-1))
	for i := 0; i < n; i++ {
		b.WriteString(")")
		if i < n-1 {
			g.labels = append(g.labels, label{})
			b.WriteString(" " + g.stmts(depth-1))
			g.labels = g.labels[:len(g.labels)-1]
		}
	}
	return b.String()
}

// branchOut branches (conditionally or not) to an enclosing label that
// carries no values, or returns from the function.
func (g *gen) branchOut(depth int) string {
	var cands []string
	for _, l := range g.labels {
		if l.name != "" && len(l.result) == 0 {
			cands = append(cands, l.name)
		}
	}
	if g.n(4) == 0 || len(cands) == 0 {
		var vals []string
		for _, r := range g.sigs[g.fn].results {
			vals = append(vals, g.expr(r, depth-1))
		}
		ret := fmt.Sprintf("(return %s)", strings.Join(vals, " "))
		return fmt.Sprintf("(if %s (then %s))", g.expr(tI32, depth-1), ret)
	}
	target := cands[g.n(len(cands))]
	if g.n(3) == 0 {
		return fmt.Sprintf("(br %s)", target)
	}
	return fmt.Sprintf("(br_if %s %s)", target, g.expr(tI32, depth-1))
}

func (g *gen) args(j, depth int) string {
	var a []string
	for _, p := range g.sigs[j].params {
		a = append(a, g.expr(p, depth))
	}
	return strings.Join(a, " ")
}

// callStmt calls an earlier function, directly or through the table, and
// drops its results.
func (g *gen) callStmt(depth int) string {
	if g.fn == 0 && g.n(2) == 0 {
		return g.leafStmt()
	}
	j := 0
	if g.fn > 0 {
		j = g.n(g.fn)
	}
	drops := strings.Repeat(" drop", len(g.sigs[j].results))
	if g.fn > 0 && g.n(2) == 0 {
		return fmt.Sprintf("(call $f%d %s)%s", j, g.args(j, depth-1), drops)
	}
	return fmt.Sprintf("(call_indirect (type $t%d) %s %s)%s", j, g.args(j, depth-1), g.tableIndex(depth), drops)
}

// tableIndex picks a slot: an earlier function (maybe of another type), the
// null slot, or one past the table.
func (g *gen) tableIndex(depth int) string {
	switch g.n(8) {
	case 0:
		return fmt.Sprintf("(i32.const %d)", tableSlots-1)
	case 1:
		return fmt.Sprintf("(i32.const %d)", tableSlots+g.n(3))
	}
	if g.fn == 0 {
		return fmt.Sprintf("(i32.const %d)", tableSlots-1)
	}
	return fmt.Sprintf("(i32.rem_u %s (i32.const %d))", g.expr(tI32, depth-1), g.fn)
}

// address yields a memory index: mostly within the first page (the last
// few bytes of it overflow with the offset), sometimes anything.
func (g *gen) address(depth int) string {
	if g.n(8) == 0 {
		return g.expr(tI32, depth-1)
	}
	return fmt.Sprintf("(i32.and %s (i32.const %d))", g.expr(tI32, depth-1), []int{0xff, 0xfff, 0xffff, 0x1ffff}[g.n(4)])
}

func (g *gen) memarg(size int) string {
	s := ""
	if g.n(3) == 0 {
		s = fmt.Sprintf(" offset=%d", g.n(24))
	}
	if g.n(3) == 0 {
		s += fmt.Sprintf(" align=%d", 1<<g.n(bitsLen(size)))
	}
	return s
}

func bitsLen(size int) int {
	n := 0
	for size > 0 {
		n++
		size >>= 1
	}
	return n
}

type memOp struct {
	name string
	t    valType
	size int
}

var stores = []memOp{
	{"i32.store", tI32, 4}, {"i32.store8", tI32, 1}, {"i32.store16", tI32, 2},
	{"i64.store", tI64, 8}, {"i64.store8", tI64, 1}, {"i64.store16", tI64, 2}, {"i64.store32", tI64, 4},
	{"f32.store", tF32, 4}, {"f64.store", tF64, 8},
}

var loads = []memOp{
	{"i32.load", tI32, 4}, {"i32.load8_s", tI32, 1}, {"i32.load8_u", tI32, 1}, {"i32.load16_s", tI32, 2}, {"i32.load16_u", tI32, 2},
	{"i64.load", tI64, 8}, {"i64.load8_s", tI64, 1}, {"i64.load8_u", tI64, 1}, {"i64.load16_s", tI64, 2},
	{"i64.load16_u", tI64, 2}, {"i64.load32_s", tI64, 4}, {"i64.load32_u", tI64, 4},
	{"f32.load", tF32, 4}, {"f64.load", tF64, 8},
}

func (g *gen) store(depth int) string {
	op := stores[g.n(len(stores))]
	return fmt.Sprintf("(%s%s %s %s)", op.name, g.memarg(op.size), g.address(depth), g.canon(op.t, depth-1))
}

func (g *gen) bulk(depth int) string {
	n := fmt.Sprintf("(i32.and %s (i32.const 63))", g.expr(tI32, depth-1))
	if g.n(2) == 0 {
		return fmt.Sprintf("(memory.fill %s %s %s)", g.address(depth), g.expr(tI32, depth-1), n)
	}
	return fmt.Sprintf("(memory.copy %s %s %s)", g.address(depth), g.address(depth), n)
}

// canon evaluates a value of type t with any NaN replaced by the canonical
// one, so its bits are deterministic.
func (g *gen) canon(t valType, depth int) string {
	switch t {
	case tF32:
		return fmt.Sprintf("(select (f32.const nan) (local.tee $sf32 %s) (f32.ne (local.get $sf32) (local.get $sf32)))", g.expr(t, depth))
	case tF64:
		return fmt.Sprintf("(select (f64.const nan) (local.tee $sf64 %s) (f64.ne (local.get $sf64) (local.get $sf64)))", g.expr(t, depth))
	}
	return g.expr(t, depth)
}

var (
	intBinary   = []string{"add", "sub", "mul", "div_s", "div_u", "rem_s", "rem_u", "and", "or", "xor", "shl", "shr_s", "shr_u", "rotl", "rotr"}
	intUnary    = []string{"clz", "ctz", "popcnt", "extend8_s", "extend16_s"}
	intCompare  = []string{"eq", "ne", "lt_s", "lt_u", "gt_s", "gt_u", "le_s", "le_u", "ge_s", "ge_u"}
	floatBinary = []string{"add", "sub", "mul", "div", "min", "max"}
	floatUnary  = []string{"abs", "neg", "ceil", "floor", "trunc", "nearest", "sqrt"}
	floatCmp    = []string{"eq", "ne", "lt", "gt", "le", "ge"}
)

func isInt(t valType) bool { return t == tI32 || t == tI64 }

// expr returns an expression pushing one value of type t.
func (g *gen) expr(t valType, depth int) string {
	g.budget--
	if depth <= 0 || g.budget <= 0 {
		return g.leaf(t)
	}
	d := depth - 1
	switch g.n(26) {
	case 24, 25:
		if g.v3 {
			return g.v3Expr(t, depth)
		}
		return g.leaf(t)
	case 23:
		if g.simd {
			return g.fromVector(t, d)
		}
		return g.leaf(t)
	case 20:
		if t == tI32 {
			return g.refTest(d)
		}
		return g.leaf(t)
	case 21:
		return g.recursiveCall(d, []valType{t})
	case 22:
		return g.paramBlockExpr(t, d)
	case 0, 1, 2:
		return g.leaf(t)
	case 3, 4, 5:
		if isInt(t) {
			return fmt.Sprintf("(%s.%s %s %s)", t, intBinary[g.n(len(intBinary))], g.expr(t, d), g.expr(t, d))
		}
		if g.n(6) == 0 {
			return fmt.Sprintf("(%s.copysign %s %s)", t, g.expr(t, d), g.canon(t, d))
		}
		return fmt.Sprintf("(%s.%s %s %s)", t, floatBinary[g.n(len(floatBinary))], g.expr(t, d), g.expr(t, d))
	case 6:
		if isInt(t) {
			ops := intUnary
			if t == tI64 {
				ops = append(ops[:len(ops):len(ops)], "extend32_s")
			}
			return fmt.Sprintf("(%s.%s %s)", t, ops[g.n(len(ops))], g.expr(t, d))
		}
		return fmt.Sprintf("(%s.%s %s)", t, floatUnary[g.n(len(floatUnary))], g.expr(t, d))
	case 7, 8:
		return g.convert(t, d)
	case 9:
		if t == tI32 {
			return g.compare(d)
		}
		return g.leaf(t)
	case 10:
		return fmt.Sprintf("(select %s %s %s)", g.expr(t, d), g.expr(t, d), g.expr(tI32, d))
	case 11:
		var cands []memOp
		for _, l := range loads {
			if l.t == t {
				cands = append(cands, l)
			}
		}
		op := cands[g.n(len(cands))]
		return fmt.Sprintf("(%s%s %s)", op.name, g.memarg(op.size), g.address(depth))
	case 12:
		return g.callExpr(t, d)
	case 13:
		if l, ok := g.localOf(t); ok {
			return fmt.Sprintf("(local.tee %d %s)", l, g.expr(t, d))
		}
		return g.leaf(t)
	case 14:
		return fmt.Sprintf("(if (result %s) %s (then %s %s) (else %s %s))", t, g.expr(tI32, d),
			g.nested(d, []valType{t}), g.expr(t, d), g.nested(d, []valType{t}), g.expr(t, d))
	case 15:
		// A block whose value may leave early through br_if.
		name := g.fresh("v")
		g.labels = append(g.labels, label{name: name, result: []valType{t}})
		s := fmt.Sprintf("(block %s (result %s) %s (drop (br_if %s %s %s)) %s)", name, t, g.stmts(d), name, g.expr(t, d), g.expr(tI32, d), g.expr(t, d))
		g.labels = g.labels[:len(g.labels)-1]
		return s
	case 16:
		if t == tI32 {
			if g.n(2) == 0 {
				return "(memory.size)"
			}
			return fmt.Sprintf("(memory.grow (i32.and %s (i32.const 1)))", g.expr(tI32, d))
		}
		return g.leaf(t)
	case 17:
		if t == tI32 {
			from := []valType{tI32, tI64}[g.n(2)]
			return fmt.Sprintf("(%s.eqz %s)", from, g.expr(from, d))
		}
		return g.leaf(t)
	default:
		return g.leaf(t)
	}
}

func (g *gen) compare(d int) string {
	t := g.typ()
	if isInt(t) {
		return fmt.Sprintf("(%s.%s %s %s)", t, intCompare[g.n(len(intCompare))], g.expr(t, d), g.expr(t, d))
	}
	return fmt.Sprintf("(%s.%s %s %s)", t, floatCmp[g.n(len(floatCmp))], g.expr(t, d), g.expr(t, d))
}

// convert produces t from another type.
func (g *gen) convert(t valType, d int) string {
	switch t {
	case tI32:
		switch g.n(4) {
		case 0:
			return fmt.Sprintf("(i32.wrap_i64 %s)", g.expr(tI64, d))
		case 1:
			return fmt.Sprintf("(i32.reinterpret_f32 %s)", g.canon(tF32, d))
		default:
			return g.trunc(t, d)
		}
	case tI64:
		switch g.n(4) {
		case 0:
			return fmt.Sprintf("(i64.extend_i32_%s %s)", []string{"s", "u"}[g.n(2)], g.expr(tI32, d))
		case 1:
			return fmt.Sprintf("(i64.reinterpret_f64 %s)", g.canon(tF64, d))
		default:
			return g.trunc(t, d)
		}
	case tF32:
		switch g.n(3) {
		case 0:
			return fmt.Sprintf("(f32.demote_f64 %s)", g.expr(tF64, d))
		case 1:
			return fmt.Sprintf("(f32.reinterpret_i32 %s)", g.expr(tI32, d))
		}
	case tF64:
		switch g.n(3) {
		case 0:
			return fmt.Sprintf("(f64.promote_f32 %s)", g.expr(tF32, d))
		case 1:
			return fmt.Sprintf("(f64.reinterpret_i64 %s)", g.expr(tI64, d))
		}
	}
	from := []valType{tI32, tI64}[g.n(2)]
	return fmt.Sprintf("(%s.convert_%s_%s %s)", t, from, []string{"s", "u"}[g.n(2)], g.expr(from, d))
}

func (g *gen) trunc(t valType, d int) string {
	from := []valType{tF32, tF64}[g.n(2)]
	sat := ""
	if g.n(2) == 0 {
		sat = "_sat"
	}
	return fmt.Sprintf("(%s.trunc%s_%s_%s %s)", t, sat, from, []string{"s", "u"}[g.n(2)], g.expr(from, d))
}

// callExpr calls an earlier function returning exactly t.
func (g *gen) callExpr(t valType, d int) string {
	var cands []int
	for j := 0; j < g.fn; j++ {
		if r := g.sigs[j].results; len(r) == 1 && r[0] == t {
			cands = append(cands, j)
		}
	}
	if len(cands) == 0 {
		return g.leaf(t)
	}
	j := cands[g.n(len(cands))]
	if g.n(3) == 0 {
		return fmt.Sprintf("(call_indirect (type $t%d) %s %s)", j, g.args(j, d), g.tableIndex(d))
	}
	return fmt.Sprintf("(call $f%d %s)", j, g.args(j, d))
}

func (g *gen) leaf(t valType) string {
	switch g.n(4) {
	case 0, 1:
		if l, ok := g.localOf(t); ok {
			return fmt.Sprintf("(local.get %d)", l)
		}
	case 2:
		for i, gt := range numTypes {
			if gt == t {
				return fmt.Sprintf("(global.get $g%d)", i)
			}
		}
	}
	return g.constant(t)
}

var (
	interestingI32 = []uint32{0, 1, 2, 3, 7, 8, 31, 32, 33, 63, 64, 0xff, 0x100, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0x80000001, 0xffffffff, 0xfffffffe, 0xfff0}
	interestingF64 = []float64{0, math.Copysign(0, -1), 1, -1, 0.5, -0.5, 1.5, 2.5, -2.5, 3, math.Inf(1), math.Inf(-1), math.NaN(),
		2147483647, 2147483648, -2147483648, -2147483649, 4294967295, 4294967296, 9.2233720368547758e18, -9.2233720368547758e18,
		1.8446744073709552e19, 1e300, -1e-300, math.SmallestNonzeroFloat64, math.MaxFloat64, 4503599627370496.5, 0x1p-149, 16777217}
)

// constant returns a literal of type t: often an edge value, sometimes
// random bits.
func (g *gen) constant(t valType) string {
	r := g.n(3) == 0
	switch t {
	case tI32:
		v := interestingI32[g.n(len(interestingI32))]
		if r {
			v = g.u32()
		}
		return fmt.Sprintf("(i32.const %d)", int32(v))
	case tI64:
		v := uint64(int64(int32(interestingI32[g.n(len(interestingI32))])))
		switch {
		case r:
			v = uint64(g.u32())<<32 | uint64(g.u32())
		case g.n(3) == 0:
			v = []uint64{1 << 63, 1<<63 - 1, 1 << 32, 1<<32 - 1, 0xffffffff00000000}[g.n(5)]
		}
		return fmt.Sprintf("(i64.const %d)", int64(v))
	case tF32:
		if r {
			return "(f32.const " + f32Text(g.u32()) + ")"
		}
		return "(f32.const " + f32Text(math.Float32bits(float32(interestingF64[g.n(len(interestingF64))]))) + ")"
	default:
		if r {
			return "(f64.const " + f64Text(uint64(g.u32())<<32|uint64(g.u32())) + ")"
		}
		return "(f64.const " + f64Text(math.Float64bits(interestingF64[g.n(len(interestingF64))])) + ")"
	}
}

func f32Text(bits uint32) string {
	sign := ""
	if bits>>31 != 0 {
		sign = "-"
	}
	if bits&0x7f800000 == 0x7f800000 {
		if p := bits & 0x7fffff; p != 0 {
			return fmt.Sprintf("%snan:0x%x", sign, p)
		}
		return sign + "inf"
	}
	return strconv.FormatFloat(float64(math.Float32frombits(bits)), 'x', -1, 32)
}

func f64Text(bits uint64) string {
	sign := ""
	if bits>>63 != 0 {
		sign = "-"
	}
	if bits&0x7ff0000000000000 == 0x7ff0000000000000 {
		if p := bits & 0xfffffffffffff; p != 0 {
			return fmt.Sprintf("%snan:0x%x", sign, p)
		}
		return sign + "inf"
	}
	return strconv.FormatFloat(math.Float64frombits(bits), 'x', -1, 64)
}

// refIndex is an index into $tr: mostly in range, sometimes just past it.
func (g *gen) refIndex(depth int) string {
	return fmt.Sprintf("(i32.and %s (i32.const 7))", g.expr(tI32, depth))
}

// funcRef yields a funcref: a function, null, or an element of a table.
func (g *gen) funcRef(depth int) string {
	switch g.n(4) {
	case 0:
		return "(ref.null func)"
	case 1:
		return fmt.Sprintf("(table.get 0 (i32.and %s (i32.const 7)))", g.expr(tI32, depth))
	case 2:
		return fmt.Sprintf("(select (result funcref) (ref.func $f%d) (ref.null func) %s)", g.n(len(g.sigs)), g.expr(tI32, depth))
	}
	return fmt.Sprintf("(ref.func $f%d)", g.n(len(g.sigs)))
}

// tableStmt changes $tr or $te.
func (g *gen) tableStmt(depth int) string {
	d := depth - 1
	n := fmt.Sprintf("(i32.and %s (i32.const 3))", g.expr(tI32, d))
	switch g.n(6) {
	case 0:
		return fmt.Sprintf("(table.set $tr %s %s)", g.refIndex(d), g.funcRef(d))
	case 1:
		return fmt.Sprintf("(drop (table.grow $tr %s %s))", g.funcRef(d), n)
	case 2:
		return fmt.Sprintf("(table.fill $tr %s %s %s)", g.refIndex(d), g.funcRef(d), n)
	case 3:
		return fmt.Sprintf("(table.copy $tr 0 %s %s %s)", g.refIndex(d), g.refIndex(d), n)
	case 4:
		return fmt.Sprintf("(table.copy $tr $tr %s %s %s)", g.refIndex(d), g.refIndex(d), n)
	}
	if g.n(2) == 0 {
		return fmt.Sprintf("(table.set $te (i32.and %s (i32.const 3)) (ref.null extern))", g.expr(tI32, d))
	}
	return fmt.Sprintf("(drop (table.grow $te (ref.null extern) %s))", n)
}

// refTest is an i32 computed from references and tables.
func (g *gen) refTest(d int) string {
	switch g.n(5) {
	case 0:
		return fmt.Sprintf("(ref.is_null (table.get $tr %s))", g.refIndex(d))
	case 1:
		return "(table.size $tr)"
	case 2:
		return fmt.Sprintf("(table.grow $tr %s (i32.and %s (i32.const 3)))", g.funcRef(d), g.expr(tI32, d))
	case 3:
		return fmt.Sprintf("(i32.add (table.size $te) (ref.is_null (table.get $te (i32.and %s (i32.const 3)))))", g.expr(tI32, d))
	}
	return fmt.Sprintf("(ref.is_null %s)", g.funcRef(d))
}

// recursiveCall calls any function (itself and later ones included),
// directly or through $tr, if the recursion fuel $rec allows; result is
// what the expression leaves (nil: a statement). Without fuel it yields
// a leaf.
func (g *gen) recursiveCall(depth int, result []valType) string {
	j := g.n(len(g.sigs))
	if len(result) == 1 {
		var cands []int
		for k, s := range g.sigs {
			if len(s.results) == 1 && s.results[0] == result[0] {
				cands = append(cands, k)
			}
		}
		if len(cands) == 0 {
			return g.leaf(result[0])
		}
		j = cands[g.n(len(cands))]
	}
	call := fmt.Sprintf("(call $f%d %s)", j, g.args(j, depth-1))
	if g.n(3) == 0 {
		call = fmt.Sprintf("(call_indirect $tr (type $t%d) %s %s)", j, g.args(j, depth-1), g.refIndex(depth-1))
	}
	spend := "(global.set $rec (i32.sub (global.get $rec) (i32.const 1)))"
	fuel := "(i32.gt_s (global.get $rec) (i32.const 0))"
	if result == nil {
		return fmt.Sprintf("(if %s (then %s %s%s))", fuel, spend, call, strings.Repeat(" drop", len(g.sigs[j].results)))
	}
	return fmt.Sprintf("(if (result %s) %s (then %s %s) (else %s))", result[0], fuel, spend, call, g.leaf(result[0]))
}

// blockParams pushes 1–3 values and returns them (as text) with their
// types, for a block that takes them as parameters.
func (g *gen) blockParams(depth int) (string, []valType) {
	var vals []string
	var types []valType
	for range 1 + g.n(3) {
		t := g.typ()
		types = append(types, t)
		vals = append(vals, g.expr(t, depth))
	}
	return strings.Join(vals, " "), types
}

func blockType(params, results []valType) string {
	var b strings.Builder
	for _, p := range params {
		b.WriteString(" (param " + string(p) + ")")
	}
	for _, r := range results {
		b.WriteString(" (result " + string(r) + ")")
	}
	return b.String()
}

// consumeParams pops a block's parameters: each is stored to a local of
// its type or dropped.
func (g *gen) consumeParams(params []valType) string {
	var b strings.Builder
	for i := len(params) - 1; i >= 0; i-- {
		if l, ok := g.localOf(params[i]); ok && g.n(2) == 0 {
			fmt.Fprintf(&b, " (local.set %d)", l)
		} else {
			b.WriteString(" (drop)")
		}
	}
	return b.String()
}

// paramBlockExpr is a block or if with parameters and a result of type t,
// or a block with two results combined by an operator.
func (g *gen) paramBlockExpr(t valType, d int) string {
	if isInt(t) && g.n(3) == 0 {
		op := []string{"add", "sub", "xor", "mul"}[g.n(4)]
		return fmt.Sprintf("(%s.%s (block (result %s %s) %s %s))", t, op, t, t, g.expr(t, d), g.expr(t, d))
	}
	args, params := g.blockParams(d)
	name := g.fresh("p")
	g.labels = append(g.labels, label{name: name, result: []valType{t}})
	defer func() { g.labels = g.labels[:len(g.labels)-1] }()
	bt := blockType(params, []valType{t})
	if g.n(2) == 0 {
		return fmt.Sprintf("%s (block %s%s %s)", args, name, bt, g.paramBody(params, t, name, d))
	}
	return fmt.Sprintf("%s (if %s%s %s (then %s) (else %s))", args, name, bt, g.expr(tI32, d),
		g.paramBody(params, t, name, d), g.paramBody(params, t, name, d))
}

// paramBody consumes a block's parameters and leaves one t. An integer
// parameter on top of the stack may flow through a scratch local into the
// result; the body may leave early with a value through br_if.
func (g *gen) paramBody(params []valType, t valType, name string, d int) string {
	top := params[len(params)-1]
	if isInt(t) && top == t && g.n(2) == 0 {
		s := g.scratch(t)
		return fmt.Sprintf("(local.set %s)%s %s (local.get %s)", s, g.consumeParams(params[:len(params)-1]), g.stmts(d), s)
	}
	body := g.consumeParams(params) + " " + g.stmts(d)
	if g.n(3) == 0 {
		body += fmt.Sprintf(" (drop (br_if %s %s %s))", name, g.expr(t, d), g.expr(tI32, d))
	}
	return body + " " + g.expr(t, d)
}

// scratch is a scratch local of integer type t reserved for block parameters.
func (g *gen) scratch(t valType) string {
	if t == tI64 {
		return "$si64"
	}
	return "$si32"
}

// paramBlockStmt is a block with parameters and no results.
func (g *gen) paramBlockStmt(depth int) string {
	args, params := g.blockParams(depth - 1)
	name := g.fresh("q")
	g.labels = append(g.labels, label{name: name})
	body := g.consumeParams(params) + " " + g.stmts(depth-1)
	g.labels = g.labels[:len(g.labels)-1]
	return fmt.Sprintf("%s (block %s%s %s)", args, name, blockType(params, nil), body)
}
