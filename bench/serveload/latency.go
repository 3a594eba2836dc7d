package serveload

import (
	"slices"
	"time"
)

// latencies collects request latencies; each worker has its own, merged
// at the end.
type latencies []time.Duration

// percentiles sorts the merged samples and returns p50, p99 and max.
func percentiles(all []latencies) (p50, p99, max time.Duration, n int) {
	var merged []time.Duration
	for _, l := range all {
		merged = append(merged, l...)
	}
	if len(merged) == 0 {
		return 0, 0, 0, 0
	}
	slices.Sort(merged)
	at := func(q float64) time.Duration { return merged[int(q*float64(len(merged)-1))] }
	return at(0.50), at(0.99), merged[len(merged)-1], len(merged)
}
