package vm

import (
	"errors"
	"strconv"

	"github.com/moat-run/moat/internal/wasm"
)

// Tag is an exception tag: a module's tag definition made at
// instantiation, or a host's. Catch clauses match tags by identity, so two
// instances of one module have distinct tags and an import is the
// exporter's *Tag itself.
type Tag struct {
	Type *wasm.FuncType // the payload's types are its parameters
	Name string         // "module.field" for host tags, for messages
}

// Exception is a WebAssembly exception in flight or held by an exnref: a
// tag and its payload, one word per value (two for v128, low first). It is
// an error, so that it can leave an engine or a host function like one;
// engines recognise it (errors.As) and unwind to a handler instead of
// trapping.
type Exception struct {
	Tag     *Tag
	Payload []uint64

	store *Store // the store whose exnref list holds it, once it has one
	ref   uint64
}

// HasRef reports whether an exnref of some store names e: it may be thrown
// again or read by the host for the store's life.
func (e *Exception) HasRef() bool { return e.store != nil }

func (e *Exception) Error() string {
	name := "exception"
	if e.Tag != nil && e.Tag.Name != "" {
		name += " " + strconv.Quote(e.Tag.Name)
	}
	return "uncaught wasm " + name
}

// MaxExceptionRefs bounds the exnrefs one store may hold: each exception
// caught by catch_ref or catch_all_ref keeps its payload for the store's
// life, so a loop that catches forever must end in a trap, not in the
// host running out of memory.
const MaxExceptionRefs = 1 << 20

// ErrTooManyExceptions is the error for a store past MaxExceptionRefs.
var ErrTooManyExceptions = errors.New("too many exception references held by one store")

// ExnRef returns the exnref word for e (never 0), registering e in s on
// first use. Like funcrefs, exnrefs are indices into the store, so a word
// made up by a host can never reach memory it should not.
func (s *Store) ExnRef(e *Exception) (uint64, error) {
	if e.store == s {
		return e.ref, nil
	}
	r := s.moreRoots()
	if len(r.exns) >= MaxExceptionRefs {
		return 0, ErrTooManyExceptions
	}
	r.exns = append(r.exns, e)
	if e.store == nil {
		e.store, e.ref = s, uint64(len(r.exns))
		return e.ref, nil
	}
	// Held by another store already: this store refers to a copy.
	c := &Exception{Tag: e.Tag, Payload: e.Payload, store: s, ref: uint64(len(r.exns))}
	r.exns[len(r.exns)-1] = c
	return c.ref, nil
}

// Exn resolves an exnref word, or returns nil for null and for words that
// are not exnrefs of s.
func (s *Store) Exn(ref uint64) *Exception {
	r := s.gc.roots
	if r == nil || ref == 0 || ref > uint64(len(r.exns)) {
		return nil
	}
	return r.exns[ref-1]
}

// AsException returns the exception err is or wraps, or nil.
func AsException(err error) *Exception {
	if err == nil {
		return nil
	}
	if e, ok := err.(*Exception); ok {
		return e
	}
	var e *Exception
	if errors.As(err, &e) {
		return e
	}
	return nil
}
