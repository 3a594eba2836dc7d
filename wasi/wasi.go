package wasi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"time"

	"github.com/moat-run/moat"
	"github.com/moat-run/moat/internal/hostlib"
	"github.com/moat-run/moat/internal/wasip1"
)

// Config configures one WASI system (one sandbox).
//
// Stdin, Stdout and Stderr may block (pipes, request bodies, terminals): a
// guest call waiting on one ends with the interrupted trap when the call's
// context ends, its Read or Write left to finish on a helper goroutine
// (see the package documentation). In-memory readers and writers of the
// standard library and regular files are called directly, and so are a
// ContextReader and a ContextWriter.
type Config struct {
	Args     []string                                   // argv, argv[0] included
	Env      []string                                   // "KEY=VALUE" pairs, exactly what the guest sees
	Stdin    io.Reader                                  // nil: empty input
	Stdout   io.Writer                                  // nil: discarded
	Stderr   io.Writer                                  // nil: discarded; may be Stdout
	Preopens []Preopen                                  // directories granted, fds 3, 4, ... in order
	Walltime func() time.Time                           // nil: time.Now (tests fix it)
	Nanotime func() int64                               // monotonic ns; nil: a real monotonic clock
	Sleep    func(ctx context.Context, d time.Duration) // nil: real sleep; must return when ctx ends
	Rand     io.Reader                                  // nil: crypto/rand
}

// Preopen grants the guest one directory tree.
type Preopen struct {
	Guest    string // the guest path, e.g. "/" or "/data"
	Host     string // a host directory, or
	FS       fs.FS  // any fs.FS (read-only by nature)
	ReadOnly bool   // refuse every change beneath it (EPERM)
}

// ContextReader is a Stdin that bounds its own waits: ReadContext returns
// soon after ctx ends. fd_read calls it directly, on the guest's goroutine,
// with the context of the wasm call, into guest memory; poll_oneoff takes
// it as always ready. When it fails after ctx ended, the call ends with
// the interrupted trap. An embedder that can cut its own wait short (a
// connection with a deadline, a buffer in memory) avoids the helper
// goroutine and the copy of each transfer this way.
type ContextReader = wasip1.ContextReader

// ContextWriter is a Stdout or Stderr that bounds its own waits, as
// ContextReader for stdin: fd_write calls WriteContext directly with the
// guest's bytes (valid only during the call) and the call's context.
type ContextWriter = wasip1.ContextWriter

// ExitError is what proc_exit raises. It reaches the host wrapped in a
// *moat.Trap; errors.As finds it.
type ExitError = wasip1.ExitError

// System is the WASI state of one store. Close releases its host file
// descriptors.
//
// It is one pointer: every live sandbox of Prepared.Attach holds it and
// the state it points to in one 32-byte allocation (TestDensity).
type System struct{ sys *wasip1.System }

// DefineImports defines every wasi_snapshot_preview1 function in l. Call it
// once per linker: each function is bound once for every store, and finds
// its per-sandbox state, at each call, in the store the call runs in (see
// Attach), with the calling instance's memory (internal/hostlib: no
// moat.Caller is made for them).
func DefineImports(l *moat.Linker) error {
	if l == nil {
		return errors.New("wasi: DefineImports needs a linker")
	}
	for _, f := range wasip1.Functions() {
		call := f.Call
		name := f.Name
		err := hostlib.Define(l, wasip1.ModuleName, f.Name, f.Type,
			func(ctx context.Context, state any, mem *[]byte, stack []uint64) error {
				var sys *wasip1.System
				switch st := state.(type) {
				case *withParts:
					sys = &st.sys
				case *System:
					sys = st.sys
				}
				if sys == nil {
					return fmt.Errorf("wasi: %s called in a store without a WASI system (call wasi.Attach)", name)
				}
				return call(ctx, sys, mem, stack)
			})
		if err != nil {
			return err
		}
	}
	return nil
}

// Attach gives store s a WASI system configured by cfg alone. The
// preopened directories are opened now: a missing host directory is an
// error. A server that makes many sandboxes of one configuration
// prepares it once instead (Prepare) and attaches each store with
// Prepared.Attach.
func Attach(s *moat.Store, cfg Config) (*System, error) {
	if s == nil {
		return nil, errors.New("wasi: Attach needs a store")
	}
	// The system and its configuration in one allocation; closing the
	// system closes the configuration.
	solo := &struct {
		handle System
		sys    wasip1.System
		prep   wasip1.Prepared
	}{}
	solo.handle.sys = &solo.sys
	if err := solo.prep.Init(internalConfig(cfg)); err != nil {
		return nil, err
	}
	if err := solo.sys.AttachOwned(&solo.prep); err != nil {
		return nil, err
	}
	s.SetValue(hostlib.StateKey{}, &solo.handle) // a field of the store's state
	return &solo.handle, nil
}

// internalConfig is cfg as package wasip1 takes it.
func internalConfig(cfg Config) wasip1.Config {
	pc := wasip1.Config{
		Args: cfg.Args, Env: cfg.Env,
		Stdin: cfg.Stdin, Stdout: cfg.Stdout, Stderr: cfg.Stderr,
		Walltime: cfg.Walltime, Nanotime: cfg.Nanotime, Sleep: cfg.Sleep, Rand: cfg.Rand,
	}
	for _, p := range cfg.Preopens {
		pc.Preopens = append(pc.Preopens, wasip1.Preopen{Guest: p.Guest, Host: p.Host, FS: p.FS, ReadOnly: p.ReadOnly})
	}
	return pc
}

// Close releases the host file descriptors the guest holds. The guest's
// later WASI calls fail with EBADF. A second Close does nothing, also on a
// System of Prepared.AttachWith whose parts, once it and its store were
// closed, serve another sandbox: each sandbox has a System of its own,
// and a closed one touches nothing at Close.
func (sys *System) Close() error {
	return sys.sys.Close()
}

// Run calls the instance's _start and returns the exit code: 0 when _start
// returns, the proc_exit code when the guest exits (from any call depth).
// A trap returns a non-zero code and the *moat.Trap.
func Run(ctx context.Context, inst *moat.Instance) (exitCode uint32, err error) {
	start := inst.Func("_start")
	if start == nil {
		return 1, errors.New("wasi: the module exports no _start function")
	}
	if len(start.Type().Params) != 0 || len(start.Type().Results) != 0 {
		return 1, fmt.Errorf("wasi: _start has type %s, want (func)", start.Type())
	}
	_, err = start.Call(ctx)
	if err == nil {
		return 0, nil
	}
	// (errors.AsType: no allocation, where errors.As's target would
	// escape.)
	if exit, ok := errors.AsType[*ExitError](err); ok {
		return exit.Code, nil
	}
	return 1, err
}
