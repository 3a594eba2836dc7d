package moat

import "github.com/moat-run/moat/internal/pool"

// PoolStats counts the memory slots of an engine's pool (Config.Pooling).
type PoolStats struct {
	// Slots is the pool's size, PoolingConfig.TotalMemories.
	Slots int
	// InUse counts the slots holding a live memory.
	InUse int
	// Warm counts the free slots that keep the last module's image
	// mapped for the next instance (at most MaxUnusedWarmSlots).
	Warm int
	// Leaked counts the slots taken back from memories that were dropped
	// without Instance.Close or Store.Close, by the garbage collector's
	// cleanup.
	Leaked int
}

// PoolStats reports the engine's pool of memory slots now; ok is false
// when the engine has none (no Config.Pooling).
func (e *Engine) PoolStats() (st PoolStats, ok bool) {
	p, ok := e.impl.(interface {
		SlotStats() (int, pool.Stats, bool)
	})
	if !ok {
		return PoolStats{}, false
	}
	n, s, ok := p.SlotStats()
	if !ok {
		return PoolStats{}, false
	}
	return PoolStats{Slots: n, InUse: s.InUse, Warm: s.Warm, Leaked: s.Leaked}, true
}
