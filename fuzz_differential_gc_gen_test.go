package moat_test

import (
	"fmt"
	"strings"
)

// The garbage-collection part of genModule, with the 3.0 features: a
// struct type with fields of every storage kind and a final subtype,
// arrays of i8, i32, i64 and anyref, globals holding objects made by
// constant expressions, a passive data and element segment. Code
// allocates (struct.new*, array.new* of every form, in bounded loops that
// make the collector run under FuzzDifferential's small heap limit),
// reads and writes fields and elements (null and bounds traps included),
// runs the bulk array operations, tests and casts against every kind of
// target (ref.test, ref.cast, br_on_cast, br_on_cast_fail), makes and
// reads i31s, compares with ref.eq and converts between any and extern.

const gcFields = "(field (mut i32)) (field (mut i64)) (field (mut i8)) (field (mut i16)) (field (mut f64)) (field (mut anyref))"

// gcDecls declares the types, globals and segments.
func (g *gen) gcDecls(b *strings.Builder) {
	fmt.Fprintf(b, " (type $gs (sub (struct %s)))\n", gcFields)
	fmt.Fprintf(b, " (type $gs2 (sub final $gs (struct %s (field (mut i32)))))\n", gcFields)
	b.WriteString(" (type $ga8 (array (mut i8)))\n (type $ga32 (array (mut i32)))\n (type $ga64 (array (mut i64)))\n (type $gar (array (mut anyref)))\n")
	b.WriteString(" (global $gref (mut anyref) (ref.null any))\n")
	fmt.Fprintf(b, " (global $gobj (mut (ref null $gs)) (struct.new $gs2 (i32.const %d) (i64.const 7) (i32.const -1) (i32.const 300) (f64.const 0.5) (ref.i31 (i32.const 9)) (i32.const 3)))\n", int32(g.u32()))
	fmt.Fprintf(b, " (global $garr (mut (ref null $ga32)) (array.new $ga32 (i32.const %d) (i32.const %d)))\n", int32(g.u32()), g.n(9))
	b.WriteString(" (elem $ge anyref (item (ref.i31 (i32.const 5))) (item (struct.new_default $gs)) (item (ref.null any)) (item (array.new_default $ga8 (i32.const 3))))\n")
	fmt.Fprintf(b, " (data $gd \"\\%02x\\%02x\\%02x\\%02x\\%02x\\%02x\\%02x\\%02x\")\n", g.byte(), g.byte(), g.byte(), g.byte(), g.byte(), g.byte(), g.byte(), g.byte())
}

// gcTargets are the cast targets: every abstract kind of the any
// hierarchy, the two struct types, and nullable forms.
var gcTargets = []string{"(ref $gs)", "(ref null $gs)", "(ref $gs2)", "(ref i31)", "(ref null i31)", "(ref eq)",
	"(ref struct)", "(ref array)", "(ref $ga32)", "(ref null $gar)", "(ref any)", "(ref null none)", "(ref none)", "anyref"}

// anyExpr is an anyref expression.
func (g *gen) anyExpr(d int) string {
	g.budget--
	if d <= 0 || g.budget <= 0 {
		return []string{"(ref.null any)", "(global.get $gref)", "(global.get $gobj)", "(global.get $garr)"}[g.n(4)]
	}
	d--
	switch g.n(12) {
	case 0:
		return fmt.Sprintf("(ref.i31 %s)", g.expr(tI32, d))
	case 1:
		return g.structNew(d)
	case 2:
		return "(struct.new_default $gs2)"
	case 3:
		return fmt.Sprintf("(array.new $ga32 %s (i32.and %s (i32.const 15)))", g.expr(tI32, d), g.expr(tI32, d))
	case 4:
		return fmt.Sprintf("(array.new_default $ga8 (i32.and %s (i32.const 0x3fff)))", g.expr(tI32, d))
	case 5:
		return fmt.Sprintf("(array.new_fixed $gar 2 %s %s)", g.anyExpr(d), g.anyExpr(d))
	case 6:
		return fmt.Sprintf("(array.get $gar (array.new_elem $gar $ge (i32.and %s (i32.const 3)) (i32.const 1)) (i32.const 0))", g.expr(tI32, d))
	case 7:
		return fmt.Sprintf("(any.convert_extern (extern.convert_any %s))", g.anyExpr(d))
	case 8:
		return fmt.Sprintf("(ref.cast %s %s)", gcTargets[g.n(len(gcTargets))], g.anyExpr(d))
	case 9:
		// br_on_cast leaves with the cast value, or falls through.
		name := g.fresh("c")
		op := []string{"br_on_cast", "br_on_cast_fail"}[g.n(2)]
		target := gcTargets[g.n(len(gcTargets))]
		return fmt.Sprintf("(block %s (result anyref) (%s %s anyref %s %s))", name, op, name, target, g.anyExpr(d))
	case 10:
		return fmt.Sprintf("(array.new_data $ga8 $gd (i32.and %s (i32.const 7)) (i32.and %s (i32.const 3)))", g.expr(tI32, d), g.expr(tI32, d))
	}
	return fmt.Sprintf("(array.new_fixed $ga64 3 %s %s %s)", g.expr(tI64, d), g.expr(tI64, d), g.expr(tI64, d))
}

// structNew is a struct.new of $gs or $gs2 with generated fields.
func (g *gen) structNew(d int) string {
	fields := fmt.Sprintf("%s %s %s %s %s %s", g.expr(tI32, d), g.expr(tI64, d), g.expr(tI32, d), g.expr(tI32, d), g.canon(tF64, d), g.anyExpr(d))
	if g.n(2) == 0 {
		return fmt.Sprintf("(struct.new $gs2 %s %s)", fields, g.expr(tI32, d))
	}
	return fmt.Sprintf("(struct.new $gs %s)", fields)
}

// gcExpr is an expression of number type t that reads the heap.
func (g *gen) gcExpr(t valType, d int) string {
	obj := "(global.get $gobj)"
	if g.n(3) == 0 {
		obj = fmt.Sprintf("(ref.cast (ref null $gs) %s)", g.anyExpr(d))
	}
	switch t {
	case tI64:
		if g.n(2) == 0 {
			return fmt.Sprintf("(struct.get $gs 1 %s)", obj)
		}
		return fmt.Sprintf("(array.get $ga64 (ref.cast (ref $ga64) %s) (i32.and %s (i32.const 3)))", g.anyExpr(d), g.expr(tI32, d))
	case tF64:
		return fmt.Sprintf("(struct.get $gs 4 %s)", obj)
	case tF32:
		return fmt.Sprintf("(f32.convert_i32_s (struct.get_s $gs 2 %s))", obj)
	}
	switch g.n(10) {
	case 0:
		return fmt.Sprintf("(struct.get $gs 0 %s)", obj)
	case 1:
		return fmt.Sprintf("(struct.get_%s $gs %d %s)", []string{"s", "u"}[g.n(2)], 2+g.n(2), obj)
	case 2:
		return "(array.len (global.get $garr))"
	case 3:
		return fmt.Sprintf("(array.get $ga32 (global.get $garr) (i32.and %s (i32.const 15)))", g.expr(tI32, d))
	case 4:
		return fmt.Sprintf("(array.get_%s $ga8 (ref.cast (ref null $ga8) %s) (i32.and %s (i32.const 7)))", []string{"s", "u"}[g.n(2)], g.anyExpr(d), g.expr(tI32, d))
	case 5:
		return fmt.Sprintf("(ref.test %s %s)", gcTargets[g.n(len(gcTargets))], g.anyExpr(d))
	case 6:
		return fmt.Sprintf("(ref.eq (ref.cast (ref null eq) %s) (ref.cast (ref null eq) %s))", g.anyExpr(d), g.anyExpr(d))
	case 7:
		return fmt.Sprintf("(i31.get_%s (ref.cast (ref null i31) %s))", []string{"s", "u"}[g.n(2)], g.anyExpr(d))
	case 8:
		return fmt.Sprintf("(i31.get_%s (ref.i31 %s))", []string{"s", "u"}[g.n(2)], g.expr(tI32, d))
	}
	return fmt.Sprintf("(struct.get $gs2 6 (ref.cast (ref $gs2) %s))", g.anyExpr(d))
}

// gcStmt changes the heap or the GC globals.
func (g *gen) gcStmt(depth int) string {
	d := depth - 1
	switch g.n(9) {
	case 0:
		return fmt.Sprintf("(global.set $gref %s)", g.anyExpr(d))
	case 1:
		return fmt.Sprintf("(global.set $gobj (ref.cast (ref null $gs) %s))", g.anyExpr(d))
	case 2:
		k := g.n(6)
		v := []string{g.expr(tI32, d), g.expr(tI64, d), g.expr(tI32, d), g.expr(tI32, d), g.canon(tF64, d), g.anyExpr(d)}[k]
		return fmt.Sprintf("(struct.set $gs %d (global.get $gobj) %s)", k, v)
	case 3:
		return fmt.Sprintf("(array.set $ga32 (global.get $garr) (i32.and %s (i32.const 15)) %s)", g.expr(tI32, d), g.expr(tI32, d))
	case 4:
		return fmt.Sprintf("(array.fill $ga32 (global.get $garr) (i32.and %s (i32.const 15)) %s (i32.and %s (i32.const 15)))", g.expr(tI32, d), g.expr(tI32, d), g.expr(tI32, d))
	case 5:
		return fmt.Sprintf("(array.copy $ga32 $ga32 (global.get $garr) (i32.and %s (i32.const 15)) (global.get $garr) (i32.and %s (i32.const 15)) (i32.and %s (i32.const 15)))", g.expr(tI32, d), g.expr(tI32, d), g.expr(tI32, d))
	case 6:
		return fmt.Sprintf("(array.init_elem $gar $ge (array.new_default $gar (i32.const 4)) (i32.and %s (i32.const 3)) (i32.and %s (i32.const 3)) (i32.and %s (i32.const 3)))", g.expr(tI32, d), g.expr(tI32, d), g.expr(tI32, d))
	case 7:
		return fmt.Sprintf("(array.init_data $ga8 $gd (ref.cast (ref null $ga8) %s) (i32.and %s (i32.const 7)) (i32.and %s (i32.const 7)) (i32.and %s (i32.const 7)))", g.anyExpr(d), g.expr(tI32, d), g.expr(tI32, d), g.expr(tI32, d))
	}
	// Churn: a bounded loop of allocations chained through $gref, with
	// garbage arrays between, so that collections run with references
	// live in registers and frames.
	if g.loops >= 3 {
		return g.leafStmt()
	}
	c := fmt.Sprintf("$c%d", g.loops)
	g.loops++
	name := g.fresh("l")
	s := fmt.Sprintf("(local.set %s (i32.const %d)) (loop %s (global.set $gref (array.new_fixed $gar 2 (global.get $gref) (array.new_default $ga8 (i32.const %d)))) (drop %s) (local.set %s (i32.sub (local.get %s) (i32.const 1))) (br_if %s (local.get %s)))",
		c, 1+g.n(6), name, g.n(4)<<11, g.anyExpr(d), c, c, name, c)
	g.loops--
	return s
}
