package moat_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/moat-run/moat"
)

// boundsConfig is a bounds-check configuration of the compiler and the
// values its artifacts record for it.
type boundsConfig struct {
	name                 string
	cfg                  moat.Config
	mode, reserve, guard string // "bounds checks", "memory reservation", "memory guard"
}

var boundsConfigs = []boundsConfig{
	{"guard pages", moat.Config{BoundsChecks: moat.BoundsChecksGuardPages}, "guard pages", "4294967296", "33554432"},
	{"guard pages, 64M guard", moat.Config{BoundsChecks: moat.BoundsChecksGuardPages, MemoryGuardSize: 64 << 20}, "guard pages", "4294967296", "67108864"},
	{"guard pages, 8G reservation", moat.Config{BoundsChecks: moat.BoundsChecksGuardPages, MemoryReservation: 8 << 30}, "guard pages", "8589934592", "33554432"},
	{"guard pages, no guard", moat.Config{BoundsChecks: moat.BoundsChecksGuardPages, MemoryGuardSize: moat.NoMemoryGuard}, "guard pages", "4294967296", "0"},
	{"explicit", moat.Config{BoundsChecks: moat.BoundsChecksExplicit}, "explicit", "none", "none"},
	{"explicit, 1G reservation and a guard", moat.Config{BoundsChecks: moat.BoundsChecksExplicit, MemoryReservation: 1 << 30, MemoryGuardSize: 64 << 20}, "explicit", "none", "none"},
}

// refusal is the setting that keeps an artifact made under maker from
// loading in an engine configured as loader ("" when it loads), and what
// the engine wants and the artifact has: the first of the sorted keys
// that differs.
func refusal(maker, loader boundsConfig) (field, want, got string) {
	for _, s := range []struct{ key, want, got string }{
		{"bounds checks", loader.mode, maker.mode},
		{"memory guard", loader.guard, maker.guard},
		{"memory reservation", loader.reserve, maker.reserve},
	} {
		if s.want != s.got {
			return s.key, s.want, s.got
		}
	}
	return "", "", ""
}

// TestArtifactBoundsSettings: guard-page code leaves accesses unchecked
// that only its own reservation and guard keep inside the sandbox, so an
// artifact loads only in an engine with the same bounds checks and, with
// guard pages, the same reservation and guard. Any other engine refuses it
// with an *ArtifactError naming the setting, from bytes and from a file.
// Explicit code relies on neither size, so explicit engines load each
// other's artifacts whatever they reserve. What loads traps out of bounds
// with its backtrace.
func TestArtifactBoundsSettings(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	var configs []boundsConfig
	engines := map[string]*moat.Engine{}
	arts := map[string][]byte{}
	for _, c := range boundsConfigs {
		c.cfg.Engine = moat.EngineCompiler
		e, err := moat.NewEngine(c.cfg)
		if err != nil {
			t.Logf("%s: %v", c.name, err)
			continue
		}
		mod, err := e.CompileText([]byte(oobSrc))
		if err != nil {
			t.Fatal(err)
		}
		b, err := mod.Serialize()
		if err != nil {
			t.Fatal(err)
		}
		configs, engines[c.name], arts[c.name] = append(configs, c), e, b
	}
	if len(configs) < 2 {
		t.Skip("fewer than two bounds-check configurations here")
	}
	for _, maker := range configs {
		path := filepath.Join(dir, "m.cwasm")
		if err := os.WriteFile(path, arts[maker.name], 0o600); err != nil {
			t.Fatal(err)
		}
		for _, loader := range configs {
			e := engines[loader.name]
			what := maker.name + " in " + loader.name
			field, want, got := refusal(maker, loader)
			fromBytes, errBytes := e.Deserialize(arts[maker.name])
			fromFile, errFile := e.DeserializeFile(path)
			if field != "" {
				for _, err := range []error{errBytes, errFile} {
					wantArtifactError(t, what, err, field)
					var ae *moat.ArtifactError
					errors.As(err, &ae)
					if ae.Want != want || ae.Got != got {
						t.Errorf("%s: %v: want %q, got %q; expected %q and %q", what, ae, ae.Want, ae.Got, want, got)
					}
				}
				continue
			}
			if errBytes != nil || errFile != nil {
				t.Fatalf("%s: refused: %v; %v", what, errBytes, errFile)
			}
			for _, mod := range []*moat.Module{fromBytes, fromFile} {
				inst, err := moat.NewStore(e).Instantiate(ctx, mod)
				if err != nil {
					t.Fatal(err)
				}
				for _, addr := range []uint32{0xFFFD, 0x10000, 0xFFFFFFFF} {
					if err := checkOOB(inst, addr); err != nil {
						t.Errorf("%s: %v", what, err)
					}
				}
			}
		}
	}
}

// TestCompileCacheBoundsModes: engines sharing a cache directory but not
// their bounds checks compile a module each, into an entry each, and each
// later hits its own; what they load traps as compiled.
func TestCompileCacheBoundsModes(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	wasm := wat2wasm(t, oobSrc)
	var modes []moat.BoundsChecks
	for _, mode := range boundsModes {
		if _, err := moat.NewEngine(moat.Config{Engine: moat.EngineCompiler, BoundsChecks: mode}); err == nil {
			modes = append(modes, mode)
		}
	}
	if len(modes) < 2 {
		t.Skip("one bounds-check mode here")
	}
	for round, wantHit := range []bool{false, true} {
		for i, mode := range modes {
			e := compilerEngine(t, moat.Config{BoundsChecks: mode, CacheDir: dir})
			mod, err := e.Compile(wasm)
			if err != nil {
				t.Fatal(err)
			}
			if moat.FromCache(mod) != wantHit {
				t.Errorf("round %d, %v: from cache %v, want %v", round, mode, moat.FromCache(mod), wantHit)
			}
			want := i + 1
			if wantHit {
				want = len(modes)
			}
			if entries, _ := cacheEntries(t, dir); len(entries) != want {
				t.Errorf("round %d, %v: %d cache entries", round, mode, len(entries))
			}
			inst, err := moat.NewStore(e).Instantiate(ctx, mod)
			if err != nil {
				t.Fatal(err)
			}
			if err := checkOOB(inst, 0x10000); err != nil {
				t.Errorf("round %d, %v: %v", round, mode, err)
			}
		}
	}
}
