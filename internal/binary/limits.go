package binary

// Implementation limits: the spec lets an engine refuse a module past
// limits of its own, and the engines agree on the values (those of the JS
// embedding API, which wasmparser enforces for Wasmtime). They keep a small
// module from asking the decoder, validator and compilers for memory far out
// of proportion to its bytes. Each is checked when its count is read, before
// anything is allocated for it, and reported as a malformed module naming
// the limit, the section and the offset.

// limit is one implementation limit on a count in one section.
type limit struct {
	what    string // the things counted, e.g. "functions"
	section string // the section whose count is checked
	max     int
}

var (
	limitImports      = limit{"imports", "import", 1_000_000}
	limitFunctions    = limit{"functions", "function", 1_000_000}
	limitTables       = limit{"tables", "table", 100}
	limitMemories     = limit{"memories", "memory", 100}
	limitTags         = limit{"tags", "tag", 1_000_000}
	limitGlobals      = limit{"globals", "global", 1_000_000}
	limitExports      = limit{"exports", "export", 1_000_000}
	limitElemSegments = limit{"element segments", "element", 100_000}
	limitDataSegments = limit{"data segments", "data", 100_000}
	limitParams       = limit{"parameters of a function type", "type", 1000}
	limitResults      = limit{"results of a function type", "type", 1000}
	limitStructFields = limit{"fields of a struct type", "type", 10_000}
	// limitFuncBytes caps one function body (its size field's value).
	limitFuncBytes = limit{"bytes in a function body", "code", 7_654_321}
	// limitNameBytes caps an import, export or custom section's name.
	limitNameBytes = limit{"bytes in a name", "import, export or custom", 100_000}
)

// check reports an error at offset at when have+n exceeds the limit, where
// have counts the entries already seen (imports of the same kind).
func (l limit) check(at, have, n int) error {
	if have+n > l.max {
		return errAt(at, "implementation limit exceeded: %d %s in the %s section (at most %d)", have+n, l.what, l.section, l.max)
	}
	return nil
}

// countUpTo reads a vector length, as count does, and checks it (plus have,
// the entries already seen) against l.
func (r *reader) countUpTo(l limit, have int) (int, error) {
	at := r.offset()
	n, err := r.count()
	if err != nil {
		return 0, err
	}
	return n, l.check(at, have, n)
}
