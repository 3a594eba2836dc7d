package vm

import (
	"errors"
	"testing"
)

func TestExnRef(t *testing.T) {
	tag := &Tag{Name: "m.t"}
	a, b := NewStore(), NewStore()
	e := &Exception{Tag: tag, Payload: []uint64{7}}
	ra, err := a.ExnRef(e)
	if err != nil || ra == 0 {
		t.Fatalf("ExnRef = %d, %v", ra, err)
	}
	if again, _ := a.ExnRef(e); again != ra {
		t.Errorf("a second ExnRef in the same store gave %d, want %d", again, ra)
	}
	if a.Exn(ra) != e || a.Exn(0) != nil || a.Exn(ra+1) != nil || a.Exn(^uint64(0)) != nil {
		t.Error("Exn resolves only the store's own words")
	}
	// Another store gets its own word for an equal exception; neither store
	// resolves the other's words to anything it did not register.
	rb, err := b.ExnRef(e)
	if err != nil {
		t.Fatal(err)
	}
	if got := b.Exn(rb); got == nil || got.Tag != tag || got.Payload[0] != 7 {
		t.Errorf("b.Exn(%d) = %v", rb, got)
	}
	if b.Exn(rb+1) != nil {
		t.Error("b resolves a word it never made")
	}
	if AsException(errors.Join(errors.New("x"), e)) != e || AsException(errors.New("x")) != nil || AsException(nil) != nil {
		t.Error("AsException")
	}
}

// TestExnRefLimit: a guest that catches exceptions by reference forever
// holds one exnref per catch; past MaxExceptionRefs the store refuses with
// ErrTooManyExceptions (which the engines turn into a trap) rather than
// growing without bound.
func TestExnRefLimit(t *testing.T) {
	s := NewStore()
	s.moreRoots().exns = make([]*Exception, MaxExceptionRefs-1) // as if that many were caught already
	if _, err := s.ExnRef(&Exception{Tag: &Tag{}}); err != nil {
		t.Fatalf("the last allowed exnref: %v", err)
	}
	if _, err := s.ExnRef(&Exception{Tag: &Tag{}}); !errors.Is(err, ErrTooManyExceptions) {
		t.Fatalf("one more: err = %v, want ErrTooManyExceptions", err)
	}
}
