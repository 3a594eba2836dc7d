package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"golang.org/x/exp/trace"
)

// call is one runtime.GC() region and what happened during it.
type call struct {
	bench      string
	g          trace.GoID
	begin, end trace.Time
}

// span is a stretch of time, such as a stop-the-world or a goroutine's run.
type span struct {
	name       string
	g          trace.GoID
	kind       goKind
	begin, end trace.Time
}

// goKind tells the goroutines of interest apart by their stacks.
type goKind uint8

const (
	goOther goKind = iota
	goWorker
	goGuest
)

func main() {
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: gcphases TRACE")
		flag.PrintDefaults()
	}
	slow := flag.Int("slow", 0, "also show each benchmark's `n` slowest calls, phase by phase, with what the guests and mark workers did in them")
	flag.Parse()
	if flag.NArg() != 1 {
		flag.Usage()
		os.Exit(2)
	}
	f, err := os.Open(flag.Arg(0))
	if err != nil {
		fail(err)
	}
	defer f.Close()
	calls, stws, runs, queued, waits, err := read(f)
	if err != nil {
		fail(err)
	}
	report(os.Stdout, calls, stws, runs, queued, waits)
	if *slow > 0 {
		reportSlow(os.Stdout, *slow, calls, stws, runs, queued, waits)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "gcphases:", err)
	os.Exit(1)
}

// traceStart is the time of the trace's first event.
var traceStart trace.Time

// read collects the calls, the stop-the-world ranges, every goroutine's
// runs, its waits in the run queue and its waits blocked.
func read(r io.Reader) (calls []call, stws, runs, queued, waits []span, err error) {
	tr, err := trace.NewReader(r)
	if err != nil {
		return nil, nil, nil, nil, nil, err
	}
	tasks := map[trace.TaskID]string{}
	open := map[trace.GoID]call{}
	stwOpen := map[string]trace.Time{}
	running := map[trace.GoID]trace.Time{}
	runnable := map[trace.GoID]trace.Time{}
	waiting := map[trace.GoID]trace.Time{}
	kinds := map[trace.GoID]goKind{}
	for {
		ev, err := tr.ReadEvent()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, nil, nil, nil, err
		}
		if traceStart == 0 {
			traceStart = ev.Time()
		}
		switch ev.Kind() {
		case trace.EventTaskBegin:
			tasks[ev.Task().ID] = ev.Task().Type
		case trace.EventRegionBegin:
			if reg := ev.Region(); reg.Type == "runtime.GC" {
				open[ev.Goroutine()] = call{bench: tasks[reg.Task], g: ev.Goroutine(), begin: ev.Time()}
			}
		case trace.EventRegionEnd:
			if c, ok := open[ev.Goroutine()]; ok && ev.Region().Type == "runtime.GC" {
				c.end = ev.Time()
				calls = append(calls, c)
				delete(open, ev.Goroutine())
			}
		case trace.EventRangeBegin:
			if name := ev.Range().Name; strings.HasPrefix(name, "stop-the-world (GC") {
				stwOpen[name] = ev.Time()
			}
		case trace.EventRangeEnd:
			name := ev.Range().Name
			if begin, ok := stwOpen[name]; ok {
				stws = append(stws, span{name: name, begin: begin, end: ev.Time()})
				delete(stwOpen, name)
			}
		case trace.EventStateTransition:
			st := ev.StateTransition()
			if st.Resource.Kind != trace.ResourceGoroutine {
				continue
			}
			g := st.Resource.Goroutine()
			from, to := st.Goroutine()
			if k := classify(st.Stack); k != goOther {
				kinds[g] = k
			}
			if to == trace.GoRunning {
				running[g] = ev.Time()
			}
			if from == trace.GoRunning {
				if begin, ok := running[g]; ok {
					runs = append(runs, span{g: g, begin: begin, end: ev.Time()})
					delete(running, g)
				}
			}
			if to == trace.GoRunnable {
				runnable[g] = ev.Time()
			}
			if to == trace.GoWaiting && parking(st.Stack) {
				waiting[g] = ev.Time()
			}
			if from == trace.GoWaiting {
				if begin, ok := waiting[g]; ok {
					waits = append(waits, span{g: g, begin: begin, end: ev.Time()})
					delete(waiting, g)
				}
			}
			if from == trace.GoRunnable {
				if begin, ok := runnable[g]; ok {
					queued = append(queued, span{g: g, begin: begin, end: ev.Time()})
					delete(runnable, g)
				}
			}
		}
	}
	for i := range runs {
		runs[i].kind = kinds[runs[i].g]
	}
	for i := range waits {
		waits[i].kind = kinds[waits[i].g]
	}
	return calls, stws, runs, queued, waits, nil
}

// classify tells a mark worker or a guest by a stack it stopped or
// started at.
func classify(s trace.Stack) goKind {
	for fr := range s.Frames() {
		switch {
		case strings.HasPrefix(fr.Func, "runtime.gcBgMarkWorker"):
			return goWorker
		case strings.HasPrefix(fr.Func, "github.com/moat-run/moat/internal/vm."):
			return goGuest
		}
	}
	return goOther
}

// parking tells a guest that parks for a collection (package vm's
// parkForGC) by the stack it blocks at.
func parking(s trace.Stack) bool {
	for fr := range s.Frames() {
		if strings.HasSuffix(fr.Func, ".parkForGC") {
			return true
		}
	}
	return false
}

// phases is one call split at its stop-the-world ranges.
type phases struct {
	total, start, stw1, mark, wait1, work, guests, stw2, sweep, queued, parked, reach time.Duration
	turns                                                                             int
}

// split finds c's phases; ok is false when its stop-the-world ranges are
// not both inside it.
func split(c call, stws, runs, queued, waits []span) (p phases, ok bool) {
	var sweepTerm, markTerm *span
	for i := range stws {
		s := &stws[i]
		if s.begin < c.begin || s.end > c.end {
			continue
		}
		switch {
		case strings.Contains(s.name, "sweep termination") && sweepTerm == nil:
			sweepTerm = s
		case strings.Contains(s.name, "mark termination") && markTerm == nil:
			markTerm = s
		}
	}
	if sweepTerm == nil || markTerm == nil {
		return p, false
	}
	d := func(a, b trace.Time) time.Duration { return time.Duration(b - a) }
	p.total = d(c.begin, c.end)
	p.start = d(c.begin, sweepTerm.begin)
	p.stw1 = d(sweepTerm.begin, sweepTerm.end)
	p.mark = d(sweepTerm.end, markTerm.begin)
	p.stw2 = d(markTerm.begin, markTerm.end)
	p.sweep = d(markTerm.end, c.end)
	p.wait1 = p.mark
	for _, r := range runs {
		if r.kind == goWorker && r.end > sweepTerm.end && r.begin < markTerm.begin {
			b, e := max(r.begin, sweepTerm.end), min(r.end, markTerm.begin)
			p.work += d(b, e)
			p.wait1 = min(p.wait1, d(sweepTerm.end, b))
		}
		if r.kind == goGuest && r.end > sweepTerm.end && r.begin < markTerm.begin {
			p.guests += d(max(r.begin, sweepTerm.end), min(r.end, markTerm.begin))
		}
		if r.g == c.g && r.end > markTerm.end && r.begin < c.end {
			p.turns++
		}
	}
	p.reach = max(reach(*sweepTerm, runs), reach(*markTerm, runs))
	for _, q := range queued {
		if q.g == c.g && q.end > markTerm.end && q.begin < c.end {
			p.queued += d(max(q.begin, markTerm.end), min(q.end, c.end))
		}
	}
	for _, w := range waits {
		if w.kind == goGuest && w.end > c.begin && w.begin < c.end {
			p.parked += d(max(w.begin, c.begin), min(w.end, c.end))
		}
	}
	return p, true
}

// reach is how long after stw began the last guest running then stopped:
// how long the runtime's request took to reach a safepoint in guest code
// (as long as the guest ran, to the end of the stop-the-world at most).
func reach(stw span, runs []span) time.Duration {
	var longest time.Duration
	for _, r := range runs {
		if r.kind == goGuest && r.begin <= stw.begin && r.end > stw.begin {
			longest = max(longest, time.Duration(min(r.end, stw.end)-stw.begin))
		}
	}
	return longest
}

func report(w io.Writer, calls []call, stws, runs, queued, waits []span) {
	var order []string
	byBench := map[string][]phases{}
	for _, c := range calls {
		p, ok := split(c, stws, runs, queued, waits)
		if !ok {
			continue
		}
		if _, seen := byBench[c.bench]; !seen {
			order = append(order, c.bench)
		}
		byBench[c.bench] = append(byBench[c.bench], p)
	}
	slice := guestSlices(calls, runs)
	fmt.Fprintf(w, "median (mean) µs per runtime.GC() call\n")
	fmt.Fprintf(w, "%-40s %5s %13s %11s %11s %13s %11s %11s %11s %11s %13s %11s %9s %7s %11s %11s\n",
		"benchmark", "calls", "total", "start", "stw1", "mark", "wait1", "work", "guests", "stw2", "sweep", "queued", "turns", "slice", "parked", "reach")
	for _, name := range order {
		ps := byBench[name]
		col := func(f func(phases) time.Duration) string {
			var v []time.Duration
			var sum time.Duration
			for _, p := range ps {
				v = append(v, f(p))
				sum += f(p)
			}
			return fmt.Sprintf("%.0f (%.0f)", us(medianOf(v)), us(sum/time.Duration(len(v))))
		}
		turns := make([]time.Duration, len(ps))
		for i, p := range ps {
			turns[i] = time.Duration(p.turns)
		}
		fmt.Fprintf(w, "%-40s %5d %13s %11s %11s %13s %11s %11s %11s %11s %13s %11s %9d %7.0f %11s %11s\n", name, len(ps),
			col(func(p phases) time.Duration { return p.total }),
			col(func(p phases) time.Duration { return p.start }),
			col(func(p phases) time.Duration { return p.stw1 }),
			col(func(p phases) time.Duration { return p.mark }),
			col(func(p phases) time.Duration { return p.wait1 }),
			col(func(p phases) time.Duration { return p.work }),
			col(func(p phases) time.Duration { return p.guests }),
			col(func(p phases) time.Duration { return p.stw2 }),
			col(func(p phases) time.Duration { return p.sweep }),
			col(func(p phases) time.Duration { return p.queued }),
			int(medianOf(turns)), us(slice[name]),
			col(func(p phases) time.Duration { return p.parked }),
			col(func(p phases) time.Duration { return p.reach }))
	}
}

// guestSlices is, per benchmark, the median run of a guest goroutine that
// ended during one of its calls.
func guestSlices(calls []call, runs []span) map[string]time.Duration {
	per := map[string][]time.Duration{}
	for _, r := range runs {
		if r.kind != goGuest {
			continue
		}
		for _, c := range calls {
			if r.end > c.begin && r.end <= c.end {
				per[c.bench] = append(per[c.bench], time.Duration(r.end-r.begin))
				break
			}
		}
	}
	out := map[string]time.Duration{}
	for k, v := range per {
		out[k] = medianOf(v)
	}
	return out
}

func medianOf(v []time.Duration) time.Duration {
	if len(v) == 0 {
		return 0
	}
	v = slices.Clone(v)
	slices.Sort(v)
	return v[len(v)/2]
}

func us(d time.Duration) float64 { return float64(d) / 1e3 }
