// Package pool holds what makes instantiation cheap at scale: copy-on-write
// memory images. It stands between the validated module (internal/wasm)
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
package pool
