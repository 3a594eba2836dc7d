package ssa_test

import (
	"strings"
	"testing"

	. "github.com/moat-run/moat/internal/ssa"
)

// The builder returns the current block's earlier copy of an instruction
// it numbers locally instead of building it again, and only then: another
// block, another function, different immediates or a load that is not
// read-only each get their own instruction.
func TestBuilderLocalNumbering(t *testing.T) {
	f := NewFunc("f", Signature{Params: []Type{I64, I32}, Results: []Type{I64}})
	b := NewBuilder(f)
	entry := b.CreateEntryBlock()
	ctx, x := entry.Params[0], entry.Params[1]

	base := b.Load(OpLoad, I64, ctx, 8, MemNoTrap|MemReadOnly)
	ext := b.Uextend(x)
	sum := b.Iadd(base, ext)
	cmp := b.Icmp(IntULT, x, x)
	red := b.Ireduce(sum)
	same := []struct {
		name      string
		got, want Value
	}{
		{"read-only load", b.Load(OpLoad, I64, ctx, 8, MemNoTrap|MemReadOnly), base},
		{"iadd, arguments swapped", b.Iadd(ext, base), sum},
		{"icmp", b.Icmp(IntULT, x, x), cmp},
		{"ireduce", b.Ireduce(sum), red},
	}
	for _, c := range same {
		if c.got != c.want {
			t.Errorf("%s repeated in its block: got v%d, want the first copy v%d", c.name, c.got, c.want)
		}
	}
	other := []struct {
		name string
		got  Value
	}{
		{"load at another offset", b.Load(OpLoad, I64, ctx, 16, MemNoTrap|MemReadOnly)},
		{"load of another type", b.Load(OpLoad, I32, ctx, 8, MemNoTrap|MemReadOnly)},
		{"live load", b.Load(OpLoad, I64, ctx, 8, MemNoTrap)},
		{"icmp, other condition", b.Icmp(IntSLT, x, x)},
		{"isub (not numbered)", b.Isub(sum, ext)},
	}
	seen := map[Value]string{base: "load", sum: "iadd", cmp: "icmp", red: "ireduce", ext: "uextend"}
	for _, c := range other {
		if prev, ok := seen[c.got]; ok {
			t.Errorf("%s: got v%d, the result of the %s", c.name, c.got, prev)
		}
		seen[c.got] = c.name
	}
	// A live load is never numbered: memory may have changed in between.
	if l1, l2 := b.Load(OpLoad, I64, ctx, 0, MemNoTrap), b.Load(OpLoad, I64, ctx, 0, MemNoTrap); l1 == l2 {
		t.Errorf("two loads that are not read-only gave one value v%d", l1)
	}

	next := b.CreateBlock()
	b.Jump(next)
	b.SwitchToBlock(next)
	b.SealBlock(next)
	if again := b.Load(OpLoad, I64, ctx, 8, MemNoTrap|MemReadOnly); again == base {
		t.Errorf("the load in the next block reused v%d of the block before", base)
	}
	b.Return(sum)
	if err := b.Finish(); err != nil {
		t.Fatal(err)
	}
	if err := Verify(f); err != nil {
		t.Fatalf("%v\n%s", err, f)
	}

	// A new function starts with an empty table, though the builder and
	// the function's storage are reused.
	g := NewFunc("g", Signature{Params: []Type{I64}, Results: []Type{I64}})
	b.Reset(g)
	e := b.CreateEntryBlock()
	v := b.Load(OpLoad, I64, e.Params[0], 8, MemNoTrap|MemReadOnly)
	if in, _ := g.ValueInst(v); in == nil || len(e.Insts) != 1 {
		t.Fatalf("the first load of a new function was not built in it:\n%s", g)
	}
	b.Return(v)
	if err := b.Finish(); err != nil {
		t.Fatal(err)
	}
}

// A repeat asked for after the block was terminated is reported as a
// misuse, like any instruction, not answered from the table.
func TestBuilderLocalNumberingTerminated(t *testing.T) {
	f := NewFunc("f", Signature{Params: []Type{I64}, Results: []Type{I64}})
	b := NewBuilder(f)
	entry := b.CreateEntryBlock()
	v := b.Load(OpLoad, I64, entry.Params[0], 8, MemNoTrap|MemReadOnly)
	b.Return(v)
	b.Load(OpLoad, I64, entry.Params[0], 8, MemNoTrap|MemReadOnly)
	if err := b.Err(); err == nil || !strings.Contains(err.Error(), "already terminated") {
		t.Fatalf("load after the terminator: got error %v, want the block already terminated", err)
	}
}
