//go:build linux

package pool

import (
	"fmt"
	"runtime"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/moat-run/moat/internal/vm"
	"github.com/moat-run/moat/internal/wasm"
)

// minorFaults is the calling thread's count of minor page faults.
func minorFaults(t *testing.T) int64 {
	var ru unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_THREAD, &ru); err != nil {
		t.Skip(err)
	}
	return ru.Minflt
}

// A memory that writes a few pages inside the kept-resident part of its
// slot, closed and made again in the same warm slot, finds those pages
// resident: after the first round, no page faults (but the Go runtime's
// own, a few at most), where a slot
// that gives every page back takes one per page written per round. Each
// round's memory reads zero where the last one wrote, and its image.
func TestSlotsKeepResidentFaults(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector's shadow pages fault too")
	}
	img, err := NewImage(Plan{Segments: []Segment{{8, []byte("image")}}, Size: 13}, 4096)
	if err != nil {
		t.Skip(err)
	}
	twoPages := wasm.MemoryType{Limits: wasm.Limits{Min: 2}}
	written := []int{0, 5000, 40000, 70000, 131071} // five 4 KiB pages
	for _, c := range []struct {
		explicit bool
		keep     uint64
		most     int64 // faults over the rounds after the first
	}{
		{false, 128 << 10, 0}, {true, 128 << 10, 0},
		{false, 0, 5 * 99}, {true, 0, 5 * 99},
	} {
		t.Run(fmt.Sprintf("explicit=%v,keep=%d", c.explicit, c.keep), func(t *testing.T) {
			p := oneSlot(t, c.explicit, c.keep)
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			var before int64
			for round := range 100 {
				if round == 1 {
					before = minorFaults(t)
				}
				m, err := p.NewMemory(&twoPages, 0, img, nil)
				if err != nil {
					t.Fatal(err)
				}
				if string(m.Bytes[8:13]) != "image" {
					t.Fatalf("round %d: the image is not there", round)
				}
				for _, off := range written {
					if m.Bytes[off] != 0 && off != 8 {
						t.Fatalf("round %d: byte %d holds the last round's write", round, off)
					}
					m.Bytes[off] = 0xa5
				}
				m.Free()
			}
			faults := minorFaults(t) - before
			if c.most == 0 && faults > 50 {
				// The Go runtime may take a few faults on this thread
				// (a collection, a stack growing): a tenth of a round's
				// pages is far below one per page written.
				t.Errorf("99 rounds took %d page faults, want none", faults)
			}
			if c.most > 0 && faults < c.most {
				t.Errorf("99 rounds giving every page back took %d page faults, want at least %d (is the count measuring?)", faults, c.most)
			}
			runtime.KeepAlive(img)
		})
	}
}

// A slot past the warm bound goes back to its pristine state: the pages
// kept resident by earlier memories go back to the kernel too, and the
// next memory reads zeros.
func TestSlotsColdReleasesResident(t *testing.T) {
	p, err := NewSlots(SlotConfig{Slots: 2, Layout: vm.Layout{Reserve: 1 << 20}, Accessible: true, MaxWarm: 1, KeepResident: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	twoPages := wasm.MemoryType{Limits: wasm.Limits{Min: 2}}
	a, _ := p.NewMemory(&twoPages, 0, nil, nil)
	b, err := p.NewMemory(&onePage, 0, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	ia, ib := slotOf(p, a), slotOf(p, b)
	a.Bytes[100000] = 1
	b.Bytes[100] = 1
	a.Free() // warm: reset in place, its pages kept
	if !resident(t, p.pages(ia, 98304, 102400))[0] {
		t.Error("a warm slot's written page is not kept resident")
	}
	// b's slot: a page written past b's length by an earlier memory, then
	// kept resident (clean), as a warm slot may hold it.
	p.pages(ib, 200000, 200001)[0] = 0
	p.state[ib].kept = 1 << 20
	b.Free() // cold
	if s := p.Stats(); s.Warm != 1 {
		t.Fatalf("%+v, want one warm slot", s)
	}
	for off, in := range resident(t, p.pages(ib, 0, 1<<20)) {
		if in {
			t.Fatalf("page %d of the cold slot is still resident", off)
		}
	}
	for range 2 {
		m, err := p.NewMemory(&twoPages, 0, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if m.Bytes[100] != 0 || m.Bytes[100000] != 0 {
			t.Fatal("a slot holds the last memory's bytes")
		}
		defer m.Free()
	}
}

// slotOf is the slot m's memory lies in.
func slotOf(p *Slots, m *vm.Memory) int32 {
	off := uint64(uintptr(unsafe.Pointer(&m.Bytes[0])) - uintptr(unsafe.Pointer(&p.mem[0])))
	return int32((off - p.cfg.Layout.GuardBefore) / p.stride)
}

// resident reports, page by page, whether b's pages are in memory.
func resident(t *testing.T, b []byte) []bool {
	vec := make([]byte, (len(b)+4095)/4096)
	// b and vec are live for the call.
	if _, _, e := unix.Syscall(unix.SYS_MINCORE, uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)), uintptr(unsafe.Pointer(&vec[0]))); e != 0 {
		t.Skip("mincore:", e)
	}
	in := make([]bool, len(vec))
	for i, v := range vec {
		in[i] = v&1 != 0
	}
	return in
}

// Pool-level attack on every reset path: a memory sprays its secret over
// all its bytes, grown pages included, and the next memory in the slot
// (its own module's, another with a smaller image, one without) reads
// exactly its image and zeros: with and without the page map, in both
// modes, for kept sizes that end before, inside and past the memories.
func TestSlotsResetAttack(t *testing.T) {
	big, err := NewImage(Plan{Segments: []Segment{{0, []byte("big-image")}, {70000, []byte("big-end")}}, Size: 70007}, 4096)
	if err != nil {
		t.Skip(err)
	}
	small, _ := NewImage(Plan{Segments: []Segment{{100, []byte("sm")}, {12000, []byte("all")}}, Size: 12003}, 4096)
	// huge is past HeadLimit, read through its view; headOnly too, but
	// without one (a copy reads its far pages from its file, and a reset
	// cannot restore them in place).
	hugePlan := Plan{Segments: []Segment{{0, []byte("huge")}, {300000, []byte("huge-end")}}, Size: 300008}
	huge, _ := NewImage(hugePlan, 4096)
	mapImageViews = false
	headOnly, _ := NewImage(hugePlan, 4096)
	mapImageViews = true
	if !huge.full || headOnly.full {
		t.Fatal("the large images are not what the test needs")
	}
	images := []*Image{big, small, huge, headOnly, nil}
	fivePages := wasm.MemoryType{Limits: wasm.Limits{Min: 5}}
	for _, pm := range []pageQuery{queryScan, queryRead, queryNone} {
		for _, explicit := range []bool{false, true} {
			for _, keep := range []uint64{0, 8 << 10, 64 << 10, 1 << 20} {
				// In explicit mode, images past the copy limit are mapped
				// while the pool's share of mappings lasts, then copied.
				for _, mapImages := range []bool{true, false} {
					if !explicit && !mapImages {
						continue
					}
					t.Run(fmt.Sprintf("query=%v,explicit=%v,keep=%d,map=%v", pm, explicit, keep, mapImages), func(t *testing.T) {
						pageQueryLimit = pm
						defer func() { pageQueryLimit = queryScan }()
						p := oneSlot(t, explicit, keep)
						if !mapImages {
							p.mapCap.Store(0)
						}
						// Every image after every other and after itself.
						var order []*Image
						for _, a := range images {
							for _, b := range images {
								order = append(order, a, b)
							}
						}
						for round, img := range order {
							m, err := p.NewMemory(&fivePages, 9, img, nil)
							if err != nil {
								t.Fatal(err)
							}
							want := make([]byte, len(m.Bytes))
							if img != nil {
								if _, err := unix.Pread(img.FD(), want[:img.Size()], 0); err != nil {
									t.Fatal(err)
								}
							}
							for i, b := range m.Bytes {
								if b != want[i] {
									t.Fatalf("round %d: byte %#x is %#x, want %#x", round, i, b, want[i])
								}
							}
							// Every byte, and then pages grown (their first and
							// last) for some rounds.
							for i := range m.Bytes {
								m.Bytes[i] = 0xa5
							}
							if round%2 == 0 {
								if _, ok := m.Grow(uint32(round%4 + 1)); !ok {
									t.Fatal("grow failed")
								}
								m.Bytes[5<<16] = 0x5a
								m.Bytes[len(m.Bytes)-1] = 0x5a
								// A memory that grew is written, whatever
								// its owner knows of calls.
								m.FreeUnwritten()
								continue
							}
							m.Free()
						}
						runtime.KeepAlive(images)
					})
				}
			}
		}
	}
}

// A memory freed as one nothing wrote (vm.Memory.FreeUnwritten, Written
// unset) costs its slot no reset at all: the pages stay as they are, so a
// byte written behind the owner's back (as no path of the embedder's can:
// each marks the memory written) is still there for the next memory, in
// both modes, with an image and without; one marked written is reset.
func TestSlotsUnwrittenSkipsReset(t *testing.T) {
	img, err := NewImage(Plan{Segments: []Segment{{100, []byte("image")}}, Size: 105}, 4096)
	if err != nil {
		t.Skip(err)
	}
	twoPages := wasm.MemoryType{Limits: wasm.Limits{Min: 2}}
	for _, explicit := range []bool{false, true} {
		for _, im := range []*Image{img, nil} {
			p := oneSlot(t, explicit, DefaultKeepResident)
			m, err := p.NewMemory(&twoPages, 0, im, nil)
			if err != nil {
				t.Fatal(err)
			}
			m.Bytes[70000] = 0xa5
			m.FreeUnwritten()
			m, _ = p.NewMemory(&twoPages, 0, im, nil)
			if m.Bytes[70000] != 0xa5 {
				t.Errorf("explicit=%v, image=%v: the slot was reset for a memory freed as unwritten", explicit, im != nil)
			}
			m.Written = true
			m.FreeUnwritten()
			m, _ = p.NewMemory(&twoPages, 0, im, nil)
			if m.Bytes[70000] != 0 {
				t.Errorf("explicit=%v, image=%v: a memory marked written was not reset", explicit, im != nil)
			}
			m.Free()
		}
	}
	runtime.KeepAlive(img)
}

// The reset keeps written pages wherever they lie in the memory (a Go or
// Rust guest's stack near its first MiB), not only in a window at its
// start, and leaves pages that were only read (the kernel's zero page)
// alone: after a memory of 16 WebAssembly pages reads every other 4 KiB
// page and writes a few far apart, the written pages stay resident and
// read zero again, in both modes and with each page query; with a budget
// smaller than the pages written, the ones past it go back to the kernel.
func TestSlotsResetFindsFarPages(t *testing.T) {
	written := []int{5000, 300000, 700000, 1<<20 - 8}
	sixteen := wasm.MemoryType{Limits: wasm.Limits{Min: 16}}
	for _, q := range []pageQuery{queryScan, queryRead, queryNone} {
		if q > probedQuery() {
			t.Logf("this kernel answers page query %d at most, not %d", probedQuery(), q)
			continue
		}
		for _, explicit := range []bool{false, true} {
			// The default keeps 128 KiB: the page map's window (256 KiB)
			// misses the pages written past it, the scan finds them.
			for _, keep := range []uint64{1 << 20, DefaultKeepResident, 8 << 10} {
				t.Run(fmt.Sprintf("query=%v,explicit=%v,keep=%d", q, explicit, keep), func(t *testing.T) {
					pageQueryLimit = q
					defer func() { pageQueryLimit = queryScan }()
					p := oneSlot(t, explicit, keep)
					for round := range 3 {
						m, err := p.NewMemory(&sixteen, 16, nil, nil)
						if err != nil {
							t.Fatal(err)
						}
						var acc byte
						for off := 0; off < len(m.Bytes); off += 8192 {
							acc |= m.Bytes[off]
						}
						for _, off := range written {
							acc |= m.Bytes[off]
						}
						if acc != 0 {
							t.Fatalf("round %d: the memory holds the last round's bytes", round)
						}
						for _, off := range written {
							m.Bytes[off] = 0xa5
						}
						i := slotOf(p, m)
						m.Free()
						in := resident(t, p.pages(i, 0, 1<<20))
						kept := 0
						for _, off := range written {
							if in[off/4096] {
								kept++
							}
						}
						switch {
						case q == queryScan && keep >= DefaultKeepResident && kept != len(written):
							t.Fatalf("round %d: %d of the %d written pages kept resident, want all", round, kept, len(written))
						case q == queryScan && keep == 8<<10 && kept != 2:
							// Pages only read are not counted: the first
							// two written pages are kept, the rest given back.
							t.Fatalf("round %d: %d written pages kept resident, want the budget's 2", round, kept)
						case kept > int(keep/4096):
							t.Fatalf("round %d: %d written pages kept resident, past the budget", round, kept)
						}
					}
				})
			}
		}
	}
}

// A large image (past HeadLimit: a Go guest's data) is read through its
// view, so the reset restores its written pages in place wherever they
// lie, as it does a small image's, and keeps the pages after them
// resident too (a Go guest's heap, past its data).
func TestSlotsResetKeepsLargeImagePages(t *testing.T) {
	img, err := NewImage(Plan{Segments: []Segment{{0, []byte("go-data")}, {500000, []byte("far-data")}}, Size: 500008}, 4096)
	if err != nil {
		t.Skip(err)
	}
	sixteen := wasm.MemoryType{Limits: wasm.Limits{Min: 16}}
	written := []int{400000, 500002, 700000}
	for _, explicit := range []bool{false, true} {
		p := oneSlot(t, explicit, DefaultKeepResident)
		for round := range 3 {
			m, err := p.NewMemory(&sixteen, 16, img, nil)
			if err != nil {
				t.Fatal(err)
			}
			if string(m.Bytes[:7]) != "go-data" || string(m.Bytes[500000:500008]) != "far-data" || m.Bytes[400000] != 0 || m.Bytes[700000] != 0 {
				t.Fatalf("explicit=%v, round %d: the memory is not the image and zeros", explicit, round)
			}
			for _, off := range written {
				m.Bytes[off] = 0xa5
			}
			i := slotOf(p, m)
			m.Free()
			in := resident(t, p.pages(i, 0, 1<<20))
			for _, off := range written {
				if probedQuery() == queryScan && !in[off/4096] {
					t.Errorf("explicit=%v, round %d: the written page at %d was given back", explicit, round, off)
				}
			}
		}
	}
	runtime.KeepAlive(img)
}

// oneSlot is a pool of one 1 MiB slot that keeps keep bytes resident, with
// guard regions around it unless explicit.
func oneSlot(t *testing.T, explicit bool, keep uint64) *Slots {
	t.Helper()
	l := vm.Layout{Reserve: 1 << 20}
	if !explicit {
		l = vm.Layout{GuardBefore: 1 << 16, Reserve: 1 << 20, GuardAfter: 1 << 16}
	}
	p, err := NewSlots(SlotConfig{Slots: 1, Layout: l, Accessible: explicit, MaxWarm: 1, KeepResident: keep})
	if err != nil {
		t.Fatal(err)
	}
	return p
}
