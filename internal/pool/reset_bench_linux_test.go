//go:build linux

package pool

import (
	"fmt"
	"testing"
	"unsafe"

	"github.com/moat-run/moat/internal/vm"
	"github.com/moat-run/moat/internal/wasm"
)

// BenchmarkSlotCycle makes a two-page memory with a one-page image in a
// warm slot, writes three of its pages (or none) and frees it: the reset
// giving every page back (keep 0) against keeping them resident. A memory
// that writes nothing is freed as its owner frees one it knows nothing
// wrote (vm.Memory.FreeUnwritten: no reset) or as any other (touch=none).
func BenchmarkSlotCycle(b *testing.B) {
	img, err := NewImage(Plan{Segments: []Segment{{1024, []byte("image")}}, Size: 1029}, 4096)
	if err != nil {
		b.Skip(err)
	}
	twoPages := wasm.MemoryType{Limits: wasm.Limits{Min: 2}}
	for _, explicit := range []bool{false, true} {
		for _, touch := range []string{"unwritten", "none", "three"} {
			for _, keep := range []uint64{0, DefaultKeepResident} {
				b.Run(fmt.Sprintf("explicit=%v/touch=%s/keep=%d", explicit, touch, keep), func(b *testing.B) {
					l := vm.Layout{Reserve: 1 << 20}
					if !explicit {
						l = vm.Layout{GuardBefore: 1 << 16, Reserve: 1 << 20, GuardAfter: 1 << 16}
					}
					p, err := NewSlots(SlotConfig{Slots: 16, Layout: l, Accessible: explicit, MaxWarm: 16, KeepResident: keep})
					if err != nil {
						b.Fatal(err)
					}
					type owner struct{ room vm.MemoryRoom }
					o := &owner{}
					vm.AddSlotCleanup(o, &o.room)
					for b.Loop() {
						o.room.Empty()
						m, err := p.NewMemory(&twoPages, 0, img, &o.room)
						if err != nil {
							b.Fatal(err)
						}
						switch touch {
						case "unwritten":
							m.FreeUnwritten()
							continue
						case "three":
							m.Bytes[2000] = 1
							m.Bytes[60000] = 1
							m.Bytes[100000] = 1
						}
						m.Free()
					}
				})
			}
		}
	}
}

// BenchmarkPageQuery is what a reset pays to learn which pages of a
// memory were written, by length looked at, two pages written: the
// page map's PAGEMAP_SCAN against reading its words (a word per page).
func BenchmarkPageQuery(b *testing.B) {
	const size = 64 << 20
	p, err := NewSlots(SlotConfig{Slots: 1, Layout: vm.Layout{Reserve: size}, Accessible: true, MaxWarm: 1})
	if err != nil {
		b.Fatal(err)
	}
	mem := p.pages(0, 0, size)
	mem[5000], mem[70000] = 1, 1
	base := uint64(uintptr(unsafe.Pointer(&mem[0])))
	for _, length := range []uint64{64 << 10, 256 << 10, 4 << 20, 64 << 20} {
		b.Run(fmt.Sprintf("scan/%dKiB", length>>10), func(b *testing.B) {
			if probedQuery() < queryScan {
				b.Skip("no PAGEMAP_SCAN here")
			}
			s := new(pageScanner)
			for b.Loop() {
				if runs, _, err := s.scan(base, base+length, 0); err != nil || len(runs) == 0 {
					b.Fatal(runs, err)
				}
			}
		})
		b.Run(fmt.Sprintf("read/%dKiB", length>>10), func(b *testing.B) {
			var words [pageWords]uint64
			for b.Loop() {
				for from := uint64(0); from < length; from += pageWords * p.page {
					if !pageEntries(mem[from:min(length, from+pageWords*p.page)], p.page, &words) {
						b.Fatal("no page map")
					}
				}
			}
		})
	}
}
