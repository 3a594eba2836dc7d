package vm

import "github.com/moat-run/moat/internal/vm/gcheap"

// hostRoots are the reference words the host holds: every GC-managed
// word the public API hands out is rooted in the innermost open scope
// (the store's own, which lasts as long as the store, when none is open),
// and a word the host hands back in must be rooted, so that a word the
// host kept past its scope, or made up, is refused rather than followed.
type hostRoots struct {
	words  []uint64
	counts map[uint64]int32
	scopes []int // len(words) when each open scope began
}

// isHostManaged reports whether w needs rooting: an object or an extern
// entry (null and i31 words stand for themselves).
func isHostManaged(w uint64) bool { return gcheap.IsObject(w) || gcheap.IsExtern(w) }

// RootForHost roots w in the innermost scope, when it needs rooting.
func (s *Store) RootForHost(w uint64) {
	if !isHostManaged(w) {
		return
	}
	r := &s.moreRoots().hostRoots
	if r.counts == nil {
		r.counts = map[uint64]int32{}
	}
	r.words = append(r.words, w)
	r.counts[w]++
}

// HostRooted reports whether the host may hand w in: null, an i31, or a
// word rooted in an open scope.
func (s *Store) HostRooted(w uint64) bool {
	if w == 0 || gcheap.IsI31(w) {
		return true
	}
	return isHostManaged(w) && s.gc.roots != nil && s.gc.roots.hostRoots.counts[w] > 0
}

// EnterRootScope opens a scope; ExitRootScope(n) closes it, unrooting the
// words rooted since, where n is what EnterRootScope returned.
func (s *Store) EnterRootScope() int {
	r := &s.moreRoots().hostRoots
	r.scopes = append(r.scopes, len(r.words))
	return len(r.scopes)
}

func (s *Store) ExitRootScope(n int) {
	if s.gc.roots == nil {
		return
	}
	r := &s.gc.roots.hostRoots
	if n <= 0 || n > len(r.scopes) {
		return
	}
	start := r.scopes[n-1]
	for _, w := range r.words[start:] {
		if r.counts[w]--; r.counts[w] <= 0 {
			delete(r.counts, w)
		}
	}
	r.words = r.words[:start]
	r.scopes = r.scopes[:n-1]
}

// HostRoots counts the words the host holds rooted.
func (s *Store) HostRoots() int {
	if s.gc.roots == nil {
		return 0
	}
	return len(s.gc.roots.hostRoots.words)
}

func (r *hostRoots) mark(m *gcheap.Marker) { m.Words(r.words) }
