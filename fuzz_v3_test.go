package moat_test

import (
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moat-run/moat"
	"github.com/moat-run/moat/internal/binary"
	"github.com/moat-run/moat/internal/testsuite"
	"github.com/moat-run/moat/internal/text"
	"github.com/moat-run/moat/internal/vm/gcheap"
)

// FuzzExecuteV3 is FuzzExecute on the interpreter with every WebAssembly 3.0
// feature on, seeded with the modules of the 3.0 suite's scripts (tail
// calls, typed references, exceptions, multiple and 64-bit memories,
// relaxed SIMD, garbage collection…) and with GC modules from binaryen's
// translate-to-fuzz (testdata/fuzz/FuzzExecuteV3, made by
// testdata/gc/ttf.sh). The same promise holds: success or a typed error
// (*CompileError, *LinkError, *Trap, an uncaught *Exception, or a
// resource-limit error), never a panic, a hang or unbounded memory; and
// the GC heap is verified after every collection, so a collection that
// leaves a dangling or malformed object fails the input.
//
//	go test -run '^$' -fuzz FuzzExecuteV3 -fuzztime 10m .
func FuzzExecuteV3(f *testing.F) {
	fuzzing := flag.Lookup("test.fuzz") != nil && flag.Lookup("test.fuzz").Value.String() != ""
	if dir, err := testsuite.SpecV3Dir(); err == nil {
		i := 0
		_ = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".wast") {
				return err
			}
			src, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			script, err := text.ParseScript(src)
			if err != nil {
				return nil // TestSpecV3 reports it
			}
			for _, cmd := range script.Commands {
				if cmd.Kind != text.CmdModule || cmd.Module == nil || cmd.Module.Module == nil {
					continue
				}
				if i++; fuzzing || i%25 == 0 {
					f.Add(binary.Encode(cmd.Module.Module))
				}
			}
			return nil
		})
	}
	engine, err := moat.NewEngine(moat.Config{Engine: moat.EngineInterpreter,
		MaxMemoryPages: 256, MaxTableElements: 100_000, MaxCallDepth: 2000, MaxGCHeapBytes: 64 << 20})
	if err != nil {
		f.Fatal(err)
	}
	gcheap.SetVerify(true)
	f.Fuzz(func(t *testing.T, b []byte) {
		executeAll(t, engine, b)
		if n, err := gcheap.VerifyFailures(); n != 0 {
			t.Fatalf("GC heap verification failed (%d times): %v", n, err)
		}
	})
}
