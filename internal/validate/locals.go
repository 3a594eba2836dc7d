package validate

import "github.com/moat-run/moat/internal/wasm"

// localInits tracks which locals of non-defaultable types (non-nullable
// references) have been set: such a local may be read only after a
// local.set or local.tee, and that knowledge ends with the block that
// holds the write. Functions without such locals never touch it.
type localInits struct {
	needed bool
	set    []bool   // per local: holds a value
	log    []uint32 // locals set since function entry, in order, for rolling back
}

func (l *localInits) reset() {
	l.needed = false
	l.log = l.log[:0]
}

// start marks the parameters and every defaultable local as set.
func (l *localInits) start(locals []wasm.LocalEntry, total, params uint64) {
	if uint64(cap(l.set)) < total {
		l.set = make([]bool, total)
	}
	l.set = l.set[:total]
	i := uint64(0)
	for ; i < params; i++ {
		l.set[i] = true
	}
	for _, e := range locals {
		d := e.Type.Defaultable()
		for range e.Count {
			l.set[i] = d
			i++
		}
	}
}

func (l *localInits) height() int { return len(l.log) }

// rollback forgets the locals set since the log was at height h.
func (l *localInits) rollback(h int) {
	if !l.needed {
		return
	}
	for _, x := range l.log[h:] {
		l.set[x] = false
	}
	l.log = l.log[:h]
}

// isSet reports whether local x may be read.
func (l *localInits) isSet(x uint32) bool { return !l.needed || l.set[x] }

// mark records a write to local x.
func (l *localInits) mark(x uint32) {
	if l.needed && !l.set[x] {
		l.set[x] = true
		l.log = append(l.log, x)
	}
}
