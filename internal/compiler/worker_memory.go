package compiler

import (
	"github.com/moat-run/moat/internal/backend/amd64"
	"github.com/moat-run/moat/internal/frontend"
)

// workerMemory is what one compile worker reuses from function to function:
// the frontend's Translator (its SSA function, builder and pass storage)
// and the back end's Scratch (lowering, allocation, emission).
type workerMemory struct {
	tr frontend.Translator
	sc *amd64.Scratch
	// largest is the size of the largest body compiled with it: the
	// memory grows to about 300 bytes per byte of the largest function.
	largest int
}

// keepBodyLimit: memory that compiled a body larger than this is not kept
// (it would hold tens of megabytes for the rare huge function).
const keepBodyLimit = 64 << 10

// spareWorkerMemory keeps the workers' memory between compilations, at
// most cap(spareWorkerMemory) sets (about 20 MB each at keepBodyLimit, a
// few MB for typical code). Unlike a sync.Pool it survives garbage
// collections: a server that compiles a module now and then would
// otherwise start each compilation with empty arenas and pay again to grow
// and clear them (about 40% of compiling a mid-sized module cold). What it
// holds is plain memory sized by the largest functions compiled so far;
// every reference to compiled code or SSA is dropped after each function.
var spareWorkerMemory = make(chan *workerMemory, 2)

func takeWorkerMemory() *workerMemory {
	select {
	case w := <-spareWorkerMemory:
		return w
	default:
		return &workerMemory{sc: amd64.NewScratch()}
	}
}

// reserveBodyLimit: a worker reserves its storage (reserve) for bodies up
// to this size; a larger one, which only a module past the sizes seen in
// real code has, grows the rest as it goes.
const reserveBodyLimit = 128 << 10

// reserve readies w for a body of n bytes before it is compiled, when no
// body compiled with w was as large: the back end's arrays that grow with
// a function are sized once (amd64.Scratch.Reserve) instead of doubling
// through it. Workers take the largest bodies first, so a worker reserves
// for its first body and then never again in that compile.
func (w *workerMemory) reserve(n int) {
	if n <= w.largest {
		return
	}
	w.largest = n
	w.sc.Reserve(min(n, reserveBodyLimit))
}

func keepWorkerMemory(w *workerMemory) {
	if w.largest > keepBodyLimit {
		return
	}
	select {
	case spareWorkerMemory <- w:
	default: // enough kept; let the collector have it
	}
}
