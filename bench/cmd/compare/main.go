package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"strings"

	"github.com/moat-run/moat/bench"
)

func main() {
	rounds := flag.Int("rounds", 5, "timed calls per kernel and runtime (the median is reported)")
	only := flag.String("kernels", "", "comma-separated kernel names to run (default all)")
	engines := flag.String("runtimes", "", "comma-separated runtimes to run, the baseline first (default moat,wazero)")
	flag.Parse()

	kernels, err := bench.Kernels()
	if err != nil {
		fmt.Fprintln(os.Stderr, "compare:", err)
		os.Exit(1)
	}
	if *only != "" {
		want := map[string]bool{}
		for _, n := range strings.Split(*only, ",") {
			want[strings.TrimSpace(n)] = true
		}
		var picked []bench.Kernel
		for _, k := range kernels {
			if want[k.Name] {
				picked = append(picked, k)
			}
		}
		kernels = picked
	}
	runtimes := bench.Runtimes()
	if *engines != "" {
		runtimes = nil
		for _, n := range strings.Split(*engines, ",") {
			rt, ok := bench.RuntimeNamed(strings.TrimSpace(n))
			if !ok {
				fmt.Fprintf(os.Stderr, "compare: unknown runtime %q\n", n)
				os.Exit(2)
			}
			runtimes = append(runtimes, rt)
		}
	}
	rows, err := bench.Compare(kernels, runtimes, *rounds)
	if err != nil {
		fmt.Fprintln(os.Stderr, "compare:", err)
		os.Exit(1)
	}
	fmt.Printf("%s/%s, %s, %d CPU, median of %d calls per cell\n\n",
		runtime.GOOS, runtime.GOARCH, runtime.Version(), runtime.NumCPU(), *rounds)
	bench.WriteTable(os.Stdout, rows, runtimes)
}
