package vm

import (
	"testing"

	"github.com/moat-run/moat/internal/wasm"
)

func TestMemoryGrow(t *testing.T) {
	m := NewMemory(&wasm.MemoryType{Limits: wasm.Limits{Min: 1, Max: 3, HasMax: true}}, 0)
	if m.Pages() != 1 || len(m.Bytes) != wasm.PageSize {
		t.Fatalf("initial size %d pages", m.Pages())
	}
	m.Bytes[10] = 7
	if old, ok := m.Grow(2); !ok || old != 1 || m.Pages() != 3 || m.Bytes[10] != 7 {
		t.Fatalf("grow by 2: old=%d ok=%v pages=%d", old, ok, m.Pages())
	}
	if _, ok := m.Grow(1); ok {
		t.Fatal("grow past the declared maximum succeeded")
	}
	for _, b := range m.Bytes[wasm.PageSize:] {
		if b != 0 {
			t.Fatal("grown pages are not zero")
		}
	}
}

func TestMemoryEngineLimit(t *testing.T) {
	m := NewMemory(&wasm.MemoryType{Limits: wasm.Limits{Min: 0}}, 2)
	if _, ok := m.Grow(3); ok {
		t.Fatal("grow past the engine's page limit succeeded")
	}
	if old, ok := m.Grow(2); !ok || old != 0 {
		t.Fatal("grow within the limit failed")
	}
}

func TestTableGrow(t *testing.T) {
	tab := NewTable(&wasm.TableType{Elem: wasm.FuncRef, Limits: wasm.Limits{Min: 2}}, 0, 4)
	if old, ok := tab.Grow(2, 9); !ok || old != 2 || tab.Elems[3] != 9 {
		t.Fatalf("grow: old=%d ok=%v", old, ok)
	}
	if _, ok := tab.Grow(1, 0); ok {
		t.Fatal("grow past the limit succeeded")
	}
}

func TestStoreRefs(t *testing.T) {
	s1, s2 := NewStore(), NewStore()
	f := &Function{Type: &wasm.FuncType{}}
	r, err := s1.Ref(f)
	if err != nil || r == 0 || s1.Func(r) != f {
		t.Fatalf("ref = %d, %v", r, err)
	}
	if again, _ := s1.Ref(f); again != r {
		t.Fatal("a function must have one reference per store")
	}
	if _, err := s2.Ref(f); err != ErrForeignFunction {
		t.Fatalf("cross-store ref: %v", err)
	}
	for _, bogus := range []uint64{0, r + 1, ^uint64(0)} {
		if s1.Func(bogus) != nil {
			t.Fatalf("bogus ref %d resolved", bogus)
		}
	}
}
