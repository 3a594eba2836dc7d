//go:build linux

package pool

import (
	"fmt"
	"testing"

	"github.com/moat-run/moat/internal/vm"
	"github.com/moat-run/moat/internal/wasm"
)

// BenchmarkSlotCycle makes a two-page memory with a one-page image in a
// warm slot, writes three of its pages (or none) and frees it: the reset
// giving every page back (keep 0) against keeping them resident.
func BenchmarkSlotCycle(b *testing.B) {
	img, err := NewImage(Plan{Segments: []Segment{{1024, []byte("image")}}, Size: 1029}, 4096)
	if err != nil {
		b.Skip(err)
	}
	twoPages := wasm.MemoryType{Limits: wasm.Limits{Min: 2}}
	for _, explicit := range []bool{false, true} {
		for _, touch := range []bool{false, true} {
			for _, keep := range []uint64{0, DefaultKeepResident} {
				b.Run(fmt.Sprintf("explicit=%v/touch=%v/keep=%d", explicit, touch, keep), func(b *testing.B) {
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
						m, err := p.NewMemory(twoPages, 0, img, &o.room)
						if err != nil {
							b.Fatal(err)
						}
						if touch {
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
