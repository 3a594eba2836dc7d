package moat_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"github.com/moat-run/moat"
	"github.com/moat-run/moat/internal/artifact"
	"github.com/moat-run/moat/internal/testsuite"
)

// Load against compile, for the largest bench module (regex, 860 KB of
// Rust) and a Go wasip1 test binary (about 6 MB, `go test -c regexp` built
// for GOOS=wasip1 on first use, or $MOAT_BENCH_GOWASM):
//
//	go test -run '^$' -bench 'Compile(Regex|GoTest)$|Deserialize|Digest' -benchtime 20x .

// benchModules holds each benchmark module's bytes, its artifact and the
// artifact's path, made once per process.
var benchModules sync.Map // name → *benchModule

type benchModule struct {
	once     sync.Once
	wasm     []byte
	artifact []byte
	path     string
	err      error
}

func loadBenchModule(b *testing.B, name string, get func(b *testing.B) []byte) *benchModule {
	v, _ := benchModules.LoadOrStore(name, &benchModule{})
	bm := v.(*benchModule)
	bm.once.Do(func() {
		bm.wasm = get(b)
		e := compilerEngine(b, moat.Config{})
		m, err := e.Compile(bm.wasm)
		if err != nil {
			bm.err = err
			return
		}
		if bm.artifact, bm.err = m.Serialize(); bm.err != nil {
			return
		}
		dir, err := os.MkdirTemp("", "moat-bench-")
		if err != nil {
			bm.err = err
			return
		}
		bm.path = filepath.Join(dir, name+".cwasm")
		bm.err = os.WriteFile(bm.path, bm.artifact, 0o600)
	})
	if bm.err != nil {
		b.Fatal(bm.err)
	}
	if bm.wasm == nil {
		b.Skip("module unavailable")
	}
	return bm
}

// reportCPU adds the process's CPU time per op (user and system, every
// thread) to a benchmark's results: on a shared machine it varies much
// less than the wall time. Call it before the loop and defer the result.
func reportCPU(b *testing.B) func() {
	before := cpuTime()
	return func() {
		if used := cpuTime() - before; b.N > 0 && used > 0 {
			b.ReportMetric(float64(used)/float64(b.N), "cpu-ns/op")
		}
	}
}

func regexModule(b *testing.B) []byte { return testsuite.BenchModule(b, "regex") }

// goTestModule is a Go wasip1 test binary: $MOAT_BENCH_GOWASM, or
// `go test -c regexp` built for GOOS=wasip1 into a temporary folder.
func goTestModule(b *testing.B) []byte {
	path := os.Getenv("MOAT_BENCH_GOWASM")
	if path == "" {
		gobin := filepath.Join(runtime.GOROOT(), "bin", "go")
		dir, err := os.MkdirTemp("", "moat-gowasm-")
		if err != nil {
			b.Skip(err)
		}
		path = filepath.Join(dir, "regexp.test.wasm")
		cmd := exec.Command(gobin, "test", "-c", "-o", path, "regexp")
		cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Skipf("building a Go wasip1 test binary: %v\n%s", err, out)
		}
	}
	w, err := os.ReadFile(path)
	if err != nil {
		b.Skip(err)
	}
	return w
}

var benchSources = []struct {
	name string
	get  func(b *testing.B) []byte
}{
	{"regex", regexModule},
	{"gotest", goTestModule},
}

func benchCompile(b *testing.B, name string, get func(b *testing.B) []byte) {
	bm := loadBenchModule(b, name, get)
	e := compilerEngine(b, moat.Config{})
	b.SetBytes(int64(len(bm.wasm)))
	defer reportCPU(b)()
	for b.Loop() {
		if _, err := e.Compile(bm.wasm); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCompileRegex(b *testing.B)  { benchCompile(b, "regex", regexModule) }
func BenchmarkCompileGoTest(b *testing.B) { benchCompile(b, "gotest", goTestModule) }

// BenchmarkDeserialize loads each artifact: from its file (mapped) and from
// bytes (code copied), with and without the digest check.
func BenchmarkDeserialize(b *testing.B) {
	for _, src := range benchSources {
		for _, from := range []string{"file", "bytes"} {
			for _, digest := range []bool{true, false} {
				name := src.name + "/" + from + "/digest"
				if !digest {
					name = src.name + "/" + from + "/nodigest"
				}
				b.Run(name, func(b *testing.B) {
					bm := loadBenchModule(b, src.name, src.get)
					e := compilerEngine(b, moat.Config{})
					if !digest {
						moat.SkipDigest(e)
					}
					b.SetBytes(int64(len(bm.artifact)))
					var keep []*moat.Module
					defer reportCPU(b)()
					for b.Loop() {
						var m *moat.Module
						var err error
						if from == "file" {
							m, err = e.DeserializeFile(bm.path)
						} else {
							m, err = e.Deserialize(bm.artifact)
						}
						if err != nil {
							b.Fatal(err)
						}
						if keep = append(keep, m); len(keep) == 64 {
							keep = keep[:0]
						}
					}
				})
			}
		}
	}
}

// BenchmarkDigest is each digest kind alone over each artifact: the
// CRC-32C of unsigned artifacts, the SHA-256 tree of signed ones (on all
// cores, and on one), and a plain copy of the same bytes for the memory
// bandwidth they are compared with.
func BenchmarkDigest(b *testing.B) {
	for _, src := range benchSources {
		for _, tc := range []struct {
			name  string
			procs int
			run   func(dst, src []byte)
		}{
			{"crc32c", 0, func(_, b []byte) { artifact.DigestCRC32C.Sum(b) }},
			{"sha256-tree", 0, func(_, b []byte) { artifact.DigestSHA256Tree.Sum(b) }},
			{"sha256-tree/serial", 1, func(_, b []byte) { artifact.DigestSHA256Tree.Sum(b) }},
			{"copy", 0, func(dst, b []byte) { copy(dst, b) }},
		} {
			b.Run(src.name+"/"+tc.name, func(b *testing.B) {
				bm := loadBenchModule(b, src.name, src.get)
				b.SetBytes(int64(len(bm.artifact)))
				if tc.procs > 0 {
					defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(tc.procs))
				}
				dst := make([]byte, len(bm.artifact))
				defer reportCPU(b)()
				for b.Loop() {
					tc.run(dst, bm.artifact)
				}
			})
		}
	}
}
