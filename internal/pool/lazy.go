package pool

import (
	"os"
	"runtime"
	"sync"

	"github.com/moat-run/moat/internal/wasm"
)

// LazyImage is a module's memory 0 image, planned and written to a memfd
// once, on the module's first instantiation, by either engine.
type LazyImage struct {
	once sync.Once
	img  *Image // nil when there is no data, or no memfd
	ok   bool   // the data is in img, or there is none (PlanImage)
}

// ImageFor returns memory 0's image of m, building it on first use, and
// whether the module's data is in it (false: apply the segments one by
// one). The image is closed once owner, which holds l and keeps m, is
// unreachable.
func ImageFor[T any](l *LazyImage, owner *T, m *wasm.Module) (*Image, bool) {
	l.once.Do(func() {
		plan, ok := PlanImage(m, 0)
		if !ok || plan.Size == 0 {
			l.ok = ok
			return
		}
		img, err := NewImage(plan, uint64(os.Getpagesize()))
		if err != nil {
			// memfd refused (a sandbox without it): the segments are
			// applied one by one, as for a module the plan refuses.
			return
		}
		l.ok, l.img = true, img
		runtime.AddCleanup(owner, func(img *Image) { img.Close() }, img)
	})
	return l.img, l.ok
}
