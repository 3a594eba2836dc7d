package vm

import (
	"testing"
	"time"
)

// A store's deadline, kept as a plain nanosecond count, reads back as the
// time set: with or without a monotonic reading, none for the zero time,
// and one already passed for a time before the process's clock began.
func TestStoreDeadlineReadsBack(t *testing.T) {
	var s Store
	if d := s.Deadline(); !d.IsZero() {
		t.Fatalf("a new store's deadline: %v, want none", d)
	}
	for _, want := range []time.Time{
		time.Now().Add(time.Hour),
		time.Unix(time.Now().Unix()+60, 123456789), // wall clock only
	} {
		s.SetDeadline(want)
		if got := s.Deadline(); !got.Equal(want) {
			t.Fatalf("Deadline() = %v, want %v", got, want)
		}
	}
	s.SetDeadline(time.Unix(0, 0))
	if got := s.Deadline(); got.IsZero() || !passed(got) {
		t.Fatalf("a deadline in 1970 reads as %v, want one that has passed", got)
	}
	s.SetDeadline(time.Time{})
	if d := s.Deadline(); !d.IsZero() {
		t.Fatalf("after the zero time: %v, want none", d)
	}
	s.SetDeadline(time.Now().Add(time.Hour))
	s.Reset()
	if d := s.Deadline(); !d.IsZero() {
		t.Fatalf("after Reset: %v, want none", d)
	}
}

// A store without a codec keeps its function list, emptied, from one
// store to the next (Reset): the last store's references resolve to
// nothing, and its functions are no longer held.
func TestResetStoreForgetsFunctions(t *testing.T) {
	s := NewStore()
	f := &Function{Code: HostName("old")}
	ref, err := s.Ref(f)
	if err != nil || s.Func(ref) != f {
		t.Fatalf("Ref = %d, %v; Func resolves %v", ref, err, s.Func(ref))
	}
	list := s.funcs
	s.Reset()
	if got := s.Func(ref); got != nil {
		t.Fatalf("after Reset, the old reference resolves to %q", got.DebugName())
	}
	if s.funcs != list || len(*list) != 0 || (*list)[:1][0] != nil {
		t.Fatalf("Reset did not keep the list emptied and cleared: %v", *list)
	}
	g := &Function{Code: HostName("new")}
	ref2, err := s.Ref(g)
	if err != nil || ref2 != 1 || s.Func(ref2) != g {
		t.Fatalf("after Reset: Ref = %d, %v; want 1 resolving to the new function", ref2, err)
	}
}
