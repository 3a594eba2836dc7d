package pool

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// shards is how many parts a free list is split into: enough that the
// goroutines taking and giving back at once on every P rarely meet.
var shards = func() int {
	n := 1
	for n < 2*runtime.GOMAXPROCS(0) && n < 64 {
		n *= 2
	}
	return n
}()

// freeList holds free items in shards, each a stack under its own lock:
// a taker or giver tries the shards in turn from a rotating start and
// skips any whose lock is held (TryLock), so goroutines on different Ps
// work on different shards and never wait for one another unless every
// shard is busy. The most recently given items are taken first within a
// shard.
type freeList[T any] struct {
	turn   atomic.Uint32
	shards []freeShard[T]
}

type freeShard[T any] struct {
	mu    sync.Mutex
	items []T
	_     [40]byte // a cache line of its own
}

func newFreeList[T any](capacity int) *freeList[T] {
	l := &freeList[T]{shards: make([]freeShard[T], shards)}
	for i := range l.shards {
		l.shards[i].items = make([]T, 0, capacity/shards+1)
	}
	return l
}

// lockShard locks a shard, the first free one from a rotating start, or
// waits for the start's; it returns the shard.
func (l *freeList[T]) lockShard() *freeShard[T] {
	start := int(l.turn.Add(1))
	for k := range l.shards {
		s := &l.shards[(start+k)&(len(l.shards)-1)]
		if s.mu.TryLock() {
			return s
		}
	}
	s := &l.shards[start&(len(l.shards)-1)]
	s.mu.Lock()
	return s
}

// put adds v.
func (l *freeList[T]) put(v T) {
	s := l.lockShard()
	s.items = append(s.items, v)
	s.mu.Unlock()
}

// take removes an item, preferring one of the last scan items of a shard
// for which prefer is true, and reports whether there was one. A shard
// locked elsewhere is skipped on the first pass and waited for on the
// second.
func (l *freeList[T]) take(prefer func(T) bool, scan int) (v T, ok bool) {
	start := int(l.turn.Add(1))
	for pass := range 2 {
		for k := range l.shards {
			s := &l.shards[(start+k)&(len(l.shards)-1)]
			if pass == 0 {
				if !s.mu.TryLock() {
					continue
				}
			} else {
				s.mu.Lock()
			}
			if v, ok = s.pop(prefer, scan); ok {
				s.mu.Unlock()
				return v, true
			}
			s.mu.Unlock()
		}
	}
	return v, false
}

func (s *freeShard[T]) pop(prefer func(T) bool, scan int) (v T, ok bool) {
	n := len(s.items)
	if n == 0 {
		return v, false
	}
	k := n - 1
	if prefer != nil {
		for j := n - 1; j >= max(0, n-scan); j-- {
			if prefer(s.items[j]) {
				k = j
				break
			}
		}
	}
	v = s.items[k]
	copy(s.items[k:], s.items[k+1:])
	var zero T
	s.items[n-1] = zero
	s.items = s.items[:n-1]
	return v, true
}
