package vm

import (
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// residentPages counts the pages of [addr, addr+n) in memory (mincore).
func residentPages(t *testing.T, addr uintptr, n int) int {
	t.Helper()
	vec := make([]byte, (n+4095)/4096)
	if _, _, errno := unix.Syscall(unix.SYS_MINCORE, addr, uintptr(n), uintptr(unsafe.Pointer(&vec[0]))); errno != 0 {
		t.Skipf("mincore: %v", errno)
	}
	count := 0
	for _, v := range vec {
		count += int(v & 1)
	}
	return count
}

// TestStackCommitsOnlyTouchedPages: a large limit costs address space
// only; pages are committed as code touches them, and Decommit gives them
// back while keeping the mapping usable.
func TestStackCommitsOnlyTouchedPages(t *testing.T) {
	const limit = 64 << 20
	s, err := NewStack(limit)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got := residentPages(t, s.Bottom(), s.Size()); got != 0 {
		t.Fatalf("a fresh %d-byte stack has %d resident pages", limit, got)
	}
	// Touch the top 1 MiB, one word a page, as a recursion would.
	const touched = 1 << 20
	for a := s.Top() - 8; a >= s.Top()-touched; a -= 4096 {
		s.words(a, 1)[0] = 1
	}
	if got := residentPages(t, s.Bottom(), s.Size()); got != touched/4096 {
		t.Fatalf("%d resident pages after touching %d", got, touched/4096)
	}
	if err := s.Decommit(); err != nil {
		t.Fatal(err)
	}
	if got := residentPages(t, s.Bottom(), s.Size()); got != 0 {
		t.Fatalf("%d resident pages after Decommit", got)
	}
	if w, ok := s.Word(s.Top() - 8); !ok || w != 0 {
		t.Fatalf("after Decommit the stack reads %d, %v; want a zeroed, usable page", w, ok)
	}
}
