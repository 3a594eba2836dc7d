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
// blocks, bounded loops, br_if, br_table, direct and indirect calls, and
// traps. Calls only go to earlier functions, and loops count down a
// dedicated local, so every run ends.
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
}

type label struct {
	name   string
	result []valType // what a branch to it carries
}

const (
	maxFuncs    = 4
	tableSlots  = maxFuncs + 1
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
	for i, s := range g.sigs {
		fmt.Fprintf(&b, " (type $t%d (func%s))\n", i, s.text())
	}
	fmt.Fprintf(&b, " (table %d funcref)\n (elem (i32.const 0) func", tableSlots)
	for i := range g.sigs {
		fmt.Fprintf(&b, " $f%d", i)
	}
	b.WriteString(")\n")
	fmt.Fprintf(&b, " (data (i32.const %d) \"", g.n(64))
	for range g.n(16) {
		fmt.Fprintf(&b, "\\%02x", g.byte())
	}
	b.WriteString("\")\n")
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
	b.WriteString(" " + decl.String() + " (local $sf32 f32) (local $sf64 f64) (local $c0 i32) (local $c1 i32) (local $c2 i32)\n")
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
	switch g.n(16) {
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
	switch g.n(20) {
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
