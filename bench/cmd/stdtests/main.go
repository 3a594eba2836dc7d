package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"time"
)

// defaultPkgs are the standard library packages tested by default: a
// broad set that builds for wasip1 and finishes in minutes on an
// interpreter.
var defaultPkgs = []string{
	"archive/tar", "archive/zip", "bufio", "bytes", "compress/flate",
	"compress/gzip", "container/heap", "container/list", "crypto/sha256",
	"encoding/asn1", "encoding/base64", "encoding/binary", "encoding/csv",
	"encoding/gob", "encoding/hex", "encoding/json", "encoding/xml", "errors",
	"fmt", "go/parser", "go/printer", "go/scanner", "hash/crc32", "html",
	"html/template", "image/png", "index/suffixarray", "math", "math/big",
	"math/bits", "mime", "net/url", "path", "path/filepath", "regexp",
	"regexp/syntax", "slices", "sort", "strconv", "strings", "text/scanner",
	"text/template", "unicode", "unicode/utf8",
}

// runner is one way of running a wasip1 binary.
type runner struct {
	name string
	// command returns the command line that runs module with args, with
	// PWD (the guest's working directory) set to dir.
	command func(module, dir string, args []string) []string
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "-wazero-run" {
		wazeroMain(os.Args[2:])
		return
	}
	pkgList := flag.String("pkgs", strings.Join(defaultPkgs, ","), "comma-separated standard library packages")
	runnerList := flag.String("runners", "wazero,moat-compiler,moat-interp", "comma-separated runners")
	work := flag.String("work", "", "directory for the test binaries and logs (default: moat-stdtests under the user cache)")
	jobs := flag.Int("j", 2, "runs at a time")
	timeout := flag.Duration("timeout", 10*time.Minute, "per run (also passed as -test.timeout)")
	moatFlags := flag.String("moat-flags", "", "extra flags for moat run (space-separated), e.g. '-W max-wasm-stack=1M'")
	flag.Parse()
	if err := run(strings.Split(*pkgList, ","), strings.Split(*runnerList, ","), *work, *jobs, *timeout, strings.Fields(*moatFlags)); err != nil {
		fmt.Fprintln(os.Stderr, "stdtests:", err)
		os.Exit(1)
	}
}

func run(pkgs, runnerNames []string, work string, jobs int, timeout time.Duration, moatFlags []string) error {
	if work == "" {
		dir, err := os.UserCacheDir()
		if err != nil {
			return err
		}
		work = filepath.Join(dir, "moat-stdtests")
	}
	if err := os.MkdirAll(filepath.Join(work, "logs"), 0o755); err != nil {
		return err
	}
	goTool := filepath.Join(runtime.GOROOT(), "bin", "go")
	self, err := os.Executable()
	if err != nil {
		return err
	}
	// The moat command is built in its own module (the repository this
	// module replaces it with), whose go.sum has the command's
	// dependencies.
	moatBin := filepath.Join(work, "moat")
	fmt.Fprintln(os.Stderr, "building moat")
	modDir, err := exec.Command(goTool, "list", "-m", "-f", "{{.Dir}}", "github.com/moat-run/moat").Output()
	if err != nil {
		return fmt.Errorf("locating the moat module: %v", err)
	}
	build := exec.Command(goTool, "build", "-o", moatBin, "./cmd/moat")
	build.Dir = strings.TrimSpace(string(modDir))
	if out, err := build.CombinedOutput(); err != nil {
		return fmt.Errorf("building moat: %v\n%s", err, out)
	}
	moatRun := func(engine string) func(module, dir string, args []string) []string {
		return func(module, dir string, args []string) []string {
			cmd := []string{moatBin, "run", "--engine", engine, "--dir", "/", "--env", "PWD=" + dir, "--env", "PATH"}
			cmd = append(cmd, moatFlags...)
			return append(append(cmd, module), args...)
		}
	}
	all := map[string]runner{
		"wazero": {"wazero", func(module, dir string, args []string) []string {
			return append([]string{self, "-wazero-run", module}, args...)
		}},
		"moat-compiler": {"moat-compiler", moatRun("compiler")},
		"moat-interp":   {"moat-interp", moatRun("interp")},
	}
	var runners []runner
	for _, n := range runnerNames {
		r, ok := all[n]
		if !ok {
			return fmt.Errorf("unknown runner %q (wazero, moat-compiler, moat-interp)", n)
		}
		runners = append(runners, r)
	}

	type cell struct {
		verdict string
		elapsed time.Duration
	}
	type row struct {
		pkg, dir, module, buildErr string
		cells                      []cell
	}
	rows := make([]*row, len(pkgs))
	for i, pkg := range pkgs {
		r := &row{pkg: pkg, cells: make([]cell, len(runners))}
		rows[i] = r
		dir, err := exec.Command(goTool, "list", "-f", "{{.Dir}}", pkg).Output()
		if err != nil {
			r.buildErr = "not found"
			continue
		}
		r.dir = strings.TrimSpace(string(dir))
		r.module = filepath.Join(work, strings.ReplaceAll(pkg, "/", "_")+".test.wasm")
		if _, err := os.Stat(r.module); err == nil {
			continue
		}
		fmt.Fprintln(os.Stderr, "building", pkg)
		cmd := exec.Command(goTool, "test", "-c", "-o", r.module, pkg)
		cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
		if out, err := cmd.CombinedOutput(); err != nil {
			r.buildErr = "does not build"
			fmt.Fprintf(os.Stderr, "%s: %v\n%s", pkg, err, out)
		}
	}

	type job struct {
		r *row
		i int
	}
	queue := make(chan job)
	var wg sync.WaitGroup
	for range max(jobs, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range queue {
				v, d := runOne(j.r.pkg, runners[j.i], j.r.module, j.r.dir, work, timeout)
				j.r.cells[j.i] = cell{v, d}
				fmt.Fprintf(os.Stderr, "%-22s %-14s %-8s %v\n", j.r.pkg, runners[j.i].name, v, d.Round(100*time.Millisecond))
			}
		}()
	}
	for _, r := range rows {
		if r.buildErr != "" {
			continue
		}
		for i := range runners {
			queue <- job{r, i}
		}
	}
	close(queue)
	wg.Wait()

	fmt.Printf("%s/%s, %s, %d CPU, %d runs at a time; go test -c for wasip1, run with -test.short; moat flags: %q\n\n",
		runtime.GOOS, runtime.GOARCH, runtime.Version(), runtime.NumCPU(), jobs, strings.Join(moatFlags, " "))
	fmt.Print("| package |")
	for _, rn := range runners {
		fmt.Printf(" %s |", rn.name)
	}
	fmt.Print("\n|---|")
	for range runners {
		fmt.Print("---|")
	}
	fmt.Println()
	counts := make([]int, len(runners))
	for _, r := range rows {
		fmt.Printf("| %s |", r.pkg)
		for i, c := range r.cells {
			switch {
			case r.buildErr != "":
				fmt.Printf(" %s |", r.buildErr)
			default:
				fmt.Printf(" %s %.1fs |", c.verdict, c.elapsed.Seconds())
				if c.verdict == "PASS" {
					counts[i]++
				}
			}
		}
		fmt.Println()
	}
	fmt.Print("| **passed** |")
	for _, n := range counts {
		fmt.Printf(" %d of %d |", n, len(rows))
	}
	fmt.Println()
	return nil
}

// failedTest matches go test's line for a failing test.
var failedTest = regexp.MustCompile(`(?m)^\s*--- FAIL: (\S+)`)

// runOne runs one test binary and sums up the outcome: PASS, FAIL with the
// first failing tests, a trap's message, or TIMEOUT. The output goes to a
// log file under work.
func runOne(pkg string, r runner, module, dir, work string, timeout time.Duration) (string, time.Duration) {
	args := []string{"-test.short", "-test.timeout=" + timeout.String()}
	argv := r.command(module, dir, args)
	ctx, cancel := context.WithTimeout(context.Background(), timeout+time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "PWD="+dir)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err := cmd.Run()
	elapsed := time.Since(start)
	logName := filepath.Join(work, "logs", strings.ReplaceAll(pkg, "/", "_")+"."+r.name+".log")
	_ = os.WriteFile(logName, out.Bytes(), 0o644)
	text := out.String()
	var exit *exec.ExitError
	switch {
	case ctx.Err() != nil, strings.Contains(text, "panic: test timed out"):
		return "TIMEOUT", elapsed
	case err == nil && strings.HasSuffix(strings.TrimSpace(text), "PASS"):
		return "PASS", elapsed
	case strings.Contains(text, "trap: "):
		i := strings.Index(text, "trap: ")
		line, _, _ := strings.Cut(text[i:], "\n")
		return line, elapsed
	case err != nil && !errors.As(err, &exit):
		return "ERROR " + err.Error(), elapsed
	}
	verdict := "FAIL"
	if m := failedTest.FindAllStringSubmatch(text, 3); len(m) > 0 {
		var names []string
		for _, s := range m {
			names = append(names, s[1])
		}
		verdict += " (" + strings.Join(names, ", ") + ")"
	}
	return verdict, elapsed
}
