package compiler

import (
	"fmt"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/moat-run/moat/internal/backend/amd64"
	"github.com/moat-run/moat/internal/cpuclock"
	"github.com/moat-run/moat/internal/frontend"
	"github.com/moat-run/moat/internal/testsuite"
)

// BenchmarkCostBySize compiles each function of the Go wasip1 test binary
// at $MOAT_BENCH_GOWASM (or of the regex bench module) alone, as a default
// engine's worker does, and keeps each function's cheapest round on the
// compiling thread's CPU clock (which other load on the machine inflates
// least). It reports the cost per body byte by body size class and
// max-excess, the largest cost per byte of a function of 4 KiB or more over
// the module's: a phase superlinear on some shape of function shows there.
// With $MOAT_COST_TABLE set it writes every function's figures there
// (tab-separated: index, body bytes, locals, SSA blocks and instructions,
// vcode instructions, front and back half ns, name). One core, no GC:
//
//	MOAT_BENCH_GOWASM=encoding_json.test.wasm GOGC=off GOMAXPROCS=1 go test -run '^$' -bench CostBySize -benchtime 5x ./internal/compiler
func BenchmarkCostBySize(b *testing.B) {
	wasm := testsuite.BenchModule(b, "regex")
	if path := os.Getenv("MOAT_BENCH_GOWASM"); path != "" {
		var err error
		if wasm, err = os.ReadFile(path); err != nil {
			b.Fatal(err)
		}
	}
	m, env, guard := decodeForDefaultEngine(b, wasm)
	type cost struct{ front, back time.Duration }
	best := make([]cost, len(m.Code))
	type shape struct{ blocks, ssaInsts, vinsts int }
	shapes := make([]shape, len(m.Code))
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var tr frontend.Translator
	sc := amd64.NewScratch()
	thread := func() time.Duration { t, _ := cpuclock.Thread(); return t }
	for round := 0; b.Loop(); round++ {
		for i := range m.Code {
			t0 := thread()
			f, err := tr.Translate(m, m.NumImportedFuncs+uint32(i), env)
			if err != nil {
				b.Fatal(err)
			}
			frontend.Optimize(f, env)
			t1 := thread()
			var timing amd64.Timing
			if _, err := amd64.Compile(f, amd64.Options{SharedPollStub: true, Scratch: sc, Timing: &timing, FaultingUnreachable: guard}); err != nil {
				b.Fatal(err)
			}
			c := cost{t1 - t0, thread() - t1}
			if round == 0 || c.front+c.back < best[i].front+best[i].back {
				best[i] = c
			}
			if round == 0 {
				s := shape{blocks: len(f.Blocks), vinsts: timing.Insts}
				for _, blk := range f.Blocks {
					s.ssaInsts += len(blk.Insts)
				}
				shapes[i] = s
			}
		}
	}
	// Size classes by body bytes: under 256, under 2 KiB, under 16 KiB, the rest.
	classes := []struct {
		unit  string
		below int
	}{{"ns/B-lt256", 256}, {"ns/B-lt2K", 2 << 10}, {"ns/B-lt16K", 16 << 10}, {"ns/B-ge16K", 1 << 62}}
	var classBytes, allBytes [4]int
	var classCost [4]time.Duration
	var total time.Duration
	bytes := 0
	for i, c := range best {
		n := len(m.Code[i].Body)
		k := 0
		for n >= classes[k].below {
			k++
		}
		classBytes[k] += n
		classCost[k] += c.front + c.back
		allBytes[k]++
		total += c.front + c.back
		bytes += n
	}
	perByte := float64(total) / float64(bytes)
	maxExcess := 0.0
	for i, c := range best {
		if n := len(m.Code[i].Body); n >= 4<<10 {
			maxExcess = max(maxExcess, float64(c.front+c.back)/float64(n)/perByte)
		}
	}
	b.ReportMetric(perByte, "ns/B")
	for k, c := range classes {
		if classBytes[k] > 0 {
			b.ReportMetric(float64(classCost[k])/float64(classBytes[k]), c.unit)
		}
	}
	b.ReportMetric(maxExcess, "max-excess")
	b.ReportMetric(float64(total.Milliseconds()), "module-ms")
	if path := os.Getenv("MOAT_COST_TABLE"); path != "" {
		out, err := os.Create(path)
		if err != nil {
			b.Fatal(err)
		}
		defer out.Close()
		fmt.Fprintln(out, "index\tbytes\tlocals\tblocks\tssa_insts\tvinsts\tfront_ns\tback_ns\tname")
		for i, c := range best {
			idx := m.NumImportedFuncs + uint32(i)
			s := shapes[i]
			fmt.Fprintf(out, "%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%s\n", idx, len(m.Code[i].Body), m.Code[i].NumLocals,
				s.blocks, s.ssaInsts, s.vinsts, c.front.Nanoseconds(), c.back.Nanoseconds(), m.FuncName(idx))
		}
	}
}
