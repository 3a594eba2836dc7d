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
// the kernel as it is first touched), so that the regions add one mapping
// whatever the number of slots:
//
//	contexts: [slot 0's region][slot 1's region] ... [slot N-1's region]
//	          ^ ContextBytes rounded up to 64: the compiler's native context
//	            (execution context and descriptor room) of the instance
//	            whose memory 0 takes the slot, then its descriptor block
//	            when small enough, outside the Go heap
//
// A region is its slot's holder's until the slot is given back, which
// zeroes it when the holder asked for it (a bounded clear, whatever the
// slot's memory held), so that the next tenant finds nothing of the last
// one's context (vm.Memory.SlotContext); a region nobody asked for is
// never touched, so its pages are never committed. A holder whose code
// may still be called through the region after its memory goes back (a
// closed instance's descriptors, which its store's other instances hold)
// detaches it first (Slots.DetachContext): the slot goes back without it,
// its next holders get no region, and the region goes back zeroed when
// the holder releases it (Slots.ReleaseContext).
//
// NewCheckedSlots makes an explicit-mode pool for the interpreter, which
// checks every access against the memory's length itself: its memories
// take slots, images and warm slots exactly as compiled ones do.
//
// Free slots are PROT_NONE (guard-page mode) or untouched read+write pages
// (explicit mode), so the kernel merges them: the number of mappings does
// not grow with the number of slots, and in explicit mode not with the
// number of memories in use either: there, an image of up to CopyLimit
// bytes, or up to the bytes kept resident, is copied in rather than mapped
// (each image mapped into a slot would split the pool's mapping in three:
// at vm.max_map_count 65,530, mapped images stop at 32,750 slots where
// copied ones fill 100,000 with the pool still one mapping). A larger
// image is mapped while the pool's images hold at most a quarter of the
// mappings left when the pool was made (each charged against the
// process's mappings, vm.ReserveSpace), and copied past that, its data
// pages only (Image.runs): mappings stay bounded however many memories
// hold one. A slot records the image copied into it and how far it is
// whole (a reset gives back the pages past what it keeps), so the
// module's next instance there copies only what was given back.
//
// A memory that is done with its slot gives it back at once
// (vm.Memory.Free, at Instance.Close or Store.Close), and the slot is
// reset before anyone can take it again: every byte the memory could
// have written (its length bounds them) reads again as the image's bytes
// or zero. A slot kept warm (up to MaxWarm; image, copied data and
// protection in place for the next instance of the same module) is reset
// in place (Wasmtime's keep-resident reset): the pages the kernel's page
// tables show written anywhere in the memory (the page map's PAGEMAP_SCAN
// ioctl, Linux 6.7, which returns only the runs of written pages at a
// cost that follows the pages in memory, not the length; on older
// kernels the page map's words for the first twice KeepResident bytes)
// are rewritten with what they must hold (an image's bytes come from
// memory: a small image's kept with it, a large one's through a
// read-only mapping of its memfd) — those the scan found, which are the
// memory's own pages, whole; those the page map's words show, which may
// be the kernel's zero page, only where they differ —
// as many as KeepResident bytes allow, so they stay resident and the next
// memory takes no page fault on them; pages never touched, or only read
// (the kernel's zero page), are not looked at. From the first written
// page past that, the rest of the length goes back with
// madvise(MADV_DONTNEED) — mapped image pages to the image, the rest to
// zero. A slot whose memory wrote a few pages costs one scan: no madvise,
// and no page fault for the next memory (moat serve's C guest, three
// pages: about 6 faults a request before, 0.001 after). A copied image stays in its slot as long as the reset keeps all
// of it (the slot records which image it holds), so the module's next
// instance copies nothing. Beyond MaxWarm, a slot is returned to its
// pristine state: every page it kept goes back to the kernel, and an
// image mapped into it is re-mapped away. A memory dropped without being
// freed gives its slot back through a cleanup, counted in Stats.Leaked.
//
// In a pool of more than three slots, a warm slot whose memory was no
// larger than twice KeepResident waits after it is given back, in no
// free list, until ResetBatch of them (half the slots in a smaller pool)
// are waiting, and the one that gives back the last resets them all with
// one PAGEMAP_SCAN over their span (split where more than batchGap slots
// lie between two of them), or until a taker finds no other free slot
// and resets those waiting (reset_batch_linux.go). The ioctl's entry and
// exit cost more on a virtual machine than its walk of a few page
// tables: go test ./serve -run X -bench
// '^BenchmarkHello$/^compiler-pooled-explicit-served$' -benchtime
// 100000x, a pool of 16 slots (batches of 8), five alternated runs at a
// load of 11: the process's CPU time 13.6-14.9 µs a request (mean 14.3)
// before, 10.0-12.3 (mean 10.9) with batches. The batch's scan is a raw
// system call, so that the Go scheduler's monitor does not hand its P to
// another thread while the kernel walks (served through the scheduler's
// call, the batches' longer calls had the server make half as many more
// futex and nanosleep calls and context switches a request as with one
// scan each). moat serve gives each route's pool
// ResetBatch slots more than its concurrency cap, so that its requests
// always find a slot reset.
//
// A memory that nothing wrote costs its slot no reset at all: its owner
// frees it with vm.Memory.FreeUnwritten when no call ran in its store
// (moat's store records every call, start functions included) and no
// other way of writing its bytes marked it (vm.Memory.Written: its bytes
// handed out to the embedder, a data segment copied in, a grow, an import
// by another instance), and the slot takes it back as it is, its pages
// holding what they held when the memory took it. Every other free, and
// every leaked memory, is reset as above.
//
// Measured on the shared 2-core VM (go test -bench SlotCycle): a
// two-page memory that writes three pages costs 11-27 µs per cycle when
// the reset gives its pages back (three page faults and the madvise),
// 1.1-2.8 µs kept resident; one that writes nothing 0.5-1.3 µs either way
// when reset, and 0.65-0.87 µs freed as unwritten (no reset), against
// 2.4-3.6 µs reset in the same run at a load of 15-17.
// Learning which pages were written (go test -bench PageQuery, at a load
// of 18-20): the scan 1.1-2.5 µs over 64 KiB and 3.2-5.2 µs over 64 MiB,
// reading the page map's words 1.7-2.9 µs and 415-517 µs.
//
// Instantiate+close of a pre-linked module, which runs no code and so
// costs its slot no reset (cd bench && go run ./cmd/instantiate -faults
// -engines moat-pool-nokeep,moat-pool,moat-pool-explicit,wasmtime-pool
// -density 0 -throughput 0, three runs at a load of 16-20, thread CPU µs
// for add, hello, bz2 and regex): guard pages 0-0.75, 0.77-1.25,
// 1.82-2.87, 2.00-2.49; explicit checks 0-0.69, 0.93-1.27, 1.80-2.98,
// 2.00-2.44; Wasmtime pooling 1.93-2.61, 3.38-4.38, 4.91-8.07, 4.44-5.56
// (add's wall time 0.63-0.66 µs in the runs with the machine to itself;
// the README's "Instances at scale" has the table).
//
// Taking and giving back slots, and lending stacks, take no lock common to
// every goroutine: free slots (warm ones apart from pristine ones) and
// idle stacks are kept in FreeLists (stacks of items in shards, tried
// from the calling goroutine's P's with TryLock, so that what a P gave
// back it takes next from the first shard) and counted with atomics.
//
// A memory is made in its owner's vm.MemoryRoom when one is given: the
// embedder's instance state, recycled from one instance to the next,
// keeps the memory, and the memory uses its slot's reservation record,
// made with the pool (vm.SlotRecord: 136 bytes a slot), so that taking a
// slot allocates nothing and a live memory holds no record in the Go
// heap; the owner pays for one cleanup in its life (vm.AddSlotCleanup),
// whose 8-byte hold points at the record while the memory holds the slot
// and gives that slot back, counted as leaked, once the owner is dropped.
// The record is done with before the slot goes back, so a dropped
// owner's cleanup never touches the slot's next holder.
//
// # Stacks
//
// Stacks lends native stacks to calls: the outermost call into a store
// borrows one and gives it back when it returns, so an idle instance holds
// no stack and the process holds as many as it runs calls at once, plus a
// few idle ones.
package pool
