package server

import (
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// durationVec is a Prometheus histogram of durations, by route, kept by
// the server rather than by prometheus.HistogramVec: every request makes
// three observations, and one here is a bucket's count and the sum in
// nanoseconds, two atomic additions (one for a zero duration, as most
// queue waits are), where the client's histogram makes four atomic
// operations and a compare-and-swap loop on a float sum. Scrapes read
// the counts as they are: the count is the buckets' total, and the sum
// may already hold an observation whose bucket the scrape read a moment
// before it was counted.
type durationVec struct {
	desc *prometheus.Desc
	// bounds are the buckets' upper bounds, in seconds for the
	// exposition and in nanoseconds for observations.
	bounds   []float64
	boundsNs []time.Duration

	mu     sync.Mutex
	series map[string]*durationSeries // by route
	order  []string
}

// durationSeries is one route's histogram.
type durationSeries struct {
	vec *durationVec
	// counts has a count per bucket, then one for observations past the
	// last bound (+Inf).
	counts []atomic.Uint64
	sumNs  atomic.Int64
}

// newDurationVec makes a histogram named name with the given upper bounds,
// in seconds (ascending), labelled by route.
func newDurationVec(name, help string, bounds []float64) *durationVec {
	v := &durationVec{
		desc:   prometheus.NewDesc(name, help, []string{"route"}, nil),
		bounds: bounds, series: map[string]*durationSeries{},
	}
	for _, b := range bounds {
		v.boundsNs = append(v.boundsNs, time.Duration(b*float64(time.Second)))
	}
	return v
}

// forRoute is route's series, made on first use; it lives as long as the
// server, as a HistogramVec's children do.
func (v *durationVec) forRoute(route string) *durationSeries {
	v.mu.Lock()
	defer v.mu.Unlock()
	s := v.series[route]
	if s == nil {
		s = &durationSeries{vec: v, counts: make([]atomic.Uint64, len(v.bounds)+1)}
		v.series[route] = s
		v.order = append(v.order, route)
	}
	return s
}

// observe counts one duration: in the first bucket whose bound it does
// not exceed (Prometheus buckets are "less than or equal").
func (s *durationSeries) observe(d time.Duration) {
	i := 0
	for i < len(s.vec.boundsNs) && d > s.vec.boundsNs[i] {
		i++
	}
	s.counts[i].Add(1)
	if d != 0 {
		s.sumNs.Add(int64(d))
	}
}

func (v *durationVec) Describe(ch chan<- *prometheus.Desc) { ch <- v.desc }

func (v *durationVec) Collect(ch chan<- prometheus.Metric) {
	v.mu.Lock()
	routes := slices.Clone(v.order)
	series := make([]*durationSeries, len(routes))
	for i, r := range routes {
		series[i] = v.series[r]
	}
	v.mu.Unlock()
	for i, s := range series {
		buckets := make(map[float64]uint64, len(v.bounds))
		var count uint64
		for j, b := range v.bounds {
			count += s.counts[j].Load()
			buckets[b] = count
		}
		count += s.counts[len(v.bounds)].Load()
		sum := time.Duration(s.sumNs.Load()).Seconds()
		ch <- prometheus.MustNewConstHistogram(v.desc, count, sum, buckets, routes[i])
	}
}
