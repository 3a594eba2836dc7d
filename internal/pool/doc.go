// Package pool holds what makes instantiation cheap at scale: copy-on-write
// memory images, pools of memory slots and the native stacks lent to
// running calls. It stands between the validated module (internal/wasm)
// and the runtime (internal/vm): engines ask it, once per module, whether
// and how a memory's initial contents can be built ahead of time.
//
// # Memory images
//
// PlanImage decides whether a defined memory's active data segments can be
// applied before instantiation rather than one by one during it (the spec
// applies them after the element segments, so they may be applied early
// only when nothing before them can trap). NewImage writes them, in order,
// into a sealed memfd, and every instance's memory maps it private at byte
// 0 (vm.NewNativeMemory with a vm.ImageFile):
//
//	reservation: [guard][ image pages (memfd, MAP_PRIVATE) | zero pages ... length ][ reserve (none) ][guard]
//	                     ^ byte 0: read+write, copy-on-write   ^ anonymous
//
// Pages an instance never writes are the memfd's (one copy in the page
// cache for every instance); a write copies one page for that instance
// only; the seals (write, grow, shrink) make sure the file itself never
// changes. Instantiating costs one mmap, whatever the size of the data.
//
// # Slots
//
// Slots (Wasmtime's pooling allocator) reserves, once per engine, address
// space for a fixed number of memories, back to back in one mapping; each
// slot's guard before is the previous slot's guard after:
//
//	guard-page mode (each slot registered with the signal handler):
//	[guard][slot 0: image | rw ... length | none ... Reserve][guard][slot 1 ...] ... [guard]
//	explicit mode (one read+write mapping, checks keep code below the length):
//	[slot 0: image or copied data | rw ... MaxMemorySize][slot 1 ...] ...
//
// A pool made with SlotConfig.ContextBytes gives each slot a context
// region too, in one more mapping for all slots (read+write, committed by
// the kernel as it is first touched), so that the pool is two mappings
// whatever the number of slots:
//
//	contexts: [slot 0's region][slot 1's region] ... [slot N-1's region]
//	          ^ ContextBytes rounded up to 64: the compiler's native context
//	            (execution context and descriptor room) of the instance
//	            whose memory 0 takes the slot, outside the Go heap
//
// A region is its slot's holder's until the slot is given back, which
// zeroes it (a bounded clear, whatever the slot's memory held), so that
// the next tenant finds nothing of the last one's context
// (vm.Memory.SlotContext).
//
// NewCheckedSlots makes an explicit-mode pool for the interpreter, which
// checks every access against the memory's length itself: its memories
// take slots, images and warm slots exactly as compiled ones do.
//
// Free slots are PROT_NONE (guard-page mode) or untouched read+write pages
// (explicit mode), so the kernel merges them: the number of mappings does
// not grow with the number of slots, and in explicit mode not with the
// number of memories in use either (there, images of up to CopyLimit bytes
// are copied in rather than mapped). A memory that is done with its slot
// gives it back at once (vm.Memory.Free, at Instance.Close or Store.Close);
// the slot is reset with madvise(MADV_DONTNEED) — mapped image pages return
// to the image, the rest to zero — and kept warm (image and protection in
// place, for the next instance of the same module) up to MaxWarm slots,
// beyond which it is re-mapped to its pristine state. A memory dropped
// without being freed gives its slot back through a cleanup, counted in
// Stats.Leaked.
//
// A memory is made in its owner's vm.MemoryRoom when one is given: the
// embedder's instance state, recycled from one instance to the next,
// keeps the memory and its reservation record, so that taking a slot
// allocates nothing; the owner pays for one cleanup in its life
// (vm.AddSlotCleanup), which gives back the slot of a memory still in
// the room, counted as leaked, once the owner is dropped.
//
// # Stacks
//
// Stacks lends native stacks to calls: the outermost call into a store
// borrows one and gives it back when it returns, so an idle instance holds
// no stack and the process holds as many as it runs calls at once, plus a
// few idle ones.
package pool
