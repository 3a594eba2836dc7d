package server

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// TestDurationVecMatchesClient: the server's histogram exposes what the
// Prometheus client's HistogramVec would for the same observations: the
// same cumulative buckets (a duration on a bound counts in that bucket),
// count and sum, per route.
func TestDurationVecMatchesClient(t *testing.T) {
	bounds := prometheus.ExponentialBuckets(0.0001, 2.5, 14)
	ours := newDurationVec("d_seconds", "help", bounds)
	theirs := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "d_seconds", Help: "help", Buckets: bounds}, []string{"route"})
	samples := map[string][]time.Duration{
		"/a": {0, time.Nanosecond, 100 * time.Microsecond, 250 * time.Microsecond, 3 * time.Millisecond, time.Second, time.Hour},
		"/b": {42 * time.Microsecond},
		"/c": nil,
	}
	for route, ds := range samples {
		s := ours.forRoute(route)
		h := theirs.WithLabelValues(route)
		for _, d := range ds {
			s.observe(d)
			h.Observe(d.Seconds())
		}
	}
	type exposed struct {
		buckets string // bound:cumulative count, ...
		count   uint64
		sum     float64
	}
	gather := func(c prometheus.Collector) map[string]exposed {
		r := prometheus.NewRegistry()
		r.MustRegister(c)
		mfs, err := r.Gather()
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]exposed{}
		for _, mf := range mfs {
			for _, m := range mf.GetMetric() {
				h := m.GetHistogram()
				var e exposed
				for _, b := range h.GetBucket() {
					e.buckets += fmt.Sprintf("%g:%d ", b.GetUpperBound(), b.GetCumulativeCount())
				}
				e.count, e.sum = h.GetSampleCount(), h.GetSampleSum()
				out[m.GetLabel()[0].GetValue()] = e
			}
		}
		return out
	}
	want, got := gather(theirs), gather(ours)
	if len(got) != len(want) {
		t.Fatalf("routes: got %v, want %v", got, want)
	}
	for route, w := range want {
		g := got[route]
		// The client sums the durations as float seconds, the server
		// as nanoseconds: the same up to rounding.
		if g.buckets != w.buckets || g.count != w.count || math.Abs(g.sum-w.sum) > 1e-12*max(1, w.sum) {
			t.Errorf("route %s:\n got %+v\nwant %+v", route, g, w)
		}
	}
}
