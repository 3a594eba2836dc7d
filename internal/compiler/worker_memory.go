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

func keepWorkerMemory(w *workerMemory) {
	if w.largest > keepBodyLimit {
		return
	}
	select {
	case spareWorkerMemory <- w:
	default: // enough kept; let the collector have it
	}
}
