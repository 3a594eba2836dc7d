package wasi

import (
	"context"
	"errors"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/moat-run/moat"
	"github.com/moat-run/moat/internal/hostlib"
	"github.com/moat-run/moat/internal/wasip1"
)

// Prepared is a WASI configuration made once and shared by every sandbox
// attached with it, as Wasmtime builds each store's WASI context from one
// configuration: the arguments and environment (checked and copied once),
// the clocks, sleep and randomness, the standard streams and the
// preopened directories (opened once). A sandbox attached with it holds
// only what it changes: its descriptor table once it closes, renumbers,
// opens or alters a descriptor, and the state of its streams and waits
// once it needs some. A Prepared is safe for concurrent use.
//
// Its Stdin, Stdout and Stderr are shared by every sandbox attached with
// it, at the same time: give writers safe for concurrent use there
// (io.Discard, os.Stderr, a log), and each sandbox's own streams with
// AttachWith. Its fs.FS preopens are shared likewise.
type Prepared struct {
	p wasip1.Prepared
	// spares are Systems attached with AttachWith whose System and
	// store were closed, zeroed, for the next AttachWith (attached).
	spares sync.Pool
}

// Sandbox is what one sandbox has of its own beside its Prepared's
// configuration (AttachWith): a nil field is the Prepared's. Args and Env
// are used in place, not copied: leave them unchanged until the System is
// closed.
type Sandbox struct {
	Args   []string                                   // argv, argv[0] included
	Env    []string                                   // "KEY=VALUE" pairs
	Stdin  io.Reader                                  // as Config.Stdin
	Stdout io.Writer                                  // as Config.Stdout
	Stderr io.Writer                                  // as Config.Stderr; may be Stdout
	Sleep  func(ctx context.Context, d time.Duration) // as Config.Sleep
}

// Prepare checks cfg and makes the configuration sandboxes attach with.
// The preopened directories are opened now: a missing host directory is
// an error.
func Prepare(cfg Config) (*Prepared, error) {
	p := &Prepared{}
	if err := p.p.Init(internalConfig(cfg)); err != nil {
		return nil, err
	}
	return p, nil
}

// Attach gives store s a WASI system of p's configuration. It fails once
// p is closed.
func (p *Prepared) Attach(s *moat.Store) (*System, error) {
	return p.attach(s, nil)
}

// AttachWith gives store s a WASI system of p's configuration with the
// parts sb gives it of its own. It fails once p is closed.
//
// Close the System, then the store: the System then serves a later
// AttachWith (none of its state stays), so neither it nor the store may
// be used after. A System still open when its store closes is left to
// the garbage collector.
func (p *Prepared) AttachWith(s *moat.Store, sb Sandbox) (*System, error) {
	return p.attach(s, (*wasip1.Sandbox)(&sb))
}

func (p *Prepared) attach(s *moat.Store, sb *wasip1.Sandbox) (*System, error) {
	if p == nil || s == nil {
		return nil, errors.New("wasi: Attach needs a Prepared and a store")
	}
	if sb != nil && sb.HasParts() {
		return p.attachOwn(s, sb)
	}
	plain := &struct {
		handle System
		sys    wasip1.System
	}{}
	plain.handle.sys = &plain.sys
	if err := plain.sys.Attach(&p.p, sb); err != nil {
		return nil, err
	}
	s.SetValue(hostlib.StateKey{}, &plain.handle) // a field of the store's state
	return &plain.handle, nil
}

// attachOwn attaches a System with parts of its own: one of p's spares,
// or a new one.
func (p *Prepared) attachOwn(s *moat.Store, sb *wasip1.Sandbox) (*System, error) {
	a, _ := p.spares.Get().(*attached)
	if a == nil {
		a = &attached{home: p}
	}
	if err := a.sys.AttachIn(&p.p, sb, &a.room); err != nil {
		return nil, err // a is left as it was: zero, which a spare is
	}
	// The store's state holds a, not the handle: its close tells a
	// (StoreClosed), which then goes back to p's spares. The handle is
	// the embedder's alone, of a's generation now (a small allocation:
	// a's own address comes back for other sandboxes).
	s.SetValue(hostlib.StateKey{}, a)
	return &System{sys: &a.sys, spare: a, gen: a.gen.Load()}, nil
}

// attached is a System and its own parts in one allocation. Once both the
// System and its store are closed (in that order: the store's Close
// tells it, and no call of the store reaches it after), nothing can reach
// it but its embedder's handle, which is done with it: it goes back,
// zeroed, to its Prepared's spares for the next AttachWith. A System left
// open when its store closes, or whose store is dropped without Close, is
// not reused.
type attached struct {
	sys  wasip1.System
	room wasip1.Room
	home *Prepared
	// gen counts the sandboxes a has served before its current one: the
	// System handles of earlier ones do nothing (System.Close).
	gen atomic.Uint64
}

// StoreClosed is hostlib.StoreCloser: a's store closed.
func (a *attached) StoreClosed() {
	if !a.sys.Reusable() {
		return
	}
	// Nothing of the last sandbox stays: arguments, environment, stdio,
	// sleep, descriptor table, clock origin, wake channel, streams. Its
	// handle goes stale before a serves another.
	a.gen.Add(1)
	a.sys = wasip1.System{}
	a.room = wasip1.Room{}
	a.home.spares.Put(a)
}

// Close ends p: no sandbox attaches with it any more. Its preopened
// directories' host descriptors are closed once every System attached
// with it is closed too (a System left open keeps them open).
func (p *Prepared) Close() error {
	if p == nil {
		return nil
	}
	return p.p.Close()
}
