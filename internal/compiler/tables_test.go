package compiler

import (
	"encoding/hex"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/moat-run/moat/internal/abi"
	"github.com/moat-run/moat/internal/backend/amd64"
	"github.com/moat-run/moat/internal/frontend"
	"github.com/moat-run/moat/internal/wasm"
)

var updateTables = flag.Bool("update", false, "rewrite testdata/tables.golden from the current output")

// sampleTables packs two functions' tables, the way link does.
func sampleTables() *codeTables {
	t, _ := sampleTablesIn(nil)
	return t
}

// sampleCounts are sampleTables' entries.
var sampleCounts = tableCounts{funcs: 2, sites: 3, traps: 2, faults: 3, landings: 1, handlers: 2, clauses: 2}

// sampleTablesIn is sampleTables packed into a section reserved for n
// entries (none reserved when n is nil), and the section it reserved.
func sampleTablesIn(n *tableCounts) (*codeTables, []byte) {
	var tb tablesBuilder
	if n != nil {
		tb.reserve(*n)
	}
	tb.addFunc(0, 100)
	tb.addTraps(0, []amd64.TrapSite{{Offset: 90, Code: abi.TrapMemoryOutOfBounds}, {Offset: 40, Code: abi.TrapUnreachable, Shared: true}})
	tb.addSites(0, []amd64.Site{{Offset: 20, Pos: 7}, {Offset: 60, Pos: 9}})
	tb.addFaults(0, []amd64.FaultSite{{Offset: 30, Pos: 8, Code: abi.TrapMemoryOutOfBounds}, {Offset: 70, Pos: 10, Code: abi.TrapUnreachable}})
	tb.addFunc(112, 180)
	tb.addSites(112, []amd64.Site{{Offset: 5, Pos: amd64.PosPrologue}})
	tb.addFaults(112, []amd64.FaultSite{{Offset: 12, Pos: 11, Code: abi.TrapMemoryOutOfBounds}})
	// Two nested try_tables in function 1, one try_call in the inner one.
	tb.addHandlers(112, []frontend.Handler{
		{Parent: -1, Clauses: []frontend.Clause{{Kind: wasm.CatchAll}}},
		{Parent: 0, Clauses: []frontend.Clause{{Kind: wasm.Catch, Tag: 2}}},
	}, []amd64.Landing{{Ret: 20, Offset: 40, Handler: 1}}, -48)
	tb.setEntry(0, 192)
	tb.setEntry(1, 208)
	return tb.finish(224, 240, 256), tb.raw
}

// TestTablesGolden pins the tables section's encoding (artifacts store it
// as it is): a change needs a new artifact.FormatVersion.
func TestTablesGolden(t *testing.T) {
	tables := sampleTables()
	got := hex.Dump(tables.raw)
	path := filepath.Join("testdata", "tables.golden")
	if *updateTables {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("tables encoding differs from %s (a format change needs a new artifact.FormatVersion; then run with -update):\n%s", path, got)
	}
}

// TestTablesPackedInPlace: tables reserved for their exact counts are
// packed in the reserved section itself, the same bytes as packed by
// copying; a miscount either way still gives those bytes, copied.
func TestTablesPackedInPlace(t *testing.T) {
	want := sampleTables().raw
	short, long := sampleCounts, sampleCounts
	short.faults--
	long.sites++
	for _, c := range []struct {
		name    string
		n       tableCounts
		inPlace bool
	}{{"exact", sampleCounts, true}, {"short", short, false}, {"long", long, false}} {
		tables, reserved := sampleTablesIn(&c.n)
		if got := tables.raw; string(got) != string(want) {
			t.Errorf("%s: tables differ from the ones packed by copying:\n%s\nwant\n%s", c.name, hex.Dump(got), hex.Dump(want))
		}
		if inPlace := &tables.raw[0] == &reserved[0]; inPlace != c.inPlace {
			t.Errorf("%s: packed in the reserved section: %v, want %v", c.name, inPlace, c.inPlace)
		}
	}
}

// TestTablesLookups reads the sample tables back.
func TestTablesLookups(t *testing.T) {
	tb := sampleTables()
	for _, c := range []struct{ off, fn int }{{0, 0}, {99, 0}, {100, 0}, {105, -1}, {112, 1}, {180, 1}, {200, -1}} {
		if got := tb.funcAt(c.off); got != c.fn {
			t.Errorf("funcAt(%d) = %d, want %d", c.off, got, c.fn)
		}
	}
	if tb.entry(0) != 192 || tb.entry(1) != 208 || tb.funcStart(1) != 112 || tb.funcEnd(1) != 180 {
		t.Error("function ranges or entries read back wrong")
	}
	if pos, ok := tb.posAt(60); !ok || pos != 9 {
		t.Errorf("posAt(60) = %d, %v", pos, ok)
	}
	if pos, ok := tb.posAt(117); !ok || pos != amd64.PosPrologue {
		t.Errorf("posAt(117) = %d, %v", pos, ok)
	}
	if _, ok := tb.posAt(61); ok {
		t.Error("posAt(61) found a site")
	}
	if code, shared, ok := tb.trapAt(40); !ok || !shared || code != abi.TrapUnreachable {
		t.Errorf("trapAt(40) = %v %v %v", code, shared, ok)
	}
	if code, shared, ok := tb.trapAt(90); !ok || shared || code != abi.TrapMemoryOutOfBounds {
		t.Errorf("trapAt(90) = %v %v %v", code, shared, ok)
	}
	for _, c := range []struct {
		off  int
		code abi.TrapCode
		pos  uint32
	}{{30, abi.TrapMemoryOutOfBounds, 8}, {70, abi.TrapUnreachable, 10}, {124, abi.TrapMemoryOutOfBounds, 11}} {
		if code, pos, ok := tb.faultAt(c.off); !ok || code != c.code || pos != c.pos {
			t.Errorf("faultAt(%d) = %v %d %v, want %v %d", c.off, code, pos, ok, c.code, c.pos)
		}
	}
	for _, off := range []int{0, 29, 31, 60, 123, 125, 256} {
		if _, _, ok := tb.faultAt(off); ok {
			t.Errorf("faultAt(%d) found a fault site", off)
		}
	}
	if tb.numFaults() != 3 {
		t.Errorf("%d fault sites, want 3", tb.numFaults())
	}
	if l, ok := tb.landingAt(132); !ok || l.offset != 152 || l.handler != 1 || l.sp != -48 {
		t.Errorf("landingAt(132) = %+v, %v", l, ok)
	}
	if _, ok := tb.landingAt(131); ok {
		t.Error("landingAt(131) found a landing")
	}
	if parent, first, n := tb.handlerAt(1); parent != 0 || first != 1 || n != 1 {
		t.Errorf("handlerAt(1) = %d %d %d", parent, first, n)
	}
	if parent, _, _ := tb.handlerAt(0); parent != noParentHandler {
		t.Errorf("handler 0's parent %d", parent)
	}
	if k, tag := tb.clauseAt(1); k != wasm.Catch || tag != 2 {
		t.Errorf("clauseAt(1) = %v %d", k, tag)
	}
	if !tb.inPoll(230) || tb.inPoll(240) {
		t.Error("poll stub range wrong")
	}
}

// TestParseTablesRefuses: tables that would send the runtime outside the
// code are refused.
func TestParseTablesRefuses(t *testing.T) {
	good := sampleTables().raw
	edit := func(at int, v uint32) []byte {
		b := append([]byte(nil), good...)
		le.PutUint32(b[at:], v)
		return b
	}
	f := tablesHeaderSize
	landings := f + 2*funcEntrySize + 3*siteEntrySize + 2*trapEntrySize + 3*faultEntrySize
	handlers := landings + landingEntrySize
	clauses := handlers + 2*handlerEntrySize
	for name, tc := range map[string]struct {
		raw            []byte
		funcs, codeLen int
	}{
		"short":                {good[:10], 2, 256},
		"cut":                  {good[:len(good)-1], 2, 256},
		"function count":       {good, 3, 256},
		"code size":            {good, 2, 300},
		"entry outside":        {edit(f+8, 256), 2, 256},
		"end outside":          {edit(f+4, 257), 2, 256},
		"start after end":      {edit(f, 101), 2, 256},
		"functions out of ord": {edit(f+funcEntrySize, 50), 2, 256},
		"poll outside":         {edit(20, 300), 2, 256},
		"huge counts":          {edit(4, 1<<30), 2, 256},
		"fault count":          {edit(12, 4), 2, 256},
		"huge fault count":     {edit(12, 1<<30), 2, 256},
		"landing outside":      {edit(landings+4, 256), 2, 256},
		"landing's handler":    {edit(landings+8, 2), 2, 256},
		"handler's own parent": {edit(handlers+handlerEntrySize, 1), 2, 256},
		"parent after child":   {edit(handlers, 1), 2, 256},
		"clauses outside":      {edit(handlers+4, 3), 2, 256},
		"clause kind":          {edit(clauses, maxCatchKind+1), 2, 256},
	} {
		if _, err := parseTables(tc.raw, tc.funcs, tc.codeLen); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
