package validate

import (
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/moat-run/moat/internal/wasm"
)

// bytesPerWorker is how many body bytes justify one more validating
// goroutine: at about 100 MB/s that is some 80 µs of work, far more than a
// goroutine and its buffers cost, so only small modules stay serial.
const bytesPerWorker = 8 << 10

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
// Bodies are handed out largest first, so that one big body taken last does
// not leave the other workers idle. A worker skips a body whose index is
// past the lowest failure found so far, and goes on after a failure of its
// own: every body below the final lowest failure is still checked, so the
// error returned is the one of the lowest-index failing body, exactly as in
// a serial run.
func (v *validator) bodiesParallel(base uint32, workers int) error {
	code := v.m.Code
	order := largestFirst(code)
	workersUsed := make([]*validator, 0, workers)
	var (
		next     atomic.Int64
		mu       sync.Mutex
		failAt   = len(code) // lowest failing body index, guarded by mu
		failErr  error
		lowest   atomic.Int64 // copy of failAt for the workers' cheap check
		finished sync.WaitGroup
	)
	lowest.Store(int64(failAt))
	run := func(w *validator) {
		for {
			k := next.Add(1) - 1
			if k >= int64(len(order)) {
				return
			}
			i := order[k]
			if int64(i) > lowest.Load() {
				continue
			}
			fi := base + uint32(i)
			if err := w.function(fi, w.funcTypes[fi], &code[i]); err != nil {
				mu.Lock()
				if i < failAt {
					failAt, failErr = i, err
					lowest.Store(int64(i))
				}
				mu.Unlock()
			}
		}
	}
	for range workers - 1 {
		w := v.bodyWorker()
		workersUsed = append(workersUsed, w)
		finished.Go(func() { run(w) })
	}
	run(v)
	finished.Wait()
	for _, w := range workersUsed {
		v.used |= w.used
	}
	return failErr
}

// largestFirst lists the body indices by decreasing size, ties in index
// order.
func largestFirst(code []wasm.Code) []int {
	order := make([]int, len(code))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return len(code[b].Body) - len(code[a].Body) })
	return order
}

// bodyWorker returns a validator sharing v's module-level state with fresh
// per-body buffers.
func (v *validator) bodyWorker() *validator {
	return &validator{
		m:            v.m,
		disabled:     v.disabled,
		funcTypes:    v.funcTypes,
		funcTypeX:    v.funcTypeX,
		tables:       v.tables,
		memories:     v.memories,
		globals:      v.globals,
		tags:         v.tags,
		elemTypes:    v.elemTypes,
		numDatas:     v.numDatas,
		constGlobals: v.constGlobals,
		declared:     v.declared,
	}
}
