package serveload

import (
	"os"
	"strconv"
	"strings"
	"time"
)

// gcTraceEnv is the environment of a server under test: this process's,
// with the Go runtime's gctrace on (a line on stderr per collection, which
// GCStats counts).
func gcTraceEnv() []string {
	debug := "gctrace=1"
	if v := os.Getenv("GODEBUG"); v != "" {
		debug = v + "," + debug
	}
	return append(os.Environ(), "GODEBUG="+debug)
}

// GCStats is what a server's collections cost, from its gctrace lines.
type GCStats struct {
	// Pauses holds each collection's stop-the-world time (its sweep
	// termination and mark termination), in order.
	Pauses []time.Duration
}

// Count is how many collections ran.
func (st GCStats) Count() int { return len(st.Pauses) }

// Pause is the collections' pauses, summed, and the longest.
func (st GCStats) Pause() (sum, longest time.Duration) {
	for _, p := range st.Pauses {
		sum += p
		longest = max(longest, p)
	}
	return sum, longest
}

// GCStats reads the gctrace lines the server has written so far.
func (s *Server) GCStats() GCStats {
	var st GCStats
	for _, line := range strings.Split(s.log.String(), "\n") {
		// gc 12 @3.140s 1%: 0.015+0.51+0.003 ms clock, ...
		if !strings.HasPrefix(line, "gc ") {
			continue
		}
		_, rest, ok := strings.Cut(line, ": ")
		clock, _, ok2 := strings.Cut(rest, " ms clock")
		phases := strings.Split(clock, "+")
		if !ok || !ok2 || len(phases) != 3 {
			continue
		}
		var pause time.Duration
		for _, p := range []string{phases[0], phases[2]} {
			if ms, err := strconv.ParseFloat(p, 64); err == nil {
				pause += time.Duration(ms * float64(time.Millisecond))
			}
		}
		st.Pauses = append(st.Pauses, pause)
	}
	return st
}

// Since is the collections of st that came after those of before.
func (st GCStats) Since(before GCStats) GCStats {
	return GCStats{Pauses: st.Pauses[min(len(before.Pauses), len(st.Pauses)):]}
}
