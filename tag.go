package moat

import (
	"errors"
	"fmt"
	"strings"

	"github.com/moat-run/moat/internal/vm"
)

// Tag is an exception tag of a store: exported by an instance, or made by
// the host with NewTag. Exceptions carry a tag and a payload of the tag's
// parameter types; catch clauses match tags by identity.
type Tag struct {
	store storeRef
	tag   *vm.Tag
}

// NewTag makes a tag in store s whose exceptions carry values of t.Params
// (t.Results must be empty). name, if not "", names it in messages.
func NewTag(s *Store, t FuncType, name string) (*Tag, error) {
	if len(t.Results) != 0 {
		return nil, fmt.Errorf("moat: NewTag: a tag's type has no results, got %s", t)
	}
	if err := checkFuncType(t); err != nil {
		return nil, err
	}
	return &Tag{store: s.storeRef, tag: &vm.Tag{Type: t.internal(), Name: name}}, nil
}

// Type returns the tag's type.
func (t *Tag) Type() TagType { return TagType{Type: fromFuncType(t.tag.Type)} }

func (t *Tag) owner() storeRef        { return t.store }
func (t *Tag) ExternType() ExternType { return t.Type() }

// Exception is a WebAssembly exception: a tag and its payload. It is the
// error a call returns when an exception thrown inside it is not caught,
// and a host function may return one (made with NewException, or one it
// received from a call) to throw it into the calling WebAssembly code,
// where try_table can catch it. It crosses host functions and instances
// of one store unchanged.
type Exception struct {
	store storeRef
	exn   *vm.Exception
}

// NewException makes an exception of tag with the given payload: one word
// per parameter of the tag's type (two for v128, low first), encoded as for
// Func.Call.
func NewException(tag *Tag, payload ...uint64) (*Exception, error) {
	if tag == nil {
		return nil, errors.New("moat: NewException: nil tag")
	}
	ft := tag.tag.Type
	if len(payload) != ft.ParamSlots() {
		return nil, fmt.Errorf("moat: NewException: tag %s takes %d payload words, got %d", ft, ft.ParamSlots(), len(payload))
	}
	words := append([]uint64(nil), payload...)
	if err := checkWords(tag.store.storeState, ft.Params, nil, words); err != nil {
		return nil, err
	}
	return &Exception{store: tag.store, exn: &vm.Exception{Tag: tag.tag, Payload: words}}, nil
}

// Tag returns the exception's tag.
func (e *Exception) Tag() *Tag { return &Tag{store: e.store, tag: e.exn.Tag} }

// HasTag reports whether the exception's tag is t.
func (e *Exception) HasTag(t *Tag) bool { return t != nil && e.exn.Tag == t.tag }

// Payload returns a copy of the exception's payload words (funcrefs in
// the host's form, see Func.Ref).
func (e *Exception) Payload() []uint64 {
	words := append([]uint64(nil), e.exn.Payload...)
	for i, w := 0, 0; i < len(e.exn.Tag.Type.Params) && w < len(words); i++ {
		t := e.exn.Tag.Type.Params[i]
		if isFuncWord(nil, t) {
			words[w] = e.store.funcWordOut(words[w])
		}
		w += t.Slots()
	}
	return words
}

func (e *Exception) Error() string {
	var b strings.Builder
	b.WriteString("moat: uncaught WebAssembly exception")
	if n := e.exn.Tag.Name; n != "" {
		fmt.Fprintf(&b, " %q", n)
	}
	fmt.Fprintf(&b, " with payload %v", e.exn.Payload)
	return b.String()
}
