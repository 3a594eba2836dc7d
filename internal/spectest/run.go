package spectest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"github.com/moat-run/moat"
	"github.com/moat-run/moat/internal/text"
)

// Files lists the scripts under paths (files, or folders walked
// recursively), sorted: *.wast scripts and wast2json's *.json.
func Files(paths ...string) ([]string, error) {
	var out []string
	for _, p := range paths {
		err := filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() && (strings.HasSuffix(path, ".json") || strings.HasSuffix(path, ".wast")) {
				out = append(out, path)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	sort.Strings(out)
	return out, nil
}

// Run runs every script under paths (see Files), one after the other.
func Run(ctx context.Context, opts Options, paths ...string) (Result, error) {
	var res Result
	files, err := Files(paths...)
	if err != nil {
		return res, err
	}
	if opts.Engine == nil {
		e, err := moat.NewEngine(opts.Config)
		if err != nil {
			return res, err
		}
		opts.Engine = e
	}
	for _, f := range files {
		res.Add(RunFile(ctx, f, opts))
	}
	return res, nil
}

// RunFile runs one script (.wast, or wast2json's .json) in a fresh store and linker that hold
// the spectest host module. It never hangs: past opts.Timeout it reports
// the command it was running as failed and returns (the runaway goroutine is
// left behind, its context cancelled).
func RunFile(ctx context.Context, path string, opts Options) FileResult {
	start := time.Now()
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	fail := func(line int, cmd, expected, got string) FileResult {
		return FileResult{File: path, Failed: 1, Duration: time.Since(start),
			Failures: []Failure{{File: path, Line: line, Command: cmd, Expected: expected, Got: got}}}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return fail(0, "file", "a readable script", err.Error())
	}
	var cmds []command
	if strings.HasSuffix(path, ".wast") {
		if cmds, err = wastCommands(data); err != nil {
			line := 0
			var te *text.Error
			if errors.As(err, &te) {
				line = te.Line
			}
			return fail(line, "file", "a .wast script", err.Error())
		}
	} else {
		var s script
		if err := json.Unmarshal(data, &s); err != nil {
			return fail(0, "file", "a wast2json script", err.Error())
		}
		cmds = s.Commands
	}
	if len(cmds) == 0 {
		return fail(0, "file", "at least one command", "none")
	}
	engine := opts.Engine
	if engine == nil {
		if engine, err = moat.NewEngine(opts.Config); err != nil {
			return fail(0, "file", "an engine", err.Error())
		}
	}

	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	r := &runner{ctx: ctx, dir: filepath.Dir(path), engine: engine, compileFn: opts.Compile,
		res: FileResult{File: path}, named: map[string]*moat.Instance{},
		defs: map[string]*moat.Module{}, gcNames: map[string]bool{}}
	done := make(chan FileResult, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				r.failf(int(r.line.Load()), "panic", "no panic", "%v", p)
			}
			done <- r.res
		}()
		r.run(cmds)
	}()
	// The engine should stop at the deadline by itself (TrapInterrupted); the
	// grace period covers an engine that ignores its context.
	grace := time.NewTimer(timeout + graceAfterTimeout)
	defer grace.Stop()
	select {
	case res := <-done:
		res.Duration = time.Since(start)
		return res
	case <-grace.C:
		line := int(r.line.Load())
		return fail(line, "file", fmt.Sprintf("to finish within %v", timeout),
			fmt.Sprintf("still running at line %d after %v (engine ignores context cancellation?)", line, timeout+10*time.Second))
	}
}

// errGCDefinition stands for a module definition that needs garbage
// collection, when an assertion instantiates it.
var errGCDefinition = &moat.CompileError{Kind: moat.Unsupported, Feature: moat.FeatureGC, Offset: -1, Func: -1,
	Msg: "the module definition needs garbage collection"}

// graceAfterTimeout is how long RunFile waits past the deadline for an
// engine to notice its cancelled context before giving up on the file.
const graceAfterTimeout = 5 * time.Second

// runner holds the state of one script: its store, linker, module
// definitions and instances.
type runner struct {
	ctx     context.Context
	dir     string
	engine  *moat.Engine
	store   *moat.Store
	linker  *moat.Linker
	current *moat.Instance
	named   map[string]*moat.Instance
	defs    map[string]*moat.Module // module definitions by $name
	lastDef *moat.Module
	// Modules that need garbage collection (should an engine refuse it) are
	// remembered instead of instantiated: gcNames holds their $names (as
	// definitions and instances), and the flags stand for the latest
	// definition and the current instance. Assertions on them count as
	// NeedGC, never as passed.
	gcNames              map[string]bool
	lastDefGC, currentGC bool
	res                  FileResult
	line                 atomic.Int64 // the command being run, read by RunFile on timeout
	cmd                  *command
	// compileFn replaces engine.Compile when set (Options.Compile).
	compileFn func(e *moat.Engine, wasm []byte) (*moat.Module, error)
}

func (r *runner) failf(line int, cmd, expected, format string, args ...any) {
	r.res.Failed++
	r.res.Failures = append(r.res.Failures, Failure{File: r.res.File, Line: line, Command: cmd,
		Expected: expected, Got: fmt.Sprintf(format, args...)})
}

// fail records the current command as failed.
func (r *runner) fail(expected, format string, args ...any) {
	r.failf(r.cmd.Line, r.cmd.Type, expected, format, args...)
}

func (r *runner) run(cmds []command) {
	r.store = moat.NewStore(r.engine)
	r.linker = moat.NewLinker(r.engine)
	if err := defineSpectest(r.store, r.linker); err != nil {
		r.failf(0, "spectest", "the spectest host module", "%v", err)
		return
	}
	for i := range cmds {
		c := &cmds[i]
		r.cmd = c
		r.line.Store(int64(c.Line))
		r.command(c)
	}
}

func (r *runner) command(c *command) {
	switch c.Type {
	case "module":
		r.module(c)
	case "instance":
		r.instance(c)
	case "register":
		if r.instanceNeedsGC(c.Name) {
			return // nothing to register: its module needs garbage collection
		}
		inst := r.current
		if c.Name != "" {
			inst = r.named[c.Name]
		}
		if inst == nil {
			r.fail("a module to register as "+c.As, "no module %q", c.Name)
			return
		}
		if err := r.linker.DefineInstance(c.As, inst); err != nil {
			r.fail("register as "+c.As, "%v", err)
		}
	case "action":
		if c.Action != nil && r.instanceNeedsGC(c.Action.Module) {
			return
		}
		if _, err := r.act(c.Action); err != nil {
			r.fail("the action to succeed", "%v", err)
		}
	case "assert_return":
		r.assertReturn(c)
	case "assert_trap", "assert_exhaustion":
		r.assertTrap(c)
	case "assert_exception":
		r.assertException(c)
	case "assert_malformed", "assert_invalid":
		r.assertRejected(c)
	case "assert_unlinkable", "assert_uninstantiable":
		r.assertNotInstantiated(c)
	default:
		r.fail("a known command", "unknown command type %q", c.Type)
	}
}

// module defines a script module and, unless it is only a definition,
// instantiates it.
func (r *runner) module(c *command) {
	m, err := r.compile(c)
	gc := needsGC(err)
	if err != nil && !gc {
		r.forget(c.Name, c.Definition)
		r.fail("the module to compile", "%v", err)
		return
	}
	r.lastDef, r.lastDefGC = m, gc
	if c.Name != "" {
		r.defs[c.Name] = m
		r.gcNames[c.Name] = gc
	}
	if c.Definition {
		return
	}
	r.instantiateAs(c.Name, m, gc)
}

// instance instantiates a definition: `(module instance $I? $M?)`.
func (r *runner) instance(c *command) {
	m, gc, ok := r.definition(c.Instance)
	if !ok {
		r.fail("a module definition to instantiate", "no definition %q", c.Instance)
		return
	}
	r.instantiateAs(c.Name, m, gc)
}

// definition returns the module definition named name ("" for the latest).
func (r *runner) definition(name string) (m *moat.Module, gc, ok bool) {
	if name == "" {
		return r.lastDef, r.lastDefGC, r.lastDef != nil || r.lastDefGC
	}
	m, ok = r.defs[name]
	return m, r.gcNames[name], ok
}

// instantiateAs instantiates m as the current instance, named name.
func (r *runner) instantiateAs(name string, m *moat.Module, gc bool) {
	r.current, r.currentGC = nil, gc
	if name != "" {
		delete(r.named, name)
		r.gcNames[name] = gc
	}
	if gc {
		return
	}
	inst, err := r.linker.Instantiate(r.ctx, r.store, m)
	if err != nil {
		r.fail("the module to instantiate", "%v", err)
		return
	}
	r.current = inst
	if name != "" {
		r.named[name] = inst
	}
}

// forget drops a module that failed to compile from the script's names.
func (r *runner) forget(name string, definition bool) {
	if !definition {
		r.current, r.currentGC = nil, false
	}
	if name != "" {
		delete(r.named, name)
		delete(r.defs, name)
		delete(r.gcNames, name)
	}
}

// instanceNeedsGC reports whether the instance named name ("" for the
// current one) stands for a module that needs garbage collection.
func (r *runner) instanceNeedsGC(name string) bool {
	if name == "" {
		return r.currentGC
	}
	return r.gcNames[name]
}

// needsGC reports whether a module was refused only because it uses
// garbage collection (an engine that does not run it).
func needsGC(err error) bool {
	var ce *moat.CompileError
	return errors.As(err, &ce) && ce.Kind == moat.Unsupported && ce.Feature == moat.FeatureGC
}

// skipGC counts the current assertion as one that needs garbage collection.
func (r *runner) skipGC() { r.res.NeedGC++ }

// pass and check count one assertion.
func (r *runner) pass() { r.res.Passed++ }

// compile compiles the module of c: from the .wast script itself, or from
// the file c.Filename beside the JSON script. A text-format error comes
// back as a *text.Error (the module is malformed).
func (r *runner) compile(c *command) (*moat.Module, error) {
	if c.instance {
		m, gc, ok := r.definition(c.Instance)
		switch {
		case gc:
			return nil, errGCDefinition
		case !ok || m == nil:
			return nil, fmt.Errorf("no module definition %q", c.Instance)
		}
		return m, nil
	}
	if c.load != nil {
		b, err := c.load()
		if err != nil {
			return nil, err
		}
		return r.compileBytes(b)
	}
	filename := c.Filename
	if filename == "" || filepath.Base(filename) != filename {
		return nil, fmt.Errorf("bad module file name %q", filename)
	}
	b, err := os.ReadFile(filepath.Join(r.dir, filename))
	if err != nil {
		return nil, err
	}
	return r.compileBytes(b)
}

func (r *runner) compileBytes(b []byte) (*moat.Module, error) {
	if r.compileFn != nil {
		return r.compileFn(r.engine, b)
	}
	return r.engine.Compile(b)
}

// act performs an invoke or get action and returns the result words.
func (r *runner) act(a *action) ([]uint64, error) {
	if a == nil {
		return nil, fmt.Errorf("command without an action")
	}
	inst := r.current
	if a.Module != "" {
		inst = r.named[a.Module]
	}
	if inst == nil {
		return nil, fmt.Errorf("no module %q to act on", a.Module)
	}
	switch a.Type {
	case "invoke":
		f := inst.Func(a.Field)
		if f == nil {
			return nil, fmt.Errorf("no exported function %q", a.Field)
		}
		var args []uint64
		for _, v := range a.Args {
			e, err := parseValue(v, false)
			if err != nil {
				return nil, fmt.Errorf("argument: %v", err)
			}
			ws, err := r.argWords(e)
			if err != nil {
				return nil, fmt.Errorf("argument: %v", err)
			}
			args = append(args, ws...)
		}
		return f.Call(r.ctx, args...)
	case "get":
		g := inst.Global(a.Field)
		if g == nil {
			return nil, fmt.Errorf("no exported global %q", a.Field)
		}
		if g.Type().Value == moat.ValueV128 {
			lo, hi := g.GetV128()
			return []uint64{lo, hi}, nil
		}
		return []uint64{g.Get()}, nil
	}
	return nil, fmt.Errorf("unknown action type %q", a.Type)
}
