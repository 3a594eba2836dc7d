package moat_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/moat-run/moat"
	"github.com/moat-run/moat/wasi"
)

// BenchmarkInstantiatePre is instantiate+close of a prepared module in a
// new store: add (one page), hello (WASI, data) and a module with a
// megabyte of data, whose cost must not follow the data's size; with
// $MOAT_BENCH set, bz2 and regex too, whose cost must not follow their
// number of functions (regex defines about a thousand).
func BenchmarkInstantiatePre(b *testing.B) {
	ctx := context.Background()
	data := make([]byte, 1<<20)
	for i := range data {
		data[i] = byte(i)
	}
	engines := []struct {
		name string
		cfg  moat.Config
	}{
		{"interp", moat.Config{Engine: moat.EngineInterpreter}},
		{"compiler", moat.Config{Engine: moat.EngineCompiler}},
		{"pooling", moat.Config{Engine: moat.EngineCompiler, Pooling: &moat.PoolingConfig{}}},
		{"pooling-explicit", moat.Config{Engine: moat.EngineCompiler, BoundsChecks: moat.BoundsChecksExplicit,
			Pooling: &moat.PoolingConfig{MaxMemorySize: 64 << 20}}},
	}
	for _, be := range engines {
		e, err := moat.NewEngine(be.cfg)
		if err != nil {
			continue
		}
		l := moat.NewLinker(e)
		if err := wasi.DefineImports(l); err != nil {
			b.Fatal(err)
		}
		// The markers of ../shared/bench's modules; never called here.
		nop := func(context.Context, *moat.Caller, []uint64) error { return nil }
		for _, name := range []string{"start", "end"} {
			if err := l.DefineHostFunc("bench", name, moat.FuncType{}, nop); err != nil {
				b.Fatal(err)
			}
		}
		mods := []struct {
			name string
			bin  []byte
		}{
			{"add", readFixture(b, "add.wasm")},
			{"hello", readFixture(b, "hello.wasm")},
			{"data1M", nil},
		}
		if dir := os.Getenv("MOAT_BENCH"); dir != "" {
			for _, name := range []string{"bz2", "regex"} {
				bin, err := os.ReadFile(filepath.Join(dir, name, "benchmark.wasm"))
				if err != nil {
					b.Fatal(err)
				}
				mods = append(mods, struct {
					name string
					bin  []byte
				}{name, bin})
			}
		}
		for _, m := range mods {
			var mod *moat.Module
			if m.bin != nil {
				mod, err = e.Compile(m.bin)
			} else {
				mod, err = e.CompileText([]byte(largeDataWat(data)))
			}
			if err != nil {
				b.Fatal(err)
			}
			pre, err := l.Prepare(mod)
			if err != nil {
				b.Fatal(err)
			}
			b.Run(be.name+"/"+m.name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					s := moat.NewStore(e)
					if _, err := pre.Instantiate(ctx, s); err != nil {
						b.Fatal(err)
					}
					s.Close()
				}
			})
		}
	}
}
