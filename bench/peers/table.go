package peers

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"time"
)

// WriteTable prints rows as a markdown table: the repetitions per cell,
// the median compile time and run time (with its spread over the cells)
// on each engine, then moat's time divided by each peer's for
// both (below 1 means moat is faster), and a last line with the geometric
// means of those ratios. The first engine is moat. Rows where moat ran on
// another tier (a Note, e.g. the interpreter for SIMD) are marked with a
// dagger and left out of the means, as are cells that failed; failures are
// listed after the table. A run ratio whose region is shorter than
// tinyRegion on an engine (noop: nothing between bench.start and bench.end)
// is shown but left out of the run-time mean, since it measures only the
// two host calls.
func WriteTable(w io.Writer, rows []Row, engines []Engine) {
	base := engines[0].Name
	peers := engines[1:]
	fmt.Fprint(w, "| benchmark | reps |")
	for _, e := range engines {
		fmt.Fprintf(w, " %s compile ms |", e.Name)
	}
	for _, e := range engines {
		fmt.Fprintf(w, " %s run ms |", e.Name)
	}
	for _, e := range peers {
		fmt.Fprintf(w, " compile %s/%s |", base, e.Name)
	}
	for _, e := range peers {
		fmt.Fprintf(w, " run %s/%s |", base, e.Name)
	}
	fmt.Fprintln(w)
	fmt.Fprint(w, "|---|")
	fmt.Fprintln(w, strings.Repeat("---:|", 1+2*len(engines)+2*len(peers)))

	compileLogs := make([]meanLog, len(peers))
	runLogs := make([]meanLog, len(peers))
	var notes, failures []string
	for _, row := range rows {
		moat := row.Cells[0]
		name := row.Program
		if moat.Note != "" {
			name += " †"
			notes = append(notes, fmt.Sprintf("%s: %s ran on its %s", row.Program, base, moat.Note))
		}
		fmt.Fprintf(w, "| %s | %d |", name, moat.Reps)
		for i, c := range row.Cells {
			if c.Err != nil {
				failures = append(failures, fmt.Sprintf("%s on %s: %v", row.Program, engines[i].Name, c.Err))
			}
			fmt.Fprintf(w, " %s |", cellText(c, c.Compile))
		}
		for _, c := range row.Cells {
			fmt.Fprintf(w, " %s |", runText(c))
		}
		inMeans := moat.Err == nil && moat.Note == ""
		runInMeans := inMeans
		for _, c := range row.Cells {
			if c.Err == nil && c.Run < tinyRegion {
				runInMeans = false
			}
		}
		for i := range peers {
			fmt.Fprintf(w, " %s |", ratioText(moat, row.Cells[i+1], compileOf, inMeans, &compileLogs[i]))
		}
		for i := range peers {
			fmt.Fprintf(w, " %s |", ratioText(moat, row.Cells[i+1], runOf, runInMeans, &runLogs[i]))
		}
		fmt.Fprintln(w)
	}
	fmt.Fprint(w, "| **geometric mean** | |")
	fmt.Fprint(w, strings.Repeat(" |", 2*len(engines)))
	for _, m := range compileLogs {
		fmt.Fprintf(w, " %s |", m.text())
	}
	for _, m := range runLogs {
		fmt.Fprintf(w, " %s |", m.text())
	}
	fmt.Fprintln(w)
	if len(notes) > 0 || len(failures) > 0 {
		fmt.Fprintln(w)
	}
	for _, n := range notes {
		fmt.Fprintf(w, "† %s, not its compiler; left out of the geometric means.\n", n)
	}
	for _, f := range failures {
		fmt.Fprintf(w, "FAILED %s\n", f)
	}
}

// tinyRegion is the shortest measured region whose run ratio counts in the
// mean.
const tinyRegion = 100 * time.Microsecond

// meanLog accumulates logarithms of ratios for a geometric mean.
type meanLog struct {
	sum float64
	n   int
}

func (m meanLog) text() string {
	if m.n == 0 {
		return "—"
	}
	return fmt.Sprintf("**%.2f** (%d)", math.Exp(m.sum/float64(m.n)), m.n)
}

func cellText(c Cell, d time.Duration) string {
	if c.Err != nil {
		return "failed"
	}
	return millis(d)
}

// runText is a cell's run time and its spread over the measured cells.
func runText(c Cell) string {
	if c.Err != nil {
		return "failed"
	}
	return fmt.Sprintf("%s ±%.0f%%", millis(c.Run), 100*c.Spread)
}

func compileOf(m Measurement) time.Duration { return m.Compile }
func runOf(m Measurement) time.Duration     { return m.Run }

// ratioText formats moat's time over a peer's and, when the row counts,
// adds it to the mean. With samples from the same cells on both engines
// (each cell runs every engine, turn by turn), the ratio is the median of
// the cells' ratios, which a change in the machine's speed from cell to
// cell moves less than the ratio of the medians; otherwise it is the ratio
// of the medians.
func ratioText(moat, peer Cell, field func(Measurement) time.Duration, inMeans bool, mean *meanLog) string {
	if moat.Err != nil || peer.Err != nil {
		return "—"
	}
	r, ok := cellRatio(moat, peer, field)
	if !ok {
		return "—"
	}
	if inMeans {
		mean.sum += math.Log(r)
		mean.n++
	}
	return fmt.Sprintf("%.2f", r)
}

// cellRatio is moat's time over the peer's: the median of the cells'
// ratios when both have the same cells, else the ratio of the medians.
func cellRatio(moat, peer Cell, field func(Measurement) time.Duration) (float64, bool) {
	if len(moat.Samples) > 0 && len(moat.Samples) == len(peer.Samples) {
		var ratios []float64
		for i, m := range moat.Samples {
			if mine, theirs := field(m), field(peer.Samples[i]); mine > 0 && theirs > 0 {
				ratios = append(ratios, float64(mine)/float64(theirs))
			}
		}
		if len(ratios) == len(moat.Samples) {
			slices.Sort(ratios)
			n := len(ratios)
			if n%2 == 1 {
				return ratios[n/2], true
			}
			return (ratios[n/2-1] + ratios[n/2]) / 2, true
		}
	}
	mine, theirs := field(Measurement{Compile: moat.Compile, Run: moat.Run}), field(Measurement{Compile: peer.Compile, Run: peer.Run})
	if mine <= 0 || theirs <= 0 {
		return 0, false
	}
	return float64(mine) / float64(theirs), true
}

// millis renders a duration in milliseconds with about three significant
// digits.
func millis(d time.Duration) string {
	ms := float64(d) / float64(time.Millisecond)
	switch {
	case ms < 1:
		return fmt.Sprintf("%.3f", ms)
	case ms < 10:
		return fmt.Sprintf("%.2f", ms)
	case ms < 100:
		return fmt.Sprintf("%.1f", ms)
	}
	return groupDigits(int64(math.Round(ms)))
}

// groupDigits renders 12345 as "12,345".
func groupDigits(v int64) string {
	if v < 0 {
		return "-" + groupDigits(-v)
	}
	s := fmt.Sprint(v)
	var out []byte
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	return string(out)
}
