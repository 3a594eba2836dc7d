package pool

import (
	"runtime"
	"sync"
	_ "unsafe" // go:linkname
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

// FreeList holds free items (slots, stacks, an engine's recycled
// per-instance blocks) in shards, each a stack under its own lock: a
// taker or giver tries the shards in turn from its P's (homeShard) and
// skips any whose lock is held (TryLock), so goroutines on different Ps
// work on different shards and never wait for one another unless every
// shard is busy, and what a goroutine gave back is what it takes next (a
// warm slot, a block still in cache) with one lock taken. The most
// recently given items are taken first within a shard.
// The zero FreeList is empty and ready; it bounds nothing (its users count
// what they keep).
type FreeList[T any] struct {
	once   sync.Once
	shards []freeShard[T]
}

type freeShard[T any] struct {
	mu    sync.Mutex
	items []T
	_     [40]byte // a cache line of its own
}

// NewFreeList makes a FreeList with room for capacity items.
func NewFreeList[T any](capacity int) *FreeList[T] {
	l := &FreeList[T]{}
	l.once.Do(func() { l.init(capacity) })
	return l
}

func (l *FreeList[T]) init(capacity int) {
	l.shards = make([]freeShard[T], shards)
	for i := range l.shards {
		l.shards[i].items = make([]T, 0, capacity/shards+1)
	}
}

// ready makes the shards of a zero FreeList.
func (l *FreeList[T]) ready() {
	l.once.Do(func() { l.init(0) })
}

// procPin and procUnpin are the Go runtime's own per-P access (sync.Pool
// is built on them; the runtime keeps them for packages that link to
// them, go.dev/issue/67401): procPin returns the calling goroutine's P
// and keeps the goroutine on it, without preemption, until procUnpin.
//
//go:linkname procPin runtime.procPin
func procPin() int

//go:linkname procUnpin runtime.procUnpin
func procUnpin()

// homeShard is the shard the calling goroutine tries first: its P's. The
// goroutine may move to another P at once, so it is only where to start:
// every shard has its own lock, and no state is kept per P. It costs a
// few instructions where a random start cost a random number, and, as
// gives and takes on one P meet in one shard, a take finds an item in
// the first shard it locks.
func homeShard() int {
	p := procPin()
	procUnpin()
	return p
}

// lockShard locks a shard, the first free one from the caller's
// (homeShard), or waits for that one; it returns the shard.
func (l *FreeList[T]) lockShard() *freeShard[T] {
	l.ready()
	start := homeShard()
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

// Put adds v.
func (l *FreeList[T]) Put(v T) {
	s := l.lockShard()
	s.items = append(s.items, v)
	s.mu.Unlock()
}

// Take removes an item, preferring one of the last scan items of a shard
// for which prefer (if not nil) is true, and reports whether there was
// one. A shard locked elsewhere is skipped on the first pass and waited
// for on the second. Take is not a snapshot: while it looks, items may
// move from a shard it has not reached to one it has passed, so it may
// find none while some are free; a taker that must have one counts them
// itself and tries again (Slots.acquire).
func (l *FreeList[T]) Take(prefer func(T) bool, scan int) (v T, ok bool) {
	l.ready()
	start := homeShard()
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
	if k < n-1 {
		copy(s.items[k:], s.items[k+1:])
	}
	var zero T
	s.items[n-1] = zero
	s.items = s.items[:n-1]
	return v, true
}
