package compiler

import (
	"fmt"
	"sort"

	"github.com/moat-run/moat/internal/backend/amd64"
	"github.com/moat-run/moat/internal/frontend"
	"github.com/moat-run/moat/internal/wasm"
)

// The exception tables of codeTables: where each try_call lands and the
// handlers (try_tables) with their catch clauses, which the unwinder
// (exceptions.go) reads. Like the rest of the tables they are used in
// place from an artifact, and checked on load so that every index they
// hold stays in range.

// landing is one try_call site.
type landing struct {
	offset  int   // where to resume the function
	handler int   // module-wide handler index
	sp      int32 // the function's stack pointer, relative to its frame pointer
}

// landingAt is the try_call whose return address is at offset ret.
func (t *codeTables) landingAt(ret int) (landing, bool) {
	n := len(t.landings) / landingEntrySize
	i := sort.Search(n, func(i int) bool { return int(le.Uint32(t.landings[i*landingEntrySize:])) >= ret })
	if i == n || int(le.Uint32(t.landings[i*landingEntrySize:])) != ret {
		return landing{}, false
	}
	e := t.landings[i*landingEntrySize:]
	return landing{offset: int(le.Uint32(e[4:])), handler: int(le.Uint32(e[8:])), sp: int32(le.Uint32(e[12:]))}, true
}

// handlerAt is handler h: its parent (noParentHandler for none) and its
// clauses' range.
func (t *codeTables) handlerAt(h int) (parent, first, n int) {
	e := t.handlers[h*handlerEntrySize:]
	return int(int32(le.Uint32(e))), int(le.Uint32(e[4:])), int(le.Uint32(e[8:]))
}

// clauseAt is clause c: its kind and tag index.
func (t *codeTables) clauseAt(c int) (wasm.CatchKind, uint32) {
	e := t.clauses[c*clauseEntrySize:]
	return wasm.CatchKind(le.Uint32(e)), le.Uint32(e[4:])
}

// addHandlers appends a function's handlers and its landings (at base in
// the code), numbering the handlers after those of the functions placed
// before it.
func (b *tablesBuilder) addHandlers(base int, hs []frontend.Handler, lands []amd64.Landing, sp int) {
	first := b.numHandlers
	for _, h := range hs {
		parent := int32(noParentHandler)
		if h.Parent >= 0 {
			parent = int32(first) + h.Parent
		}
		b.handlers = le.AppendUint32(b.handlers, uint32(parent))
		b.handlers = le.AppendUint32(b.handlers, uint32(len(b.clauses)/clauseEntrySize))
		b.handlers = le.AppendUint32(b.handlers, uint32(len(h.Clauses)))
		for _, c := range h.Clauses {
			b.clauses = le.AppendUint32(le.AppendUint32(b.clauses, uint32(c.Kind)), c.Tag)
		}
	}
	b.numHandlers += len(hs)
	for _, l := range lands {
		b.landings = le.AppendUint32(b.landings, uint32(base+l.Ret))
		b.landings = le.AppendUint32(b.landings, uint32(base+l.Offset))
		b.landings = le.AppendUint32(b.landings, uint32(first)+l.Handler)
		b.landings = le.AppendUint32(b.landings, uint32(int32(sp)))
	}
}

// checkExceptionTables checks what the unwinder trusts: landings sorted
// and inside the code, handler indices in range, every handler's parent
// before it (so the chain from any handler ends), clauses in range and of
// a known kind.
func (t *codeTables) checkExceptionTables() error {
	nl, nh, nc := len(t.landings)/landingEntrySize, len(t.handlers)/handlerEntrySize, len(t.clauses)/clauseEntrySize
	prev := -1
	for i := range nl {
		e := t.landings[i*landingEntrySize:]
		ret, at, h := int(le.Uint32(e)), int(le.Uint32(e[4:])), int(le.Uint32(e[8:]))
		if ret <= prev || ret > t.codeSize || at >= t.codeSize || h >= nh {
			return fmt.Errorf("landing %d (return %d, landing %d, handler %d) out of order or range", i, ret, at, h)
		}
		prev = ret
	}
	for h := range nh {
		parent, first, n := t.handlerAt(h)
		if parent != noParentHandler && (parent < 0 || parent >= h) || first > nc || n > nc-first {
			return fmt.Errorf("handler %d (parent %d, clauses %d+%d) out of range", h, parent, first, n)
		}
	}
	for c := range nc {
		if k, _ := t.clauseAt(c); k > maxCatchKind {
			return fmt.Errorf("clause %d of unknown kind %d", c, k)
		}
	}
	return nil
}
