// Command tourgo is a WASI command built with GOOS=wasip1 GOARCH=wasm (see
// ../doc.go for the build line). It does what tour.c does, the Go way, and
// prints only what does not vary between runs:
//
//	tour_go.wasm DIR CODE
package main

import (
	"bufio"
	"fmt"
	"io/fs"
	"os"
	"path"
	"strconv"
	"strings"
	"time"
)

var failures int

func check(err error, what string) bool {
	if err != nil {
		fmt.Printf("FAIL: %s: %v\n", what, err)
		failures++
		return false
	}
	return true
}

func main() {
	fmt.Printf("args %q\n", os.Args)
	for _, kv := range os.Environ() {
		fmt.Println("env", kv)
	}
	fmt.Printf("GREETING is %q\n", os.Getenv("GREETING"))
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: tour_go.wasm DIR CODE")
		os.Exit(2)
	}
	dir := os.Args[1]
	code, err := strconv.Atoi(os.Args[2])
	check(err, "exit code")

	input()
	files(dir)
	clocks()
	fmt.Fprintf(os.Stderr, "exiting with %d after %d failures\n", code, failures)
	if failures > 0 {
		code = 99
	}
	os.Exit(code)
}

// input echoes stdin's lines upper-cased and counts them.
func input() {
	sc := bufio.NewScanner(os.Stdin)
	n := 0
	for sc.Scan() {
		n++
		fmt.Printf("stdin %d: %s\n", n, strings.ToUpper(sc.Text()))
	}
	check(sc.Err(), "read stdin")
	fmt.Printf("stdin had %d lines\n", n)
}

func files(dir string) {
	out := path.Join(dir, "out")
	check(os.MkdirAll(path.Join(out, "nested"), 0o755), "mkdir")
	file := path.Join(out, "notes.txt")
	check(os.WriteFile(file, []byte("written by Go\n"), 0o644), "write")
	f, err := os.OpenFile(file, os.O_APPEND|os.O_WRONLY, 0)
	if check(err, "open for append") {
		_, err = f.WriteString("appended\n")
		check(err, "append")
		check(f.Close(), "close")
	}
	if fi, err := os.Stat(file); check(err, "stat") {
		fmt.Printf("notes.txt: %d bytes, regular file: %v\n", fi.Size(), fi.Mode().IsRegular())
	}
	b, err := os.ReadFile(file)
	check(err, "read")
	fmt.Printf("notes.txt says %q\n", b)

	fmt.Println("walk", dir+":")
	check(fs.WalkDir(os.DirFS(dir), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		suffix := ""
		if d.IsDir() {
			suffix = "/"
		}
		fmt.Printf("  %s%s\n", p, suffix)
		return nil
	}), "walk")
	check(os.RemoveAll(out), "remove out")
	_, err = os.Stat(out)
	fmt.Printf("out removed: %v\n", os.IsNotExist(err))

	_, err = os.ReadFile(path.Join(dir, "../../../../etc/passwd"))
	fmt.Printf("escape through ..: %v\n", refused(err))
	_, err = os.ReadFile("/etc/passwd")
	fmt.Printf("absolute path outside: %v\n", refused(err))
}

func refused(err error) string {
	if err != nil {
		return "refused"
	}
	return "ALLOWED"
}

func clocks() {
	fmt.Printf("wall clock after 2020: %v\n", time.Now().Year() >= 2020)
	start := time.Now()
	time.Sleep(20 * time.Millisecond)
	fmt.Printf("slept at least 20ms: %v\n", time.Since(start) >= 20*time.Millisecond)
}
