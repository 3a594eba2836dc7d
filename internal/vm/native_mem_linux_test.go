package vm

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/moat-run/moat/internal/abi"
)

// mappingPerms returns the permissions ("r-xp", ...) of the mapping that
// holds addr, from /proc/self/maps.
func mappingPerms(t *testing.T, addr uintptr) string {
	t.Helper()
	f, err := os.Open("/proc/self/maps")
	if err != nil {
		t.Skipf("no /proc/self/maps: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 2 {
			continue
		}
		lo, hi, ok := strings.Cut(fields[0], "-")
		if !ok {
			continue
		}
		l, err1 := strconv.ParseUint(lo, 16, 64)
		h, err2 := strconv.ParseUint(hi, 16, 64)
		if err1 == nil && err2 == nil && uint64(addr) >= l && uint64(addr) < h {
			return fields[1]
		}
	}
	t.Fatalf("no mapping holds %#x", addr)
	return ""
}

func TestCodeWriteXorExecute(t *testing.T) {
	c, err := NewCode(5000)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if p := mappingPerms(t, c.Addr()); p != "rw-p" {
		t.Fatalf("unsealed code mapped %s, want rw-p", p)
	}
	copy(c.Bytes(), []byte{0xc3}) // ret
	if err := c.Seal(); err != nil {
		t.Fatal(err)
	}
	for _, off := range []uintptr{0, 4096} { // every page of it
		if p := mappingPerms(t, c.Addr()+off); p != "r-xp" {
			t.Fatalf("sealed code mapped %s, want r-xp", p)
		}
	}
	if c.Bytes() != nil || !c.Sealed() {
		t.Fatal("sealed code still offers its bytes for writing")
	}
	if err := c.Seal(); err != nil {
		t.Fatal("sealing twice:", err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if c.Close() != nil || c.Addr() != 0 || c.Seal() == nil {
		t.Fatal("closed code still usable")
	}
}

func TestCodeSizeLimits(t *testing.T) {
	for _, n := range []int{0, -1, MaxCodeSize + 1} {
		if _, err := NewCode(n); err == nil {
			t.Errorf("NewCode(%d) succeeded", n)
		}
	}
	if _, err := MapCode(nil); err == nil {
		t.Error("MapCode(nil) succeeded")
	}
}

func TestStackGuard(t *testing.T) {
	s, err := NewStack(100 << 10)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Size() < 100<<10 || s.Size()%4096 != 0 {
		t.Fatalf("stack size %d", s.Size())
	}
	if s.Top()%16 != 0 || s.Limit() != s.Bottom()+4096 {
		t.Fatalf("top %#x bottom %#x limit %#x", s.Top(), s.Bottom(), s.Limit())
	}
	if p := mappingPerms(t, s.Bottom()-1); p != "---p" {
		t.Fatalf("guard mapped %s, want ---p", p)
	}
	if p := mappingPerms(t, s.Bottom()-StackGuardSize); p != "---p" {
		t.Fatalf("guard bottom mapped %s, want ---p", p)
	}
	if p := mappingPerms(t, s.Bottom()); p != "rw-p" {
		t.Fatalf("stack mapped %s, want rw-p", p)
	}
	// words checks every address it is given.
	for _, bad := range []struct {
		addr uintptr
		n    uint64
	}{
		{s.Bottom() - 8, 1}, {s.Top(), 1}, {s.Top() - 8, 2}, {s.Bottom() + 4, 1}, {s.Bottom(), 1 << 62}, {0, 1},
	} {
		if s.words(bad.addr, bad.n) != nil {
			t.Errorf("words(%#x, %d) accepted", bad.addr, bad.n)
		}
	}
	if w := s.words(s.Top()-16, 2); len(w) != 2 {
		t.Error("words rejected the top two words")
	}
	for _, n := range []int{-1, MaxStackSize + 1} {
		if _, err := NewStack(n); err == nil {
			t.Errorf("NewStack(%d) succeeded", n)
		}
	}
	// The limit lies exactly the requested bytes below the top, whatever
	// their number, with at least the red zone below it.
	for _, n := range []int{1, 100, 4095, 4097, 100<<10 + 100} {
		s, err := NewStack(n)
		if err != nil {
			t.Fatalf("NewStack(%d): %v", n, err)
		}
		if s.Top()-s.Limit() != uintptr(n) || s.Limit()-s.Bottom() < abi.StackRedZone || s.Size()%4096 != 0 {
			t.Errorf("NewStack(%d): top %#x limit %#x bottom %#x", n, s.Top(), s.Limit(), s.Bottom())
		}
		s.Close()
	}
	if err := s.Close(); err != nil || s.Close() != nil {
		t.Fatal("close:", err)
	}
	if s.words(s.Top()-16, 2) != nil {
		t.Fatal("closed stack still hands out words")
	}
}
