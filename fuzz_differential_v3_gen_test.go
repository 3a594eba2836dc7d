package moat_test

import (
	"fmt"
	"slices"
	"strings"
)

// The WebAssembly 3.0 part of genModule, on in about half the modules
// (garbage collection in fuzz_differential_gc_gen_test.go): tail calls (return_call, return_call_indirect through either
// table, return_call_ref), typed function references (call_ref,
// ref.as_non_null, br_on_null, br_on_non_null, typed select), exceptions
// (throw of three tags, try_table with up to three clauses of every kind,
// throw_ref of a caught exnref, exceptions crossing calls and tail calls),
// a second memory and a 64-bit one (loads, stores, size, grow, fill, copy
// between memories, addresses whose offset passes 2^64) and a 64-bit
// table. Tail calls, like recursive calls, spend the fuel $rec, and go
// only to functions with the caller's result types.

// tagTypes are the payloads of $e0, $e1 and $e2.
var tagTypes = [][]valType{{tI32}, {tI64, tF64}, nil}

// v3Decls declares the memories, data, tags and the 64-bit table.
func (g *gen) v3Decls(b *strings.Builder) {
	b.WriteString(" (memory $m1 (export \"mem1\") 1 2)\n (memory $m64 (export \"mem64\") i64 1 2)\n")
	fmt.Fprintf(b, " (data (memory $m1) (i32.const %d) \"\\%02x\\%02x\")\n", g.n(64), g.byte(), g.byte())
	fmt.Fprintf(b, " (data (memory $m64) (i64.const %d) \"\\%02x\\%02x\")\n", g.n(64), g.byte(), g.byte())
	for i, ps := range tagTypes {
		fmt.Fprintf(b, " (tag $e%d", i)
		for _, p := range ps {
			b.WriteString(" (param " + string(p) + ")")
		}
		b.WriteString(")\n")
	}
	b.WriteString(" (table $t64 i64 2 4 funcref)\n")
	g.gcDecls(b)
}

// v3Stmt is a statement using a 3.0 feature.
func (g *gen) v3Stmt(depth int) string {
	d := depth - 1
	switch g.n(14) {
	case 9, 10, 11, 12, 13:
		return g.gcStmt(depth)
	case 0:
		return g.throw(d)
	case 1, 2:
		return g.tryTable(depth)
	case 3:
		return g.tailCall(d)
	case 4:
		return g.storeAt(depth)
	case 5:
		return g.bulkAt(depth)
	case 6:
		return fmt.Sprintf("(table.set $t64 (i64.and %s (i64.const 3)) %s)", g.expr(tI64, d), g.funcRef(d))
	case 7:
		// br_on_null: the reference stays (dropped) when it is not null.
		j := g.n(len(g.sigs))
		name := g.fresh("n")
		return fmt.Sprintf("(block %s (drop (br_on_null %s %s)))", name, name, g.typedRef(j, d))
	}
	return fmt.Sprintf("(drop %s)", g.v3Expr(g.typ(), depth))
}

// v3Expr is an expression of type t using a 3.0 feature.
func (g *gen) v3Expr(t valType, depth int) string {
	d := depth - 1
	switch g.n(10) {
	case 6, 7, 8, 9:
		return g.gcExpr(t, d)
	case 0:
		return g.loadAt(t, depth)
	case 1:
		return g.callRef(t, d)
	case 2:
		switch t {
		case tI32:
			return g.refCheck(d)
		case tI64:
			switch g.n(3) {
			case 0:
				return "(table.size $t64)"
			case 1:
				return fmt.Sprintf("(table.grow $t64 %s (i64.and %s (i64.const 3)))", g.funcRef(d), g.expr(tI64, d))
			}
			return fmt.Sprintf("(i64.extend_i32_u (ref.is_null (table.get $t64 (i64.and %s (i64.const 7)))))", g.expr(tI64, d))
		}
	case 3:
		switch t {
		case tI32:
			if g.n(2) == 0 {
				return "(memory.size $m1)"
			}
			return fmt.Sprintf("(memory.grow $m1 (i32.and %s (i32.const 1)))", g.expr(tI32, d))
		case tI64:
			if g.n(2) == 0 {
				return "(memory.size $m64)"
			}
			return fmt.Sprintf("(memory.grow $m64 (i64.and %s (i64.const 1)))", g.expr(tI64, d))
		}
	case 4:
		// A tail call where one value is expected: the block's type is
		// the function's results' only when they match.
		if r := g.sigs[g.fn].results; len(r) == 1 && r[0] == t {
			return fmt.Sprintf("(block (result %s) %s %s)", t, g.tailCall(d), g.expr(t, d))
		}
	}
	return g.leaf(t)
}

// memAt names a memory other than 0: $m1 or $m64.
func (g *gen) memAt() (name string, is64 bool) {
	if g.n(2) == 0 {
		return "$m1", false
	}
	return "$m64", true
}

// addressAt is an address of memory $m1 or $m64: mostly in the first
// page, sometimes anything (for $m64, near 2^64 too).
func (g *gen) addressAt(is64 bool, depth int) string {
	if !is64 {
		return g.address(depth)
	}
	switch g.n(8) {
	case 0:
		return g.expr(tI64, depth-1)
	case 1:
		return fmt.Sprintf("(i64.const %d)", []int64{-1, -8, -16, 1 << 32, 65536}[g.n(5)])
	}
	return fmt.Sprintf("(i64.and %s (i64.const %d))", g.expr(tI64, depth-1), []int{0xff, 0xffff, 0x1ffff}[g.n(3)])
}

// memargAt is memarg with, for a 64-bit memory, offsets past 32 bits.
func (g *gen) memargAt(is64 bool, size int) string {
	if is64 && g.n(8) == 0 {
		return fmt.Sprintf(" offset=%d", []uint64{1 << 32, 0xffffffffff, 1<<64 - 1}[g.n(3)])
	}
	return g.memarg(size)
}

func (g *gen) loadAt(t valType, depth int) string {
	var cands []memOp
	for _, l := range loads {
		if l.t == t {
			cands = append(cands, l)
		}
	}
	op := cands[g.n(len(cands))]
	mem, is64 := g.memAt()
	return fmt.Sprintf("(%s %s%s %s)", op.name, mem, g.memargAt(is64, op.size), g.addressAt(is64, depth))
}

func (g *gen) storeAt(depth int) string {
	op := stores[g.n(len(stores))]
	mem, is64 := g.memAt()
	return fmt.Sprintf("(%s %s%s %s %s)", op.name, mem, g.memargAt(is64, op.size), g.addressAt(is64, depth), g.canon(op.t, depth-1))
}

// bulkAt fills memory $m1 or $m64, or copies between any two memories.
func (g *gen) bulkAt(depth int) string {
	d := depth - 1
	if g.n(3) == 0 {
		mem, is64 := g.memAt()
		n := fmt.Sprintf("(i32.and %s (i32.const 63))", g.expr(tI32, d))
		if is64 {
			n = fmt.Sprintf("(i64.and %s (i64.const 63))", g.expr(tI64, d))
		}
		return fmt.Sprintf("(memory.fill %s %s %s %s)", mem, g.addressAt(is64, depth), g.expr(tI32, d), n)
	}
	mems := []string{"0", "$m1", "$m64"}
	dst, src := g.n(3), g.n(3)
	addr := func(m int) string {
		if m == 0 {
			return g.address(depth)
		}
		return g.addressAt(m == 2, depth)
	}
	// The length has the narrower address type.
	n := fmt.Sprintf("(i32.and %s (i32.const 63))", g.expr(tI32, d))
	if dst == 2 && src == 2 {
		n = fmt.Sprintf("(i64.and %s (i64.const 63))", g.expr(tI64, d))
	}
	return fmt.Sprintf("(memory.copy %s %s %s %s %s)", mems[dst], mems[src], addr(dst), addr(src), n)
}

// throw throws one of the tags, with floats canonicalised (payloads are
// compared bit for bit when nothing catches them).
func (g *gen) throw(d int) string {
	k := g.n(len(tagTypes))
	var args []string
	for _, p := range tagTypes[k] {
		args = append(args, g.canon(p, d))
	}
	return fmt.Sprintf("(throw $e%d %s)", k, strings.Join(args, " "))
}

// clause is one catch clause of a generated try_table.
type clause struct {
	kind string // catch, catch_ref, catch_all, catch_all_ref
	tag  int
}

// values is what the clause hands its label.
func (c clause) values() []string {
	var vs []string
	if c.kind == "catch" || c.kind == "catch_ref" {
		for _, p := range tagTypes[c.tag] {
			vs = append(vs, string(p))
		}
	}
	if strings.HasSuffix(c.kind, "_ref") {
		vs = append(vs, "exnref")
	}
	return vs
}

// tryTable is a try_table statement with 1-3 catch clauses, each to a
// block of its own after which the clause's values are consumed: stored
// to locals, dropped, or (an exnref) rethrown by throw_ref.
func (g *gen) tryTable(depth int) string {
	d := depth - 1
	var cls []clause
	for range 1 + g.n(3) {
		cls = append(cls, clause{kind: []string{"catch", "catch_ref", "catch_all", "catch_all_ref"}[g.n(4)], tag: g.n(len(tagTypes))})
	}
	done := g.fresh("done")
	names := make([]string, len(cls))
	for i := range names {
		names[i] = g.fresh("h")
	}
	var b strings.Builder
	fmt.Fprintf(&b, "(block %s ", done)
	g.labels = append(g.labels, label{name: done})
	for i := len(cls) - 1; i >= 0; i-- {
		fmt.Fprintf(&b, "(block %s (result %s) ", names[i], strings.Join(cls[i].values(), " "))
		if len(cls[i].values()) == 0 {
			g.labels = append(g.labels, label{name: names[i]})
		} else {
			g.labels = append(g.labels, label{name: names[i], result: []valType{"x"}}) // not a branchOut target
		}
	}
	b.WriteString("(try_table")
	for i, c := range cls {
		if c.kind == "catch" || c.kind == "catch_ref" {
			fmt.Fprintf(&b, " (%s $e%d %s)", c.kind, c.tag, names[i])
		} else {
			fmt.Fprintf(&b, " (%s %s)", c.kind, names[i])
		}
	}
	g.labels = append(g.labels, label{})
	b.WriteString(" " + g.stmts(d) + ")")
	g.labels = g.labels[:len(g.labels)-1]
	fmt.Fprintf(&b, " (br %s))", done)
	for i, c := range cls {
		g.labels = g.labels[:len(g.labels)-1]
		b.WriteString(g.consumeCaught(c.values()))
		if i < len(cls)-1 {
			fmt.Fprintf(&b, " (br %s))", done)
		} else {
			b.WriteString(")")
		}
	}
	g.labels = g.labels[:len(g.labels)-1]
	return b.String()
}

// consumeCaught pops a clause's values (the last one on top).
func (g *gen) consumeCaught(vals []string) string {
	var b strings.Builder
	for i := len(vals) - 1; i >= 0; i-- {
		switch t := valType(vals[i]); {
		case t == "exnref":
			if g.n(3) == 0 {
				b.WriteString(" (throw_ref)") // the rest is unreachable, but valid
			} else {
				b.WriteString(" (drop)")
			}
		default:
			if l, ok := g.localOf(t); ok && g.n(2) == 0 {
				fmt.Fprintf(&b, " (local.set %d)", l)
			} else {
				b.WriteString(" (drop)")
			}
		}
	}
	return b.String()
}

// tailCall tail-calls a function with this function's result types when
// the fuel allows: directly, through either table, or through a typed
// reference.
func (g *gen) tailCall(d int) string {
	var cands []int
	for j, s := range g.sigs {
		if slices.Equal(s.results, g.sigs[g.fn].results) {
			cands = append(cands, j)
		}
	}
	j := cands[g.n(len(cands))] // the function itself qualifies
	var call string
	switch g.n(4) {
	case 0:
		call = fmt.Sprintf("(return_call_indirect $tr (type $t%d) %s %s)", j, g.args(j, d), g.refIndex(d))
	case 1:
		call = fmt.Sprintf("(return_call_indirect (type $t%d) %s %s)", j, g.args(j, d), g.tableIndex(d))
	case 2:
		call = fmt.Sprintf("(return_call_ref $t%d %s %s)", j, g.args(j, d), g.typedRef(j, d))
	default:
		call = fmt.Sprintf("(return_call $f%d %s)", j, g.args(j, d))
	}
	return fmt.Sprintf("(if (i32.gt_s (global.get $rec) (i32.const 0)) (then (global.set $rec (i32.sub (global.get $rec) (i32.const 1))) %s))", call)
}

// typedRef is a (ref null $tj): function j, null, or either chosen at run
// time, sometimes through br_on_non_null.
func (g *gen) typedRef(j, d int) string {
	switch g.n(5) {
	case 0:
		return fmt.Sprintf("(ref.null $t%d)", j)
	case 1, 2:
		return fmt.Sprintf("(select (result (ref null $t%d)) (ref.func $f%d) (ref.null $t%d) %s)", j, j, j, g.expr(tI32, d))
	case 3:
		name := g.fresh("nn")
		return fmt.Sprintf("(block %s (result (ref $t%d)) (br_on_non_null %s %s) (ref.func $f%d))", name, j, name, g.typedRef(j, d-1), j)
	}
	return fmt.Sprintf("(ref.func $f%d)", j)
}

// callRef calls a function returning t through a typed reference (null
// traps), when the fuel allows.
func (g *gen) callRef(t valType, d int) string {
	var cands []int
	for j, s := range g.sigs {
		if len(s.results) == 1 && s.results[0] == t {
			cands = append(cands, j)
		}
	}
	if len(cands) == 0 {
		return g.leaf(t)
	}
	j := cands[g.n(len(cands))]
	return fmt.Sprintf("(if (result %s) (i32.gt_s (global.get $rec) (i32.const 0)) (then (global.set $rec (i32.sub (global.get $rec) (i32.const 1))) (call_ref $t%d %s %s)) (else %s))",
		t, j, g.args(j, d), g.typedRef(j, d), g.leaf(t))
}

// refCheck is an i32 from a typed reference: null or not, by ref.is_null,
// br_on_null or ref.as_non_null (which traps on null).
func (g *gen) refCheck(d int) string {
	j := g.n(len(g.sigs))
	switch g.n(3) {
	case 0:
		name := g.fresh("bn")
		return fmt.Sprintf("(block %s (result i32) (i32.const 1) (br_on_null %s %s) (drop) (drop) (i32.const 0))", name, name, g.typedRef(j, d))
	case 1:
		return fmt.Sprintf("(ref.is_null (ref.as_non_null %s))", g.typedRef(j, d))
	}
	return fmt.Sprintf("(ref.is_null %s)", g.typedRef(j, d))
}
