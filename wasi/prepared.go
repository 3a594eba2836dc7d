package wasi

import (
	"context"
	"errors"
	"io"
	"sync"
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
	// spares are rooms of Systems attached with AttachWith whose System
	// and store were closed, zeroed, for the next AttachWith.
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

// attachOwn attaches a System with parts of its own, in one of p's
// spare rooms or a new one.
func (p *Prepared) attachOwn(s *moat.Store, sb *wasip1.Sandbox) (*System, error) {
	r, _ := p.spares.Get().(*room)
	if r == nil {
		r = &room{home: p}
	}
	w := &withParts{room: r}
	if err := w.sys.AttachIn(&p.p, sb, &r.parts); err != nil {
		p.spares.Put(r) // AttachIn failed before it wrote to the room
		return nil, err
	}
	w.handle.sys = &w.sys
	// The store's state holds w: its close tells w (StoreClosed), which
	// then gives the room back to p's spares.
	s.SetValue(hostlib.StateKey{}, w)
	return &w.handle, nil
}

// withParts is one sandbox of Prepared.AttachWith: its System, the
// embedder's handle to it, and the room its own parts live in. The room
// is reused; the System and handle are not, so a handle kept past its
// sandbox is a closed System's and reaches nothing of the room's next
// sandbox (System.Close of a closed System returns at once).
type withParts struct {
	handle System
	sys    wasip1.System
	room   *room
}

// room is the memory of a System's own parts (descriptor table, streams,
// per-sandbox stdio), reused from one AttachWith to the next.
type room struct {
	parts wasip1.Room
	home  *Prepared
}

// StoreClosed is hostlib.StoreCloser: w's store closed. Once both w's
// System and its store are closed (in that order: the store's Close tells
// w, and no call of the store reaches it after), nothing uses the room
// any more: it goes back, zeroed, to its Prepared's spares for the next
// AttachWith. A System left open when its store closes, or whose store is
// dropped without Close, keeps its room.
func (w *withParts) StoreClosed() {
	r := w.room
	if r == nil || !w.sys.Reusable() {
		return
	}
	// Nothing of the last sandbox stays in the room: arguments,
	// environment, stdio, sleep, descriptor table, wake channel, streams.
	w.room = nil
	r.parts = wasip1.Room{}
	r.home.spares.Put(r)
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
