package wasip1

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync/atomic"
	"time"
)

// Prepared is a WASI configuration made once and shared, read-only, by
// every System attached with it (Wasmtime's WasiCtx built from one
// builder): the arguments and environment, checked and copied once, the
// embedder's clocks, sleep and randomness, the standard streams' kinds
// and the preopened directories, opened once. Each descriptor of stdio
// and of a preopen is a template entry here; a System sees them through
// its descriptor table until it changes one (closes, renumbers, drops
// rights, sets flags, lists a directory), and only then copies the entry
// it changes (fd_table.go).
//
// A Prepared is safe for concurrent use by the Systems attached with it:
// nothing in it is written after Init but the count of those Systems.
type Prepared struct {
	args, env []string // one copy of both lists
	walltime  func() time.Time
	nanotime  func() int64
	sleep     func(ctx context.Context, d time.Duration)
	rand      io.Reader
	// entries are the template descriptors, fds 0, 1, 2 and the
	// preopens in order; fds points at them (the template table). Without
	// preopens both are in stdRoom and fdRoom.
	entries []fdEntry
	fds     []*fdEntry
	stdRoom [3]fdEntry
	fdRoom  [3]*fdEntry
	// in, out and err are the standard streams; errOut is err, or out
	// when stdout and stderr are one writer.
	in     inStream
	out    outStream
	err    outStream
	errOut *outStream
	// refs counts the Prepared itself (until Close) and each attached
	// System that has not been closed; the preopens' host descriptors are
	// closed when it reaches 0, never while a System may still use them.
	// Counted only when there are preopens.
	refs atomic.Int64
	// closed is set by Close: no System attaches after it.
	closed atomic.Bool
}

// Init readies a zero Prepared from cfg, opening the preopened directories
// now. It is used in place.
func (p *Prepared) Init(cfg Config) error {
	if err := checkStrings(cfg.Args, cfg.Env); err != nil {
		return err
	}
	p.args, p.env = copyLists(cfg.Args, cfg.Env)
	p.walltime, p.nanotime, p.sleep, p.rand = cfg.Walltime, cfg.Nanotime, cfg.Sleep, cfg.Rand
	p.in.init(cfg.Stdin)
	p.out.init(cfg.Stdout)
	p.errOut = &p.out // one writer: never two transfers on it at once
	if !sameWriter(cfg.Stdout, cfg.Stderr) {
		p.err.init(cfg.Stderr)
		p.errOut = &p.err
	}
	p.entries, p.fds = p.stdRoom[:], p.fdRoom[:]
	if len(cfg.Preopens) > 0 {
		p.entries = make([]fdEntry, 3, 3+len(cfg.Preopens))
	}
	p.entries[0] = stdioEntry(&p.in, p.in.kind, RightFdWrite)
	p.entries[1] = stdioEntry(&p.out, p.out.kind, RightFdRead)
	p.entries[2] = stdioEntry(p.errOut, p.errOut.kind, RightFdRead)
	for _, po := range cfg.Preopens {
		e, err := openPreopen(po)
		if err != nil {
			p.closeNodes() // the preopens opened so far
			p.entries = p.entries[:3]
			return err
		}
		e.shared, e.borrowed = true, true
		p.entries = append(p.entries, *e)
	}
	if len(cfg.Preopens) > 0 {
		p.fds = make([]*fdEntry, len(p.entries))
	}
	for i := range p.entries {
		p.fds[i] = &p.entries[i]
	}
	if len(cfg.Preopens) > 0 {
		p.refs.Store(1)
	}
	return nil
}

// stdioEntry is the template entry of a standard stream, without the
// right it cannot use (RightFdRead or RightFdWrite). A stream that
// transfers through a helper goroutine keeps state of its own in each
// System, which copies it at its first use (ownOnUse).
func stdioEntry(n node, kind streamKind, drop Rights) fdEntry {
	return fdEntry{node: n, typ: FiletypeCharacterDevice, base: rightsStdio &^ drop,
		shared: true, borrowed: true, ownOnUse: kind == viaHelper}
}

// checkStrings refuses arguments and environment entries holding a NUL.
func checkStrings(args, env []string) error {
	for _, a := range args {
		if containsNUL(a) {
			return fmt.Errorf("wasi: argument %q contains a NUL byte", a)
		}
	}
	for _, e := range env {
		if containsNUL(e) {
			return fmt.Errorf("wasi: environment entry %q contains a NUL byte", e)
		}
	}
	return nil
}

// copyLists copies both lists into one allocation, so that the embedder
// may reuse its slices.
func copyLists(args, env []string) ([]string, []string) {
	both := make([]string, len(args)+len(env))
	n := copy(both, args)
	copy(both[n:], env)
	return both[:n:n], both[n:]
}

// acquire counts one more System attached, unless p is closed.
func (p *Prepared) acquire() error {
	if len(p.entries) == 3 { // no preopens: nothing to keep open
		if p.closed.Load() {
			return errClosedPrepared
		}
		return nil
	}
	for {
		n := p.refs.Load()
		if n == 0 {
			return errClosedPrepared
		}
		if p.refs.CompareAndSwap(n, n+1) {
			return nil
		}
	}
}

var errClosedPrepared = errors.New("wasi: the prepared configuration is closed")

// release undoes acquire (and Close's own count): the last one closes the
// preopens' host descriptors.
func (p *Prepared) release() error {
	if len(p.entries) == 3 || p.refs.Add(-1) != 0 {
		return nil
	}
	return p.closeNodes()
}

// Close ends p: no System attaches with it any more, and the preopens'
// host descriptors are closed once every System attached with it is
// closed too.
func (p *Prepared) Close() error {
	if p.closed.Swap(true) {
		return nil
	}
	return p.release()
}

// closeNodes closes the preopens' nodes.
func (p *Prepared) closeNodes() error {
	var errs []error
	for i := 3; i < len(p.entries); i++ {
		if errno := p.entries[i].node.close(); errno != ESUCCESS {
			errs = append(errs, fmt.Errorf("wasi: closing preopen %s: %w", p.entries[i].preopenName(), errno))
		}
	}
	return errors.Join(errs...)
}
