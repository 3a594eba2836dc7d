package validate

import (
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/moat-run/moat/internal/wasm"
)

// bytesPerWorker is how many body bytes justify one more validating
// goroutine: at about 100 MB/s that is over 100 µs of work, far more than a
// goroutine costs, so small modules stay serial.
const bytesPerWorker = 16 << 10

// bodyWorkers is how many goroutines should validate m's bodies: one per
// bytesPerWorker of code, at most GOMAXPROCS and the number of bodies.
func bodyWorkers(m *wasm.Module) int {
	size := 0
	for i := range m.Code {
		size += len(m.Code[i].Body)
	}
	return max(1, min(runtime.GOMAXPROCS(0), len(m.Code), size/bytesPerWorker))
}

// bodiesParallel validates the bodies of m on workers goroutines. Each
// body only reads the module-level state, which is complete before bodies
// run, so every worker shares it and owns only the per-body buffers.
//
// Bodies are handed out in index order. A worker stops when the next body
// is past the lowest failure found so far: every body below that failure
// has been handed out and is checked to the end, so the error returned is
// the one of the lowest-index failing body, exactly as in a serial run.
func (v *validator) bodiesParallel(base uint32, workers int) error {
	code := v.m.Code
	var (
		next     atomic.Int64
		mu       sync.Mutex
		failAt   = int64(len(code)) // lowest failing body index, guarded by mu
		failErr  error
		lowest   atomic.Int64 // copy of failAt for the workers' cheap check
		finished sync.WaitGroup
	)
	lowest.Store(failAt)
	run := func(w *validator) {
		for {
			i := next.Add(1) - 1
			if i >= int64(len(code)) || i > lowest.Load() {
				return
			}
			fi := base + uint32(i)
			if err := w.function(fi, w.funcTypes[fi], &code[i]); err != nil {
				mu.Lock()
				if i < failAt {
					failAt, failErr = i, err
					lowest.Store(i)
				}
				mu.Unlock()
				return
			}
		}
	}
	for range workers - 1 {
		w := v.bodyWorker()
		finished.Go(func() { run(w) })
	}
	run(v)
	finished.Wait()
	return failErr
}

// bodyWorker returns a validator sharing v's module-level state with fresh
// per-body buffers.
func (v *validator) bodyWorker() *validator {
	return &validator{
		m:               v.m,
		funcTypes:       v.funcTypes,
		tables:          v.tables,
		globals:         v.globals,
		importedGlobals: v.importedGlobals,
		numMems:         v.numMems,
		numElems:        v.numElems,
		numDatas:        v.numDatas,
		declared:        v.declared,
	}
}
