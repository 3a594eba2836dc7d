package moat

// GrowRefusals counts the grows of this memory, by the guest's memory.grow
// or by Grow, that were refused because they would pass the memory's
// maximum or the engine's MaxMemoryPages. A guest that failed after a
// refusal most likely ran out of memory (a C malloc returning NULL, Go's
// "out of memory"), which a server may report differently from a bug.
func (m *Memory) GrowRefusals() uint32 {
	if m.store.enter() != nil {
		return 0 // closed (the memory may be another store's now), or busy
	}
	defer m.store.leave()
	return m.mem.GrowRefusals
}
