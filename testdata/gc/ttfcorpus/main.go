// Command ttfcorpus turns .wasm files into seed-corpus entries of a Go fuzz
// target: ttfcorpus DIR FILE.wasm... writes DIR/NAME for each (the
// "go test fuzz v1" format, one []byte).
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: ttfcorpus DIR FILE.wasm...")
		os.Exit(2)
	}
	dir := os.Args[1]
	for _, f := range os.Args[2:] {
		b, err := os.ReadFile(f)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		name := "ttf-gc-" + strings.TrimSuffix(filepath.Base(f), ".wasm")
		entry := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", b)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(entry), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
}
