package bench

import (
	"fmt"
	"io"
	"math"
	"slices"
	"time"
)

// Row is one kernel's comparison: the median time of one call on each
// runtime, in Runtimes() order, and the checksum they agreed on.
type Row struct {
	Kernel   Kernel
	Checksum uint64
	Nanos    []float64
}

// Compare runs every kernel on every runtime rounds times, interleaving the
// runtimes round by round so that drift in the machine's speed hits both
// alike. Each runner is instantiated once and warmed up by one untimed call
// whose checksum must agree across runtimes. It stops at the first error.
func Compare(kernels []Kernel, runtimes []Runtime, rounds int) ([]Row, error) {
	if rounds < 1 {
		rounds = 1
	}
	rows := make([]Row, 0, len(kernels))
	for _, k := range kernels {
		row, err := compareKernel(k, runtimes, rounds)
		if err != nil {
			return rows, err
		}
		rows = append(rows, row)
	}
	return rows, nil
}

func compareKernel(k Kernel, runtimes []Runtime, rounds int) (Row, error) {
	row := Row{Kernel: k, Nanos: make([]float64, len(runtimes))}
	runners := make([]Runner, 0, len(runtimes))
	defer func() {
		for _, r := range runners {
			r.Close()
		}
	}()
	for i, rt := range runtimes {
		r, err := rt.New(k.Wasm, k.Name)
		if err != nil {
			return row, fmt.Errorf("%s on %s: %w", k.Name, rt.Name, err)
		}
		runners = append(runners, r)
		sum, err := r.Call(k.Size)
		if err != nil {
			return row, fmt.Errorf("%s on %s: %w", k.Name, rt.Name, err)
		}
		if i == 0 {
			row.Checksum = sum
		} else if sum != row.Checksum {
			return row, fmt.Errorf("%s: checksum %#x on %s, %#x on %s",
				k.Name, row.Checksum, runtimes[0].Name, sum, rt.Name)
		}
	}
	samples := make([][]float64, len(runtimes))
	for range rounds {
		for i, r := range runners {
			start := time.Now()
			sum, err := r.Call(k.Size)
			elapsed := time.Since(start)
			if err != nil {
				return row, fmt.Errorf("%s on %s: %w", k.Name, runtimes[i].Name, err)
			}
			if sum != row.Checksum {
				return row, fmt.Errorf("%s on %s: checksum changed from %#x to %#x",
					k.Name, runtimes[i].Name, row.Checksum, sum)
			}
			samples[i] = append(samples[i], float64(elapsed.Nanoseconds()))
		}
	}
	for i, s := range samples {
		row.Nanos[i] = median(s)
	}
	return row, nil
}

func median(s []float64) float64 {
	s = slices.Clone(s)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// WriteTable prints rows as a markdown table: ns/op per runtime, then each
// other runtime's time divided by the first's (above 1 means the first,
// moat, is faster), and a last line with the geometric means of the ratios.
func WriteTable(w io.Writer, rows []Row, runtimes []Runtime) {
	fmt.Fprintf(w, "| kernel | size |")
	for _, rt := range runtimes {
		fmt.Fprintf(w, " %s ns/op |", rt.Name)
	}
	for _, rt := range runtimes[1:] {
		fmt.Fprintf(w, " %s/%s |", rt.Name, runtimes[0].Name)
	}
	fmt.Fprintln(w)
	fmt.Fprint(w, "|---|---:|")
	for range len(runtimes) + len(runtimes) - 1 {
		fmt.Fprint(w, "---:|")
	}
	fmt.Fprintln(w)
	logSums := make([]float64, len(runtimes))
	for _, row := range rows {
		fmt.Fprintf(w, "| %s | %d |", row.Kernel.Name, row.Kernel.Size)
		for _, ns := range row.Nanos {
			fmt.Fprintf(w, " %s |", groupDigits(int64(math.Round(ns))))
		}
		for i := 1; i < len(runtimes); i++ {
			ratio := row.Nanos[i] / row.Nanos[0]
			logSums[i] += math.Log(ratio)
			fmt.Fprintf(w, " %.2f |", ratio)
		}
		fmt.Fprintln(w)
	}
	if len(rows) == 0 {
		return
	}
	fmt.Fprint(w, "| **geometric mean** | |")
	for range runtimes {
		fmt.Fprint(w, " |")
	}
	for i := 1; i < len(runtimes); i++ {
		fmt.Fprintf(w, " **%.2f** |", math.Exp(logSums[i]/float64(len(rows))))
	}
	fmt.Fprintln(w)
}

// groupDigits renders 12345678 as "12,345,678" for readable tables.
func groupDigits(v int64) string {
	s := fmt.Sprint(v)
	if v < 0 {
		return "-" + groupDigits(-v)
	}
	var out []byte
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	return string(out)
}
