package serveload

import (
	"sync"
	"time"
)

// Hostile sends requests that misbehave, open-loop at Rate per second,
// cycling through Paths, each on a connection of its own, until Stop.
type Hostile struct {
	Addr    string
	Rate    float64
	Paths   []string // e.g. /loop, /trap, /oom
	Timeout time.Duration

	mu       sync.Mutex
	statuses map[string]map[int]int // path -> status -> count
	errors   int
	stop     chan struct{}
	wg       sync.WaitGroup
}

// Start begins sending.
func (h *Hostile) Start() {
	h.statuses = map[string]map[int]int{}
	h.stop = make(chan struct{})
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		tick := time.NewTicker(time.Duration(float64(time.Second) / h.Rate))
		defer tick.Stop()
		for i := 0; ; i++ {
			select {
			case <-h.stop:
				return
			case <-tick.C:
			}
			path := h.Paths[i%len(h.Paths)]
			h.wg.Add(1)
			go func() {
				defer h.wg.Done()
				c, err := dial(h.Addr, h.Timeout)
				if err != nil {
					h.count(path, 0)
					return
				}
				defer c.close()
				status, _, err := c.get(path, time.Now().Add(h.Timeout))
				if err != nil && err != errClosed {
					status = 0
				}
				h.count(path, status)
			}()
		}
	}()
}

func (h *Hostile) count(path string, status int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if status == 0 {
		h.errors++
		return
	}
	if h.statuses[path] == nil {
		h.statuses[path] = map[int]int{}
	}
	h.statuses[path][status]++
}

// Stop ends sending, waits for the requests in flight and returns the
// statuses they got by path, and how many failed without one.
func (h *Hostile) Stop() (map[string]map[int]int, int) {
	close(h.stop)
	h.wg.Wait()
	return h.statuses, h.errors
}
