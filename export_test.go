package moat

// Hooks for the external tests and benchmarks.

// ThreadCPU lets the external benchmarks report CPU time (see threadCPU).
var ThreadCPU = threadCPU

// FromCache reports whether m's code came from the compilation cache.
func FromCache(m *Module) bool { return m.fromCache }

// SkipDigest makes e's loads skip the digest check (benchmarks only).
func SkipDigest(e *Engine) { e.skipDigest = true }

// MemoryMayBeWritten reports whether inst's memory i would be reset by its
// slot if inst's store closed now: a call ran in the store, or something
// marked the memory written (storeState.freeMemory).
func MemoryMayBeWritten(inst *Instance, i int) bool {
	return inst.store.ran || inst.vmInst().Memories[i].Written
}

// TableIsLent reports whether t's elements are in room its engine lent
// (a pool slot's context region: vm.Table.Lent).
func TableIsLent(t *Table) bool { return t.tab.Lent }
