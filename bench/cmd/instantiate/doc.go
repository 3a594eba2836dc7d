// Command instantiate measures sandboxes at scale, side by side in one
// run: moat (with and without its pooling allocator, in both bounds-check
// modes), wazero, and Wasmtime with and without its pooling allocator.
//
//	go run ./cmd/instantiate                  # the README's table (cgo for Wasmtime)
//	go run ./cmd/instantiate -density 100000 -engines moat-pool-explicit
//	go run ./cmd/instantiate -child moat-pool-explicit -density 100000 -memprofile heap.pb  # where the heap goes
//
// For each module (add and hello from the repository's testdata/small, bz2
// and regex from $MOAT_BENCH) and engine it reports:
//
//   - instantiate+close of a pre-linked module: median wall time per cycle
//     over -runs batches of -n cycles, and the calling thread's CPU time
//     (the machine is shared: CPU time is the steadier figure), and with
//     -faults its minor page faults per cycle (the engines moat-pool-nokeep
//     and moat-pool-explicit-nokeep give every page of a slot back when
//     an instance closes, LinearMemoryKeepResident -1);
//   - for add, the Go heap allocations per instantiate+call+close (moat);
//   - throughput: instantiate+call+close cycles of add per second with 8
//     goroutines;
//   - density (-density N): N live hello instances, each having run
//     _start, held in a child process that reports resident memory and Go
//     heap per instance and the kernel mappings before and after.
//
// wasmtime-go does not expose Wasmtime's PoolingAllocationConfig, nor its
// InstancePre: the pooling allocator is switched on through Wasmtime's C
// API (wasmtime_pooling_allocation_strategy_set, declared here), and
// Wasmtime instantiates through its Linker.
package main
