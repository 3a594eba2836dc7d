package sigtrap

import (
	"errors"
	"testing"
)

func TestPackRoundTrip(t *testing.T) {
	for _, r := range []struct{ start, size uintptr }{
		{0x1000, 0x1000},
		{0x7fff_ffff_f000, 0x1000},
		{0x5000_0000_0000, MaxRange},
		{0x1234_5678_9000, 4<<30 + 64<<20},
	} {
		w, err := pack(r.start, r.size)
		if err != nil {
			t.Fatalf("pack(%#x, %#x): %v", r.start, r.size, err)
		}
		if s, n := unpack(w); s != r.start || n != r.size {
			t.Fatalf("unpack(pack(%#x, %#x)) = %#x, %#x", r.start, r.size, s, n)
		}
		if !contains(w, r.start) || !contains(w, r.start+r.size-1) || contains(w, r.start+r.size) || contains(w, r.start-1) {
			t.Fatalf("contains is wrong at the edges of [%#x, +%#x)", r.start, r.size)
		}
	}
	for _, r := range []struct{ start, size uintptr }{
		{0, 0x1000},                   // page 0
		{0x1001, 0x1000},              // unaligned start
		{0x1000, 0x1001},              // unaligned size
		{0x1000, 0},                   // empty
		{0x1000, MaxRange + 0x1000},   // too long
		{MaxAddress, 0x1000},          // above the address space
		{MaxAddress - 0x1000, 0x2000}, // runs past it
		{0x7fff_ffff_f000, 1<<63 - 1}, // absurd
	} {
		if _, err := pack(r.start, r.size); !errors.Is(err, ErrBadRange) {
			t.Errorf("pack(%#x, %#x) = %v, want ErrBadRange", r.start, r.size, err)
		}
	}
}

func TestLinearTable(t *testing.T) {
	var words [4]uint64
	var used uint64
	tab := linear{words[:], &used}
	w := func(i uintptr) uint64 { v, _ := pack(i<<20, 1<<12); return v }
	for i := uintptr(1); i <= 4; i++ {
		if err := tab.add(w(i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tab.add(w(5)); !errors.Is(err, ErrTableFull) {
		t.Fatalf("fifth add: %v, want ErrTableFull", err)
	}
	if !tab.find(2<<20) || tab.find(5<<20) {
		t.Fatal("find is wrong")
	}
	tab.remove(w(4))
	if used != 3 {
		t.Fatalf("mark %d after removing the top entry, want 3", used)
	}
	tab.remove(w(2))
	if used != 3 || tab.find(2<<20) {
		t.Fatalf("mark %d after removing a middle entry, want 3 and the entry gone", used)
	}
	if err := tab.add(w(6)); err != nil || words[1] != w(6) {
		t.Fatalf("add reuses the lowest free entry: %v, %x", err, words)
	}
	for _, i := range []uintptr{1, 3, 6} {
		tab.remove(w(i))
	}
	if used != 0 {
		t.Fatalf("mark %d with the table empty", used)
	}
}

func TestReservationIndex(t *testing.T) {
	const size = 4<<30 + 64<<20
	a := uintptr(0x4000_0000_0000 + 0x1000)
	b := a + size // adjacent: they share a granule
	c := b + size
	for _, s := range []uintptr{a, b, c} {
		if err := RegisterReservation(s, size); err != nil {
			t.Fatal(err)
		}
	}
	defer func() {
		for _, s := range []uintptr{a, b, c} {
			UnregisterReservation(s, size)
		}
	}()
	for _, p := range []uintptr{a, a + size - 1, b, b + 12345, c + size - 1} {
		if !inReservation(p) {
			t.Errorf("%#x not found", p)
		}
	}
	for _, p := range []uintptr{a - 1, c + size, 0, MaxAddress + 5} {
		if inReservation(p) {
			t.Errorf("%#x found", p)
		}
	}
	if err := RegisterReservation(b+0x1000, size); !errors.Is(err, ErrBadRange) {
		t.Errorf("overlapping reservation: %v, want ErrBadRange", err)
	}
	if err := RegisterReservation(0x5000_0000_0000, 1<<20); !errors.Is(err, ErrBadRange) {
		t.Errorf("small reservation: %v, want ErrBadRange", err)
	}
	UnregisterReservation(b, size)
	if inReservation(b+12345) || !inReservation(a) || !inReservation(c) {
		t.Error("unregistering b changed the others")
	}
	if err := RegisterReservation(b, size); err != nil {
		t.Fatal(err)
	}
}
