package ssa

import "fmt"

// Pass is one transformation of a function.
type Pass struct {
	Name string
	Run  func(*Func)
}

// The passes, by name.
var (
	FoldPass     = Pass{"fold", Fold}
	DCEPass      = Pass{"dce", DCE}
	CopyPropPass = Pass{"copyprop", CopyProp}
	GVNPass      = Pass{"gvn", GVN}
	LICMPass     = Pass{"licm", LICM}
	MergePass    = Pass{"merge", MergeBlocks}
	BCEPass      = Pass{"bce", BCE}
)

// DefaultPasses is the optimisation order used by the compiler: fold
// exposes dead code, trivial parameters and jump chains, GVN merges what
// remains (so equal bounds-check indices are one value for BCE), LICM
// hoists it, GVN again merges what LICM brought together from sibling
// blocks (in a loop that calls, each copy would otherwise live, and be
// spilled, across the whole loop: Go's wasm code loads the memory base
// a hundred times in one dispatch loop), and a final fold and DCE clean
// up after them. DCE runs once, at the end: before GVN it would find
// little (0.2% of the instructions Go's code translates to) for a walk
// over all of them. The passes in between see the dead instructions,
// and GVN may take one as the representative of a later copy, which then
// stays, computed where the dead one was (a few functions' code changes).
var DefaultPasses = []Pass{FoldPass, CopyPropPass, MergePass, GVNPass, BCEPass, LICMPass, GVNPass, FoldPass, DCEPass}

// PassByName finds one of the passes above.
func PassByName(name string) (Pass, bool) {
	for _, p := range []Pass{FoldPass, DCEPass, CopyPropPass, GVNPass, LICMPass, MergePass, BCEPass} {
		if p.Name == name {
			return p, true
		}
	}
	return Pass{}, false
}

// Pipeline runs passes in order.
type Pipeline struct {
	Passes []Pass
	// Verify runs the verifier before the first pass and after each one
	// (tests and debug builds turn it on) and stops at the first failure.
	Verify bool
}

// Run applies the pipeline to f. It returns an error only when Verify is
// set and a function fails verification.
func (p Pipeline) Run(f *Func) error {
	if f.scratch == nil {
		borrowScratch(f)
		defer returnScratch(f)
	}
	s := f.scratch
	if s.inPipeline {
		// A pass running a nested pipeline: let it recompute analyses.
		return p.runNested(f)
	}
	s.inPipeline, s.run, s.cfgValidAt, s.domValidAt, s.prunedAt, s.gvnDoneAt, s.foldDoneAt = true, 0, -1, -1, -1, -1, -1
	defer func() { s.inPipeline = false }()
	return p.runPasses(f)
}

// runNested runs a pipeline inside a pass of another one, without the
// shared analyses.
func (p Pipeline) runNested(f *Func) error {
	s := f.scratch
	s.inPipeline = false
	defer func() {
		s.inPipeline = true
		s.cfgValidAt, s.domValidAt, s.prunedAt, s.gvnDoneAt, s.foldDoneAt = -1, -1, -1, -1, -1
	}()
	return p.runPasses(f)
}

func (p Pipeline) runPasses(f *Func) error {
	s := f.scratch
	if p.Verify {
		if err := Verify(f); err != nil {
			return fmt.Errorf("before optimisation: %w", err)
		}
	}
	for _, pass := range p.Passes {
		s.startPass()
		pass.Run(f)
		if p.Verify {
			if err := Verify(f); err != nil {
				return fmt.Errorf("after %s: %w", pass.Name, err)
			}
		}
	}
	return nil
}

// Optimize runs DefaultPasses on f without verification.
func Optimize(f *Func) { _ = Pipeline{Passes: DefaultPasses}.Run(f) }
