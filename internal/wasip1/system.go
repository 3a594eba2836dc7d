package wasip1

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"reflect"
	"strings"
	"time"
)

// Config is what a Prepared is made from. The public wasi package documents
// each field; zero values pick real sources (time.Now, crypto/rand, ...).
type Config struct {
	Args     []string
	Env      []string
	Stdin    io.Reader
	Stdout   io.Writer
	Stderr   io.Writer
	Preopens []Preopen
	Walltime func() time.Time
	Nanotime func() int64
	Sleep    func(ctx context.Context, d time.Duration)
	Rand     io.Reader
}

// Preopen is one directory granted to the guest.
type Preopen struct {
	Guest    string
	Host     string
	FS       fs.FS
	ReadOnly bool
}

// ExitError is what proc_exit returns to end the run: the engine passes it
// through as the trap's cause.
type ExitError struct{ Code uint32 }

func (e *ExitError) Error() string { return fmt.Sprintf("wasi: exit status %d", e.Code) }

// EndsRun marks the exit as the run's end on purpose (vm.RunEnder): its
// trap carries no backtrace.
func (e *ExitError) EndsRun() {}

// maxFds bounds a sandbox's descriptor table, so a guest cannot exhaust the
// host's file descriptors.
const maxFds = 1024

// Sandbox is what one System has of its own beside its Prepared's
// configuration: a nil field is the Prepared's. Args and Env are used in
// place, not copied.
type Sandbox struct {
	Args   []string
	Env    []string
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Sleep  func(ctx context.Context, d time.Duration)
}

// System is one sandbox's WASI state over its Prepared, which holds the
// configuration every sandbox shares. It is used by one goroutine at a
// time (its store's).
//
// Every live sandbox holds one, so it holds only what changes from one
// sandbox to the next, in 24 bytes (TestSystemSize): the monotonic
// clock's origin, and, made by the first call that needs it or by
// AttachWith, its own parts (own): a descriptor table once it changes
// one, stream state, the wake channel, per-sandbox arguments,
// environment, stdio and sleep.
type System struct {
	prep *Prepared
	own  *own
	// flags are the top bits of a word whose others (startBits) hold the
	// monotonic clock's origin, its first reading (nanoseconds since
	// procStart, plus one: 146 years fit); 0 until then.
	flags systemFlags
}

type systemFlags uint64

const (
	closed   systemFlags = 1 << (63 - iota) // Close has run: no descriptors
	ownsPrep                                // Close closes the Prepared too

	startBits = systemFlags(1)<<62 - 1
)

// start is the monotonic clock's origin (0: not read yet).
func (s *System) start() int64 { return int64(s.flags & startBits) }

// own is what a System has of its own beyond its Prepared.
type own struct {
	args, env []string                                   // the guest's: the Prepared's unless the Sandbox's
	sleep     func(ctx context.Context, d time.Duration) // nil: the Prepared's
	// wake is pinged when a stream's transfer completes, so that a
	// poll_oneoff waiting on several streams wakes up (stream.go). It is
	// made by the first transfer or poll that needs it.
	wake chan struct{}
	// fds is the descriptor table once the System changes it (nil: the
	// Prepared's template table). Its entries are the template's until
	// one is changed (fdEntry.shared); room holds the first four.
	fds  []*fdEntry
	room [4]*fdEntry
	// std holds this System's entries of the standard descriptors: the
	// Sandbox's streams, or its copies of the template's.
	std [3]fdEntry
	// in, out and errOut are the Sandbox's standard streams; helpers are
	// this System's copies of the Prepared's streams that transfer
	// through a helper goroutine (fdEntry.ownOnUse).
	in      inStream
	out     outStream
	errOut  outStream
	helpers *stdStreams
}

// stdStreams are a System's copies of its Prepared's standard streams.
type stdStreams struct {
	in  inStream
	out outStream
	err outStream
}

// procStart is the origin of every System's default monotonic clock.
var procStart = time.Now()

// Attach readies a zero System over p, with the parts sb gives it of its
// own (nil: none).
func (s *System) Attach(p *Prepared, sb *Sandbox) error {
	return s.AttachIn(p, sb, nil)
}

// Room is room for a System's own parts, which a caller that gives it
// parts of its own (a Sandbox) can allocate with the System, in one
// allocation.
type Room struct{ o own }

// AttachIn is Attach with room for the System's own parts (nil: made when
// needed).
func (s *System) AttachIn(p *Prepared, sb *Sandbox, room *Room) error {
	if sb != nil {
		if err := checkStrings(sb.Args, sb.Env); err != nil {
			return err
		}
	}
	if err := p.acquire(); err != nil {
		return err
	}
	s.prep = p
	if room != nil {
		room.o = own{args: p.args, env: p.env}
		s.own = &room.o
	}
	if sb != nil {
		s.adopt(sb)
	}
	return nil
}

// SharesRoom reports whether s and t keep their own parts in the same
// Room: a Room reused from one sandbox to the next (AttachIn) shows so.
func (s *System) SharesRoom(t *System) bool { return s.own != nil && s.own == t.own }

// HasParts reports whether sb gives a System parts of its own.
func (sb *Sandbox) HasParts() bool {
	return sb.Args != nil || sb.Env != nil || sb.Stdin != nil || sb.Stdout != nil || sb.Stderr != nil || sb.Sleep != nil
}

// AttachOwned is Attach for a Prepared made for this System alone:
// Close closes it too.
func (s *System) AttachOwned(p *Prepared) error {
	if err := s.Attach(p, nil); err != nil {
		return err
	}
	s.flags |= ownsPrep
	return nil
}

// adopt takes sb's parts as the System's own.
func (s *System) adopt(sb *Sandbox) {
	if !sb.HasParts() {
		return
	}
	o := s.ownParts()
	if sb.Args != nil {
		o.args = sb.Args
	}
	if sb.Env != nil {
		o.env = sb.Env
	}
	o.sleep = sb.Sleep
	if sb.Stdin == nil && sb.Stdout == nil && sb.Stderr == nil {
		return
	}
	fds := s.table()
	if sb.Stdin != nil {
		o.in.init(sb.Stdin)
		o.in.adopt(s)
		o.std[0] = fdEntry{node: &o.in, typ: FiletypeCharacterDevice, base: rightsStdio &^ RightFdWrite}
		fds[0] = &o.std[0]
	}
	if sb.Stdout != nil {
		o.out.init(sb.Stdout)
		o.out.adopt(s)
		o.std[1] = fdEntry{node: &o.out, typ: FiletypeCharacterDevice, base: rightsStdio &^ RightFdRead}
		fds[1] = &o.std[1]
	}
	if sb.Stderr != nil {
		var n node = &o.errOut
		if sameWriter(sb.Stdout, sb.Stderr) {
			n = &o.out // one writer: never two transfers on it at once
		} else {
			o.errOut.init(sb.Stderr)
			o.errOut.adopt(s)
		}
		o.std[2] = fdEntry{node: n, typ: FiletypeCharacterDevice, base: rightsStdio &^ RightFdRead}
		fds[2] = &o.std[2]
	}
}

// ownParts returns the System's own parts, made on first use.
func (s *System) ownParts() *own {
	if s.own == nil {
		s.own = &own{args: s.prep.args, env: s.prep.env}
	}
	return s.own
}

// args and env are the guest's arguments and environment.
func (s *System) args() []string {
	if s.own != nil {
		return s.own.args
	}
	return s.prep.args
}

func (s *System) env() []string {
	if s.own != nil {
		return s.own.env
	}
	return s.prep.env
}

// monotonic is the monotonic clock: Config.Nanotime, or by default
// nanoseconds since its first reading, from 1 (the clock's origin is
// the guest's first reading rather than Attach: most guests never read
// it, and a reading costs some 60 ns on a virtual machine's clock).
func (s *System) monotonic() int64 {
	if s.prep.nanotime != nil {
		return s.prep.nanotime()
	}
	now := int64(time.Since(procStart)) + 1
	if s.start() == 0 {
		s.flags |= systemFlags(now) & startBits
	}
	return now - s.start() + 1
}

// walltime is the wall clock: Config.Walltime, or time.Now.
func (s *System) walltime() time.Time {
	if s.prep.walltime != nil {
		return s.prep.walltime()
	}
	return time.Now()
}

// sleep waits d or until ctx ends: the Sandbox's or Config's Sleep, or a
// timer.
func (s *System) sleep(ctx context.Context, d time.Duration) {
	switch {
	case s.own != nil && s.own.sleep != nil:
		s.own.sleep(ctx, d)
	case s.prep.sleep != nil:
		s.prep.sleep(ctx, d)
	default:
		sleepContext(ctx, d)
	}
}

// random is the source of random_get: Config.Rand, or crypto/rand.
func (s *System) random() io.Reader {
	if s.prep.rand != nil {
		return s.prep.rand
	}
	return rand.Reader
}

// wakeup is the wake channel, made on first use.
func (s *System) wakeup() chan struct{} {
	o := s.ownParts()
	if o.wake == nil {
		o.wake = make(chan struct{}, 1)
	}
	return o.wake
}

// sameWriter reports whether a and b are the same writer (comparing only
// what can be compared: a writer may be an uncomparable value).
func sameWriter(a, b io.Writer) bool {
	return a != nil && reflect.TypeOf(a) == reflect.TypeOf(b) && reflect.TypeOf(a).Comparable() && a == b
}

func containsNUL(s string) bool { return strings.IndexByte(s, 0) >= 0 }

func sleepContext(ctx context.Context, d time.Duration) {
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// Close releases every host descriptor the guest still holds, and its
// hold on its Prepared. The guest's later calls find no descriptor.
func (s *System) Close() error {
	if s.flags&closed != 0 || s.prep == nil {
		return nil
	}
	s.flags |= closed
	var errs []error
	if s.own != nil {
		for i, e := range s.own.fds {
			if e != nil {
				if errno := e.closeNode(); errno != ESUCCESS {
					errs = append(errs, fmt.Errorf("wasi: closing fd %d: %w", i, errno))
				}
				s.own.fds[i] = nil
			}
		}
	}
	if err := s.prep.release(); err != nil {
		errs = append(errs, err)
	}
	if s.flags&ownsPrep != 0 {
		if err := s.prep.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Reusable reports whether the System, closed, may be zeroed and attached
// again for another sandbox: it holds no host descriptor (Close ran), no
// Prepared of its own, and no stream helper, whose goroutine may still
// be transferring and pinging this System's wake channel.
func (s *System) Reusable() bool {
	if s.flags&closed == 0 || s.flags&ownsPrep != 0 {
		return false
	}
	o := s.own
	return o == nil || (o.helpers == nil && o.in.helper == nil && o.out.helper == nil && o.errOut.helper == nil)
}
