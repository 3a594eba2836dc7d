package compiler

import (
	"fmt"
	"runtime"
	"slices"
	"strconv"

	"github.com/moat-run/moat/internal/artifact"
	"github.com/moat-run/moat/internal/backend/amd64"
	"github.com/moat-run/moat/internal/engine"
	"github.com/moat-run/moat/internal/vm"
	"github.com/moat-run/moat/internal/wasm"
)

// The compiler's side of artifacts: what its code depends on (the target),
// the sections that hold a linked module, and loading them back. Linked
// code needs no relocation (see moduleCode), so loading maps the code
// section as it is and reads the tables in place.

// codeSettings are the configuration values that generated code depends
// on, by the key the artifact header records. An option that changes the
// code (a bounds-check mode) adds a row here, and artifacts and cache
// entries made under another value are then refused with an error naming
// the key. Options that only the runtime reads (call depth, stack size)
// are not here: they are not in the code. A fixed poll interval is, through
// the polls row: it needs counting polls. Nor are the WebAssembly features
// turned off: a module's code does not depend on them; the header records
// the features the module uses instead (artifact.Header.Features), which
// an engine that turned one off refuses.
//
// The fuel row is frontend.Env.PollEveryEntry. The bounds-check rows are what frontend.Env.Unchecked and the back end's
// FaultingUnreachable are made of: the mode, and in guard-page mode the
// reservation and the guard that an unchecked access relies on (code made
// for a 64 MiB guard leaves accesses unchecked that a 32 MiB guard would
// let out). With explicit checks the code relies on neither, so both read
// "none" and an explicit artifact loads whatever reservation the engine
// gives its memories.
var codeSettings = []struct {
	key   string
	value func(e *compilerEngine) string
}{
	{"bounds checks", func(e *compilerEngine) string { return boundsMode(e.guard) }},
	{"memory reservation", func(e *compilerEngine) string { return guardBytes(e, e.layout.Reserve) }},
	{"memory guard", func(e *compilerEngine) string { return guardBytes(e, e.layout.GuardAfter) }},
	{"fuel", func(e *compilerEngine) string { return fuelPolls(e.cfg.ConsumeFuel) }},
	{"polls", func(e *compilerEngine) string { return pollKind(e.epoch) }},
}

// pollKind names what the polls compare (frontend.Env.EpochPolls): the
// epoch with the context's deadline, or the counter they count down.
func pollKind(epoch bool) string {
	if epoch {
		return "epoch"
	}
	return "counter"
}

// fuelPolls names where the code polls, which is what fuel counts: with
// fuel on, at every function entry (frontend.Env.PollEveryEntry), so that
// an artifact's code uses the fuel the interpreter would.
func fuelPolls(consume bool) string {
	if consume {
		return "every entry"
	}
	return "off"
}

// boundsMode names a bounds-check mode in artifact headers.
func boundsMode(guard bool) string {
	if guard {
		return "guard pages"
	}
	return "explicit"
}

// guardBytes is a size the code relies on in guard-page mode, in bytes;
// "none" with explicit checks.
func guardBytes(e *compilerEngine, n uint64) string {
	if !e.guard {
		return "none"
	}
	return strconv.FormatUint(n, 10)
}

// featureNames lists the optional CPU features in f, sorted.
func featureNames(f amd64.Features) []string {
	var out []string
	if f.AVX {
		out = append(out, "avx")
	}
	if f.AVX2 {
		out = append(out, "avx2")
	}
	return out
}

// Target is what this engine's code depends on.
func (e *compilerEngine) Target() artifact.Target {
	t := artifact.Target{Arch: "amd64", CPU: featureNames(e.feat)}
	for _, s := range codeSettings {
		t.Settings = append(t.Settings, artifact.Setting{Key: s.key, Value: s.value(e)})
	}
	slices.SortFunc(t.Settings, func(a, b artifact.Setting) int {
		switch {
		case a.Key < b.Key:
			return -1
		case a.Key > b.Key:
			return 1
		}
		return 0
	})
	return t
}

// ArtifactSections returns the sections that hold c: its tables and its
// code, as they are in memory.
func (e *compilerEngine) ArtifactSections(c engine.Code) ([]artifact.SectionData, error) {
	mc, ok := c.(*moduleCode)
	if !ok || mc.eng != e {
		return nil, fmt.Errorf("compiler: code of another engine")
	}
	return []artifact.SectionData{
		{Kind: artifact.SectionTables, Data: mc.tables.raw},
		{Kind: artifact.SectionCode, Data: mc.code.Contents()},
	}, nil
}

// LoadArtifact makes m's code from a verified artifact whose header the
// caller has checked. It takes the file's mapping when there is one: the
// code runs from it and the tables are read in place.
func (e *compilerEngine) LoadArtifact(m *wasm.Module, f *artifact.File) (engine.Code, error) {
	codeSize := int(f.Header.Section(artifact.SectionCode).Size)
	tables, err := parseTables(f.Section(artifact.SectionTables), len(m.Funcs), codeSize)
	if err != nil {
		return nil, &artifact.Error{Field: artifact.FieldHeader, Got: err.Error()}
	}
	code, err := f.Code()
	if err != nil {
		return nil, err
	}
	// Registered with the signal handler like freshly linked code (see
	// mapGenerated); Close, in the cleanup, unregisters it.
	if err := allowFaults(code); err != nil {
		code.Close()
		return nil, err
	}
	mc := &moduleCode{eng: e, m: m, code: code, tables: tables, typeIDs: e.typeIDsOf(m), file: f.TakeMapping()}
	runtime.AddCleanup(mc, func(r loaded) {
		_ = r.code.Close()
		_ = r.file.Close()
	}, loaded{code, mc.file})
	writePerfMap(mc)
	return mc, nil
}

// loaded is what a loaded module releases when it is collected.
type loaded struct {
	code *vm.Code
	file *vm.FileMapping
}
