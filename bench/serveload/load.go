package serveload

import (
	"bytes"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Load is a closed-loop load: Conns keep-alive connections, each sending
// its next request once the last is answered, until Requests have been
// sent or Duration has passed. All connections are open before the first
// request.
type Load struct {
	Addr     string
	Conns    int
	Requests int64         // 0: no count limit
	Duration time.Duration // 0: no time limit (Requests must be set)
	// Timeout bounds each request (and each dial).
	Timeout time.Duration
	// Greeting is the body's start before the token: every response must
	// be 200 with body Greeting + "tok=W-N\n" for the request's own W-N.
	Greeting string
}

// Result is what a load measured.
type Result struct {
	Requests, Errors int64
	ErrorSamples     []string
	Elapsed          time.Duration
	RPS              float64
	P50, P99, Max    time.Duration
}

func (r Result) String() string {
	return fmt.Sprintf("%d requests in %.1fs: %.0f/s, p50 %v, p99 %v, max %v, %d errors",
		r.Requests, r.Elapsed.Seconds(), r.RPS, r.P50, r.P99, r.Max, r.Errors)
}

// errorLog keeps the count and the first few errors.
type errorLog struct {
	n       atomic.Int64
	mu      sync.Mutex
	samples []string
}

func (e *errorLog) add(format string, args ...any) {
	if e.n.Add(1) <= 10 {
		e.mu.Lock()
		e.samples = append(e.samples, fmt.Sprintf(format, args...))
		e.mu.Unlock()
	}
}

// Run runs the load.
func (l Load) Run() Result {
	if l.Timeout == 0 {
		l.Timeout = time.Minute
	}
	var errs errorLog
	conns := make([]*conn, l.Conns)
	var wg sync.WaitGroup
	dialers := make(chan struct{}, 256) // the listen backlog is finite
	for i := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			dialers <- struct{}{}
			defer func() { <-dialers }()
			for attempt := 0; attempt < 5; attempt++ {
				c, err := dial(l.Addr, l.Timeout)
				if err == nil {
					conns[i] = c
					return
				}
				if attempt == 4 {
					errs.add("dial: %v", err)
				}
				time.Sleep(100 * time.Millisecond)
			}
		}()
	}
	wg.Wait()

	var budget atomic.Int64
	budget.Store(l.Requests)
	if l.Requests == 0 {
		budget.Store(1 << 62)
	}
	var stop atomic.Bool
	all := make([]latencies, l.Conns)
	start := time.Now()
	if l.Duration > 0 {
		t := time.AfterFunc(l.Duration, func() { stop.Store(true) })
		defer t.Stop()
	}
	for w := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := conns[w]
			if c == nil {
				return
			}
			defer func() { c.close() }()
			prefix := "/hello?tok=" + strconv.Itoa(w) + "-"
			var want []byte
			for seq := 0; !stop.Load() && budget.Add(-1) >= 0; seq++ {
				tok := prefix[len("/hello?"):] + strconv.Itoa(seq)
				want = append(append(append(want[:0], l.Greeting...), tok...), '\n')
				t0 := time.Now()
				status, body, err := c.get(prefix+strconv.Itoa(seq), t0.Add(l.Timeout))
				d := time.Since(t0)
				switch {
				case err == errClosed:
					// Answered; the server wants a new connection.
				case err != nil:
					errs.add("worker %d request %d: %v", w, seq, err)
				case status != 200 || !bytes.Equal(body, want):
					errs.add("worker %d request %d: %d %q, want 200 %q", w, seq, status, body, want)
				}
				if err == nil || err == errClosed {
					all[w] = append(all[w], d)
				}
				if err != nil {
					c.close()
					nc, derr := dial(l.Addr, l.Timeout)
					if derr != nil {
						errs.add("worker %d: redial: %v", w, derr)
						return
					}
					c = nc
				}
			}
		}()
	}
	wg.Wait()
	r := Result{Elapsed: time.Since(start), Errors: errs.n.Load(), ErrorSamples: errs.samples}
	r.P50, r.P99, r.Max, _ = percentiles(all)
	for _, l := range all {
		r.Requests += int64(len(l))
	}
	r.RPS = float64(r.Requests) / r.Elapsed.Seconds()
	return r
}
