//go:build linux

package pool

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/moat-run/moat/internal/vm"
	"github.com/moat-run/moat/internal/wasm"
)

// The attacker's side of the batched reset: memories that write every
// byte, or a few pages, of their slots (and grow, and read pages they
// never wrote), freed in any order while others stay live in the slots
// between them, in a pool large enough that slots wait for their reset
// and are reset together. Every memory a slot is taken for reads exactly
// its image and zeros, never a byte of an earlier tenant's, and a memory
// live while its neighbours are reset keeps every byte it wrote. Both
// modes; images copied, mapped, mapped without their head kept (a reset
// cannot restore its pages in place: the batch gives them back), none.
func TestSlotsBatchResetAttack(t *testing.T) {
	if probedQuery() != queryScan {
		t.Skip("this kernel has no PAGEMAP_SCAN: slots are reset one by one")
	}
	small, err := NewImage(Plan{Segments: []Segment{{100, []byte("sm")}, {12000, []byte("all")}}, Size: 12003}, 4096)
	if err != nil {
		t.Skip(err)
	}
	bigPlan := Plan{Segments: []Segment{{0, []byte("big")}, {200000, []byte("big-end")}}, Size: 200007}
	big, _ := NewImage(bigPlan, 4096)
	mapImageViews = false
	headOnly, _ := NewImage(bigPlan, 4096)
	mapImageViews = true
	images := []*Image{nil, small, big, headOnly}
	fourPages := wasm.MemoryType{Limits: wasm.Limits{Min: 4}}
	const slots = 24
	for _, explicit := range []bool{false, true} {
		for _, mapImages := range []bool{true, false} {
			t.Run(fmt.Sprintf("explicit=%v,map=%v", explicit, mapImages), func(t *testing.T) {
				l := vm.Layout{Reserve: 1 << 20}
				if !explicit {
					l = vm.Layout{GuardBefore: 1 << 16, Reserve: 1 << 20, GuardAfter: 1 << 16}
				}
				p, err := NewSlots(SlotConfig{Slots: slots, Layout: l, Accessible: explicit, MaxWarm: slots, KeepResident: 1 << 20})
				if err != nil {
					t.Fatal(err)
				}
				if p.queue.batch != min(ResetBatch, slots/2) {
					t.Fatalf("a pool of %d slots resets %d at once, want %d", slots, p.queue.batch, min(ResetBatch, slots/2))
				}
				if !mapImages {
					p.mapCap.Store(0)
				}
				rng := rand.New(rand.NewPCG(1, 2))
				type tenant struct {
					m    *vm.Memory
					img  *Image
					mark byte
				}
				var live []tenant
				check := func(round int, tn tenant, fresh bool) {
					t.Helper()
					want := make([]byte, len(tn.m.Bytes))
					if tn.img != nil {
						if _, err := unix.Pread(tn.img.FD(), want[:tn.img.Size()], 0); err != nil {
							t.Fatal(err)
						}
					}
					if !fresh {
						for i := range want {
							if i%4096 != 1 {
								want[i] = tn.mark // every byte but one a page was written
							}
						}
					}
					if bytes.Equal(tn.m.Bytes, want) {
						return
					}
					for i, b := range tn.m.Bytes {
						if b != want[i] {
							t.Fatalf("round %d, slot %d (fresh %v): byte %#x is %#x, want %#x", round, slotOf(p, tn.m), fresh, i, b, want[i])
						}
					}
				}
				mark := byte(0)
				for round := range 60 {
					// Take memories up to a random number live, then free
					// a random part of them in a random order.
					for n := 4 + rng.IntN(slots-4); len(live) < n; {
						img := images[rng.IntN(len(images))]
						m, err := p.NewMemory(&fourPages, 8, img, nil)
						if err != nil {
							t.Fatal(err)
						}
						tn := tenant{m: m, img: img}
						check(round, tn, true)
						if mark++; mark == 0 {
							mark = 1
						}
						tn.mark = mark
						if rng.IntN(3) == 0 {
							if _, ok := m.Grow(uint32(1 + rng.IntN(4))); !ok {
								t.Fatal("grow failed")
							}
						}
						for i := range m.Bytes {
							if i%4096 != 1 {
								m.Bytes[i] = mark
							} else {
								_ = m.Bytes[i] // read only: the kernel's zero page or the image
							}
						}
						live = append(live, tn)
					}
					rng.Shuffle(len(live), func(a, b int) { live[a], live[b] = live[b], live[a] })
					free := rng.IntN(len(live) + 1)
					for _, tn := range live[:free] {
						check(round, tn, false)
						tn.m.Free()
					}
					live = append(live[:0], live[free:]...)
					// The memories still live kept their bytes while their
					// neighbours were reset.
					for _, tn := range live {
						check(round, tn, false)
					}
				}
				for _, tn := range live {
					tn.m.Free()
				}
				if s := p.Stats(); s.InUse != 0 {
					t.Errorf("%+v, want none in use", s)
				}
				runtime.KeepAlive(images)
			})
		}
	}
}

// Slots given back wait for their reset in a pool with room: a batch of
// them is reset at once, and a taker that finds no other free slot resets
// the ones waiting. Every slot is then taken again, each reading zeros.
func TestSlotsBatchResetQueue(t *testing.T) {
	if probedQuery() != queryScan {
		t.Skip("this kernel has no PAGEMAP_SCAN: slots are reset one by one")
	}
	const slots = 8 // a batch of 4
	p, err := NewSlots(SlotConfig{Slots: slots, Layout: vm.Layout{Reserve: 1 << 20}, Accessible: true, MaxWarm: slots, KeepResident: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	b := p.queue.batch
	if b != slots/2 {
		t.Fatalf("batch %d, want %d", b, slots/2)
	}
	var ms []*vm.Memory
	for range slots {
		m, err := p.NewMemory(&onePage, 0, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		m.Bytes[1000], m.Bytes[50000] = 7, 7
		ms = append(ms, m)
	}
	queued := func() int { p.queue.mu.Lock(); defer p.queue.mu.Unlock(); return len(p.queue.pending) }
	for k, m := range ms[:b-1] {
		m.Free()
		if q := queued(); q != k+1 {
			t.Fatalf("%d slots given back, %d waiting, want %d", k+1, q, k+1)
		}
	}
	ms[b-1].Free()
	if q := queued(); q != 0 {
		t.Fatalf("a batch given back, %d still waiting", q)
	}
	for _, m := range ms[b:] {
		m.Free()
	}
	if s := p.Stats(); s.InUse != 0 || s.Warm != slots {
		t.Errorf("%+v, want none in use and every slot warm", s)
	}
	// Every slot again: the last ones waiting are reset by a taker that
	// finds no other.
	for range slots {
		m, err := p.NewMemory(&onePage, 0, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if m.Bytes[1000] != 0 || m.Bytes[50000] != 0 {
			t.Fatalf("slot %d holds its last tenant's bytes", slotOf(p, m))
		}
		defer m.Free()
	}
}

// A batch whose slots lie far apart is scanned in parts (batchGap), each
// part's slots reset, and the slots in use between them untouched.
func TestSlotsBatchResetFarApart(t *testing.T) {
	if probedQuery() != queryScan {
		t.Skip("this kernel has no PAGEMAP_SCAN: slots are reset one by one")
	}
	const slots = 48 // a batch of 16
	p, err := NewSlots(SlotConfig{Slots: slots, Layout: vm.Layout{Reserve: 1 << 20}, Accessible: true, MaxWarm: slots, KeepResident: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	bySlot := map[int32]*vm.Memory{}
	for range slots {
		m, err := p.NewMemory(&onePage, 0, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		i := slotOf(p, m)
		m.Bytes[100], m.Bytes[60000] = byte(i+1), byte(i+1)
		bySlot[i] = m
	}
	// Three groups, far apart, and single slots between.
	freed := []int32{0, 1, 2, 3, 15, 28, 29, 30, 31, 32, 33, 34, 35, 36, 47, 46}
	if len(freed) != p.queue.batch {
		t.Fatalf("%d slots freed, batch %d", len(freed), p.queue.batch)
	}
	for _, i := range freed {
		bySlot[i].Free()
		delete(bySlot, i)
	}
	if s := p.Stats(); s.InUse != slots-len(freed) {
		t.Fatalf("%+v, want %d in use", s, slots-len(freed))
	}
	for i, m := range bySlot {
		if m.Bytes[100] != byte(i+1) || m.Bytes[60000] != byte(i+1) {
			t.Fatalf("slot %d, in use, lost its bytes to its neighbours' reset", i)
		}
	}
	for range freed {
		m, err := p.NewMemory(&onePage, 0, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if m.Bytes[100] != 0 || m.Bytes[60000] != 0 {
			t.Fatalf("slot %d holds its last tenant's bytes", slotOf(p, m))
		}
		defer m.Free()
	}
	for _, m := range bySlot {
		defer m.Free()
	}
}
