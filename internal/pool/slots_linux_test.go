//go:build linux

package pool

import (
	"bytes"
	"flag"
	"os"
	"runtime"
	"sync"
	"testing"
	"time"
	"unsafe"

	"github.com/moat-run/moat/internal/vm"
	"github.com/moat-run/moat/internal/wasm"
)

func countMappings(t *testing.T) int {
	b, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		t.Skip("no /proc/self/maps")
	}
	return bytes.Count(b, []byte("\n"))
}

var onePage = wasm.MemoryType{Limits: wasm.Limits{Min: 1}}

// In explicit mode the pool is one mapping however many memories are in
// use, images of up to CopyLimit bytes included.
func TestSlotsOneMapping(t *testing.T) {
	img, err := NewImage(Plan{Segments: []Segment{{0, []byte("hi")}}, Size: 2}, 4096)
	if err != nil {
		t.Skip(err)
	}
	p, err := NewSlots(SlotConfig{Slots: 500, Layout: vm.Layout{Reserve: 1 << 20}, Accessible: true, MaxWarm: 10})
	if err != nil {
		t.Fatal(err)
	}
	before := countMappings(t)
	var mems []*vm.Memory
	for range 500 {
		m, err := p.NewMemory(&onePage, 0, img, nil)
		if err != nil {
			t.Fatal(err)
		}
		if string(m.Bytes[:2]) != "hi" {
			t.Fatal("image not copied in")
		}
		m.Bytes[100] = 1 // touch
		mems = append(mems, m)
	}
	if after := countMappings(t); after > before+4 {
		t.Errorf("500 memories took %d mappings more", after-before)
	}
	if _, err := p.NewMemory(&onePage, 0, img, nil); err == nil {
		t.Error("a 501st memory in 500 slots")
	}
	for _, m := range mems {
		m.Free()
	}
	if s := p.Stats(); s.InUse != 0 || s.Warm != 10 || s.Leaked != 0 {
		t.Errorf("after freeing all: %+v, want none in use and 10 warm", s)
	}
	runtime.KeepAlive(img)
}

// A memory dropped without Free gives its slot back through the cleanup,
// counted as leaked, with its pages reset.
func TestSlotsLeakReclaimed(t *testing.T) {
	p, err := NewSlots(SlotConfig{Slots: 1, Layout: vm.Layout{Reserve: 1 << 20}, Accessible: true, MaxWarm: 1})
	if err != nil {
		t.Fatal(err)
	}
	func() {
		m, err := p.NewMemory(&onePage, 0, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		m.Bytes[7] = 42
	}()
	checkReclaimed(t, p, "the dropped memory")
}

// A memory made in its owner's room (vm.MemoryRoom) reuses the room's
// memory and reservation from one slot to the next, allocating nothing;
// once the owner is dropped with a memory still in its room, the owner's
// cleanup gives the slot back, counted as leaked, with its pages reset.
func TestSlotsRoom(t *testing.T) {
	p, err := NewSlots(SlotConfig{Slots: 1, Layout: vm.Layout{Reserve: 1 << 20}, Accessible: true, MaxWarm: 1})
	if err != nil {
		t.Fatal(err)
	}
	type owner struct{ room vm.MemoryRoom }
	o := &owner{}
	vm.AddSlotCleanup(o, &o.room)
	first, err := p.NewMemory(&onePage, 0, nil, &o.room)
	if err != nil {
		t.Fatal(err)
	}
	if o.room.Empty() {
		t.Fatal("a room whose memory holds its slot reports empty")
	}
	first.Free()
	allocs := testing.AllocsPerRun(100, func() {
		if !o.room.Empty() {
			t.Fatal("a freed room is not empty")
		}
		m, err := p.NewMemory(&onePage, 0, nil, &o.room)
		if err != nil || m != first {
			t.Fatalf("%p, %v: not made in the room (%p)", m, err, first)
		}
		m.Free()
	})
	if allocs != 0 && !raceEnabled {
		t.Errorf("a memory in a room allocates %v times", allocs)
	}

	func() {
		o := &owner{}
		vm.AddSlotCleanup(o, &o.room)
		m, err := p.NewMemory(&onePage, 0, nil, &o.room)
		if err != nil {
			t.Fatal(err)
		}
		m.Bytes[7] = 42
	}()
	checkReclaimed(t, p, "the dropped owner")
	runtime.KeepAlive(o)
}

// checkReclaimed waits (running the collector) until p's cleanup has taken
// back the slot of what was dropped, and checks that the slot, handed out
// again, comes back reset (the dropped memory wrote 42 at offset 7).
// A room's memory uses its slot's reservation record, which the slot's
// next holder uses in turn: a room's owner dropped once its memory was
// freed and its slot taken again (by another room's memory) never gives
// that slot back from under its new holder, and the new holder's own
// cleanup still reclaims it once its owner is dropped in turn.
func TestSlotsRoomRecordOutlivesFreedOwner(t *testing.T) {
	p, err := NewSlots(SlotConfig{Slots: 1, Layout: vm.Layout{Reserve: 1 << 20}, Accessible: true, MaxWarm: 1})
	if err != nil {
		t.Fatal(err)
	}
	type owner struct{ room vm.MemoryRoom }
	func() {
		first := &owner{}
		vm.AddSlotCleanup(first, &first.room)
		m, err := p.NewMemory(&onePage, 0, nil, &first.room)
		if err != nil {
			t.Fatal(err)
		}
		m.Free()
	}()
	next := &owner{}
	vm.AddSlotCleanup(next, &next.room)
	m, err := p.NewMemory(&onePage, 0, nil, &next.room)
	if err != nil {
		t.Fatal(err)
	}
	m.Bytes[7] = 42
	for range 5 { // the first owner's cleanup runs
		runtime.GC()
		time.Sleep(time.Millisecond)
	}
	if s := p.Stats(); s.InUse != 1 || s.Leaked != 0 {
		t.Fatalf("after the first owner was dropped: %+v, want the slot still in use, none leaked", s)
	}
	if _, err := p.NewMemory(&onePage, 0, nil, nil); err == nil {
		t.Fatal("the slot was lent while its holder lives")
	}
	if m.Bytes[7] != 42 || next.room.Empty() {
		t.Fatal("the holder lost its memory")
	}
	runtime.KeepAlive(next)
	next = nil
	checkReclaimed(t, p, "the second owner")
}

func checkReclaimed(t *testing.T, p *Slots, what string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); p.Stats().Leaked == 0; {
		if time.Now().After(deadline) {
			t.Fatalf("%s's slot never came back", what)
		}
		runtime.GC()
		time.Sleep(time.Millisecond)
	}
	m, err := p.NewMemory(&onePage, 0, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if m.Bytes[7] != 0 {
		t.Error("the reclaimed slot was not reset")
	}
	m.Free()
}

// As many goroutines as slots take and give back memories at once: none
// is refused (a slot on its way back counts as free), no slot is lent
// twice at once (each holder finds its own mark still there), and the
// counts come back to none in use and the warm bound.
func TestSlotsConcurrent(t *testing.T) {
	const slots, rounds = 8, 300
	p, err := NewSlots(SlotConfig{Slots: slots, Layout: vm.Layout{Reserve: 1 << 20}, Accessible: true, MaxWarm: 3, KeepResident: 64 << 10})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for w := range slots {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range rounds {
				m, err := p.NewMemory(&onePage, 0, nil, nil)
				if err != nil {
					t.Error(err)
					return
				}
				if m.Bytes[8] != 0 {
					t.Errorf("a fresh memory holds %d", m.Bytes[8])
				}
				m.Bytes[8] = byte(w + 1)
				m.Bytes[9000] = byte(r)
				runtime.Gosched()
				if m.Bytes[8] != byte(w+1) {
					t.Errorf("goroutine %d's slot was lent to another (mark %d)", w, m.Bytes[8])
				}
				m.Free()
			}
		}()
	}
	wg.Wait()
	if s := p.Stats(); s.InUse != 0 || s.Warm != 3 {
		t.Errorf("%+v, want none in use and 3 warm", s)
	}
	if _, err := p.NewMemory(&onePage, 0, nil, nil); err != nil {
		t.Error(err)
	}
}

// Each slot's context region is its own (64-byte aligned, no two
// overlapping), all of them in one mapping, and a slot given back has its
// region zeroed before anyone takes it again: the next tenant sees
// nothing of the last one's context.
func TestSlotContexts(t *testing.T) {
	const n = 300
	before := countMappings(t)
	p, err := NewSlots(SlotConfig{Slots: n, Layout: vm.Layout{Reserve: 1 << 20}, Accessible: true, MaxWarm: 10, ContextBytes: 100})
	if err != nil {
		t.Fatal(err)
	}
	if after := countMappings(t); after > before+2 {
		t.Errorf("a pool with context regions took %d mappings", after-before)
	}
	seen := map[uintptr]bool{}
	var mems []*vm.Memory
	for range n {
		m, err := p.NewMemory(&onePage, 0, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		r := m.SlotContext()
		if len(r) != 128 || cap(r) != 128 {
			t.Fatalf("context region of %d bytes (cap %d), want 128", len(r), cap(r))
		}
		addr := uintptr(unsafe.Pointer(&r[0]))
		if addr%64 != 0 || seen[addr] {
			t.Fatalf("context region at %#x: misaligned or another slot's", addr)
		}
		seen[addr] = true
		for i := range r {
			if r[i] != 0 {
				t.Fatal("a fresh slot's context region is not zero")
			}
			r[i] = 0xa5
		}
		mems = append(mems, m)
	}
	for _, m := range mems {
		m.Free()
	}
	for range n {
		m, err := p.NewMemory(&onePage, 0, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if r := m.SlotContext(); !bytes.Equal(r, make([]byte, len(r))) {
			t.Fatal("a slot given back kept its last tenant's context region")
		}
		defer m.Free()
	}
	if p2, err := NewSlots(SlotConfig{Slots: 2, Layout: vm.Layout{Reserve: 1 << 20}, Accessible: true}); err != nil {
		t.Fatal(err)
	} else if m, err := p2.NewMemory(&onePage, 0, nil, nil); err != nil || m.SlotContext() != nil {
		t.Fatalf("a pool without context regions lends one: %v", err)
	}
}

var (
	largeImageSlots  = flag.Int("pool.slots", 34_000, "TestSlotsLargeImagesFlatMappings: memories made at once")
	largeImageLimits = flag.Bool("pool.default-limits", false, "TestSlotsLargeImagesFlatMappings: the default mapping limits, not 400 mappings left")
)

// In explicit mode an image past the copy limit is mapped into its slot
// while the pool's share of the process's mappings lasts (two mappings an
// image), then copied: memories with a large image go past the 32,750 at
// which mapping every image would reach vm.max_map_count, with the
// mappings bounded whatever their number, and each reads its image. Here
// the pool's limits leave 400 mappings, a quarter of which go to images
// (50 mapped), and the memories outlive one another; -pool.slots=100000
// measures 100,000, and -pool.default-limits with the process's limits.
func TestSlotsLargeImagesFlatMappings(t *testing.T) {
	if testing.Short() {
		t.Skip("makes tens of thousands of memories")
	}
	img, err := NewImage(Plan{Segments: []Segment{{140000, []byte("far")}}, Size: 140003}, 4096)
	if err != nil {
		t.Skip(err)
	}
	n := *largeImageSlots
	limits := vm.Limits{Mappings: vm.SpaceInUse().Mappings + 1 + 4*imageMappings*50}
	if *largeImageLimits {
		limits = vm.Limits{}
	}
	p, err := NewSlots(SlotConfig{Slots: n, Layout: vm.Layout{Reserve: 256 << 10, Limits: limits}, Accessible: true, MaxWarm: 10,
		KeepResident: DefaultKeepResident})
	if err != nil {
		t.Fatal(err)
	}
	before := countMappings(t)
	mems := make([]*vm.Memory, 0, n)
	defer func() {
		for _, m := range mems {
			m.Free()
		}
	}()
	threePages := wasm.MemoryType{Limits: wasm.Limits{Min: 3}}
	for range n {
		m, err := p.NewMemory(&threePages, 0, img, nil)
		if err != nil {
			t.Fatalf("memory %d: %v", len(mems), err)
		}
		if string(m.Bytes[140000:140003]) != "far" || m.Bytes[0] != 0 {
			t.Fatalf("memory %d does not hold its image", len(mems))
		}
		mems = append(mems, m)
	}
	after := countMappings(t)
	t.Logf("%d memories with a %d-byte image: %d images mapped, mappings %d -> %d", n, img.Size(), p.mapped.Load(), before, after)
	if most := 2*imageMappings*50 + 4; !*largeImageLimits && after-before > most {
		t.Errorf("%d memories took %d mappings more, want at most %d", n, after-before, most)
	}
	runtime.KeepAlive(img)
}
