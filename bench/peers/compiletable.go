package peers

import (
	"fmt"
	"io"
	"math"
)

// WriteCompileTable prints compile rows as markdown: the module, its size,
// the median compile time on each engine, then the first engine's time
// divided by each other's (below 1 means the first is faster) and a last
// line with the geometric means of those ratios over the rows where both
// compiled. Failures are listed after the table.
func WriteCompileTable(w io.Writer, rows []CompileRow, compilers []Compiler) {
	base := compilers[0].Name
	others := compilers[1:]
	fmt.Fprint(w, "| module | size KiB |")
	for _, c := range compilers {
		fmt.Fprintf(w, " %s ms |", c.Name)
	}
	for _, c := range others {
		fmt.Fprintf(w, " %s/%s |", base, c.Name)
	}
	fmt.Fprintln(w)
	fmt.Fprint(w, "|---|---:|")
	for range len(compilers) + len(others) {
		fmt.Fprint(w, "---:|")
	}
	fmt.Fprintln(w)
	logs := make([]meanLog, len(others))
	var failures []string
	for _, row := range rows {
		fmt.Fprintf(w, "| %s | %s |", row.Module, groupDigits(int64(math.Round(float64(row.Size)/1024))))
		for i, c := range row.Cells {
			if c.Err != nil {
				fmt.Fprint(w, " failed |")
				failures = append(failures, fmt.Sprintf("%s on %s: %v", row.Module, compilers[i].Name, c.Err))
				continue
			}
			fmt.Fprintf(w, " %s |", millis(c.Time))
		}
		first := row.Cells[0]
		for i := range others {
			other := row.Cells[i+1]
			if first.Err != nil || other.Err != nil || first.Time <= 0 || other.Time <= 0 {
				fmt.Fprint(w, " — |")
				continue
			}
			r := float64(first.Time) / float64(other.Time)
			logs[i].sum += math.Log(r)
			logs[i].n++
			fmt.Fprintf(w, " %.2f |", r)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprint(w, "| **geometric mean** | |")
	for range compilers {
		fmt.Fprint(w, " |")
	}
	for _, m := range logs {
		fmt.Fprintf(w, " %s |", m.text())
	}
	fmt.Fprintln(w)
	if len(failures) > 0 {
		fmt.Fprintln(w)
	}
	for _, f := range failures {
		fmt.Fprintf(w, "FAILED %s\n", f)
	}
}
