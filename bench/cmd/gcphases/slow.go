package main

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"time"

	"golang.org/x/exp/trace"
)

// reportSlow shows the n slowest calls of each benchmark: their phases,
// then each guest's and mark worker's runs and each guest's parks in
// them, in µs from the call's start, so that a slow call shows which
// phase took the time and who held the Ps meanwhile.
func reportSlow(w io.Writer, n int, calls []call, stws, runs, queued, waits []span) {
	byBench := map[string][]call{}
	var order []string
	for _, c := range calls {
		if _, seen := byBench[c.bench]; !seen {
			order = append(order, c.bench)
		}
		byBench[c.bench] = append(byBench[c.bench], c)
	}
	for _, name := range order {
		cs := slices.Clone(byBench[name])
		slices.SortFunc(cs, func(a, b call) int { return cmp.Compare(b.end-b.begin, a.end-a.begin) })
		for _, c := range cs[:min(n, len(cs))] {
			nth := slices.Index(byBench[name], c) + 1
			p, ok := split(c, stws, runs, queued, waits)
			if !ok {
				continue
			}
			fmt.Fprintf(w, "\n%s, call %d of %d, at %.0f µs into the trace: %.0f µs: start %.0f stw1 %.0f mark %.0f (work %.0f) stw2 %.0f sweep %.0f (turns %d, queued %.0f) parked %.0f\n",
				name, nth, len(byBench[name]), us(time.Duration(c.begin-traceStart)), us(p.total), us(p.start), us(p.stw1), us(p.mark), us(p.work), us(p.stw2), us(p.sweep), p.turns, us(p.queued), us(p.parked))
			at := func(t trace.Time) float64 { return us(time.Duration(t - c.begin)) }
			for _, s := range stws {
				if s.end > c.begin && s.begin < c.end {
					fmt.Fprintf(w, "  %8.0f %8.0f  %s\n", at(s.begin), at(s.end), s.name)
				}
			}
			show := func(what string, spans []span, keep func(span) bool) {
				for _, s := range spans {
					if s.end > c.begin && s.begin < c.end && keep(s) {
						fmt.Fprintf(w, "  %8.0f %8.0f  %s g%d\n", at(max(s.begin, c.begin)), at(min(s.end, c.end)), what, s.g)
					}
				}
			}
			show("guest runs", runs, func(s span) bool { return s.kind == goGuest && s.end-s.begin > 200_000 })
			show("worker runs", runs, func(s span) bool { return s.kind == goWorker && s.end-s.begin > 100_000 })
			show("other runs", runs, func(s span) bool { return s.kind == goOther && s.end-s.begin > 100_000 })
			show("guest parked", waits, func(s span) bool { return s.kind == goGuest })
		}
	}
}
