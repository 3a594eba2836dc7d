package spectest

import (
	"fmt"
	"strings"
	"time"

	"github.com/moat-run/moat"
)

// Options configures a run.
type Options struct {
	// Config configures the engine when Engine is nil.
	Config moat.Config
	// Engine, when set, is used for every file (it is safe to share).
	Engine *moat.Engine
	// Timeout bounds one file's run (default DefaultTimeout). A file that
	// runs longer is reported as a failure at the command it was running.
	Timeout time.Duration
	// Compile, when set, replaces Engine.Compile for every module of the
	// scripts (a test passes each module through an artifact this way).
	Compile func(e *moat.Engine, wasm []byte) (*moat.Module, error)
}

// DefaultTimeout is the per-file time limit when Options.Timeout is 0.
const DefaultTimeout = 2 * time.Minute

// Failure is one failed command.
type Failure struct {
	File     string // the .json file
	Line     int    // line of the command in the .wast source
	Command  string // command type, e.g. "assert_return"
	Expected string
	Got      string
}

func (f Failure) String() string {
	return fmt.Sprintf("%s:%d: %s: expected %s; got %s", f.File, f.Line, f.Command, f.Expected, f.Got)
}

// FileResult is the outcome of one file. Each assert_* command is one test
// (Passed, Failed, Skipped or NeedGC); module, register and action commands
// count only when they fail (as Failed). NeedGC counts the assertions that
// could not run because their module (or a value they use) needs garbage
// collection, which the engine refused: such a module is refused with a
// CompileError of Kind Unsupported and Feature FeatureGC, nothing else is.
type FileResult struct {
	File                            string
	Passed, Failed, Skipped, NeedGC int
	Failures                        []Failure
	Duration                        time.Duration
}

// OK reports whether nothing failed.
func (r *FileResult) OK() bool { return r.Failed == 0 }

func (r *FileResult) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d passed, %d failed, %d skipped", r.File, r.Passed, r.Failed, r.Skipped)
	if r.NeedGC > 0 {
		fmt.Fprintf(&b, ", %d need GC", r.NeedGC)
	}
	for _, f := range r.Failures {
		b.WriteString("\n  ")
		b.WriteString(f.String())
	}
	return b.String()
}

// Result sums the results of several files.
type Result struct {
	Files                           []FileResult
	Passed, Failed, Skipped, NeedGC int
}

// Add adds one file's result.
func (r *Result) Add(f FileResult) {
	r.Files = append(r.Files, f)
	r.Passed += f.Passed
	r.Failed += f.Failed
	r.Skipped += f.Skipped
	r.NeedGC += f.NeedGC
}

func (r *Result) String() string {
	s := fmt.Sprintf("%d passed, %d failed, %d skipped", r.Passed, r.Failed, r.Skipped)
	if r.NeedGC > 0 {
		s += fmt.Sprintf(", %d need GC", r.NeedGC)
	}
	return s
}
