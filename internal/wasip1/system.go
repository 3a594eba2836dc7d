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

// Config is what a System is made from. The public wasi package documents
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

// maxFds bounds a sandbox's descriptor table, so a guest cannot exhaust the
// host's file descriptors.
const maxFds = 1024

// System is one sandbox's WASI state: arguments, environment, clocks and
// the descriptor table. It is used by one goroutine at a time (its store's).
//
// Every live sandbox holds one, so it is kept to 384 bytes (TestSystemSize):
// what most sandboxes leave at its default (clocks, sleep, randomness, the
// wake channel), what only directories need and the state of streams that
// may block live apart, made when needed; the standard descriptors' nodes
// are their streams, and the call in progress holds the memory's bytes by
// reference.
type System struct {
	// argsEnv holds the arguments, then the environment: one copy.
	argsEnv []string
	nArgs   int32
	closed  bool
	// hooks are the embedder's clocks, sleep and randomness, and the
	// wake channel; nil until either is needed.
	hooks *hooks
	// start is the monotonic clock's origin, its first reading
	// (nanoseconds since procStart, plus one); 0 until then.
	start int64
	fds   []*fdEntry // index = fd; nil = free
	// cur is the call in progress (one at a time): a handler's *call
	// points here rather than at a new allocation per call.
	cur call
	// std holds fds 0, 1 and 2 and their streams, in the System's own
	// allocation.
	std stdio
}

// stdio is the standard descriptors' state: their entries and streams
// (each entry's node).
type stdio struct {
	entries   [3]fdEntry
	inStream  inStream
	outStream outStream
	errStream outStream
	table     [4]*fdEntry // the first fds' slots: stdio and one preopen
}

// hooks are the Config's Walltime, Nanotime, Sleep and Rand, where set,
// and the wake channel, which few sandboxes need either.
type hooks struct {
	walltime func() time.Time
	nanotime func() int64
	sleep    func(ctx context.Context, d time.Duration)
	rand     io.Reader
	// wake is pinged when a stream's transfer completes, so that a
	// poll_oneoff waiting on several streams wakes up (stream.go). It is
	// made by the first transfer or poll that needs it.
	wake chan struct{}
}

// procStart is the origin of every System's default monotonic clock.
var procStart = time.Now()

// Init readies a zero System from cfg, opening the preopened directories
// now. The System is used in place (the public wasi.System holds it).
func (s *System) Init(cfg Config) error {
	if cfg.Walltime != nil || cfg.Nanotime != nil || cfg.Sleep != nil || cfg.Rand != nil {
		s.hooks = &hooks{walltime: cfg.Walltime, nanotime: cfg.Nanotime, sleep: cfg.Sleep, rand: cfg.Rand}
	}
	// One copy of both lists, so that the embedder may reuse its slices.
	both := make([]string, len(cfg.Args)+len(cfg.Env))
	copy(both[copy(both, cfg.Args):], cfg.Env)
	s.argsEnv, s.nArgs = both, int32(len(cfg.Args))
	for _, a := range s.args() {
		if containsNUL(a) {
			return fmt.Errorf("wasi: argument %q contains a NUL byte", a)
		}
	}
	for _, e := range s.env() {
		if containsNUL(e) {
			return fmt.Errorf("wasi: environment entry %q contains a NUL byte", e)
		}
	}
	std := &s.std
	std.inStream.init(cfg.Stdin, s)
	std.outStream.init(cfg.Stdout, s)
	stderr := &std.errStream
	if sameWriter(cfg.Stdout, cfg.Stderr) {
		stderr = &std.outStream // one writer: never two transfers on it at once
	} else {
		stderr.init(cfg.Stderr, s)
	}
	std.entries[0] = fdEntry{node: &std.inStream, typ: FiletypeCharacterDevice, base: rightsStdio &^ RightFdWrite}
	std.entries[1] = fdEntry{node: &std.outStream, typ: FiletypeCharacterDevice, base: rightsStdio &^ RightFdRead}
	std.entries[2] = fdEntry{node: stderr, typ: FiletypeCharacterDevice, base: rightsStdio &^ RightFdRead}
	s.fds = append(std.table[:0], &std.entries[0], &std.entries[1], &std.entries[2])
	for _, p := range cfg.Preopens {
		e, err := openPreopen(p)
		if err != nil {
			s.Close()
			return err
		}
		s.fds = append(s.fds, e)
	}
	return nil
}

// args and env are the guest's arguments and environment.
func (s *System) args() []string { return s.argsEnv[:s.nArgs:s.nArgs] }
func (s *System) env() []string  { return s.argsEnv[s.nArgs:] }

// monotonic is the monotonic clock: Config.Nanotime, or by default
// nanoseconds since its first reading, from 1 (the clock's origin is
// the guest's first reading rather than Init: most guests never read it,
// and a reading costs some 60 ns on a virtual machine's clock).
func (s *System) monotonic() int64 {
	if s.hooks != nil && s.hooks.nanotime != nil {
		return s.hooks.nanotime()
	}
	now := int64(time.Since(procStart)) + 1
	if s.start == 0 {
		s.start = now
	}
	return now - s.start + 1
}

// walltime is the wall clock: Config.Walltime, or time.Now.
func (s *System) walltime() time.Time {
	if s.hooks != nil && s.hooks.walltime != nil {
		return s.hooks.walltime()
	}
	return time.Now()
}

// sleep waits d or until ctx ends: Config.Sleep, or a timer.
func (s *System) sleep(ctx context.Context, d time.Duration) {
	if s.hooks != nil && s.hooks.sleep != nil {
		s.hooks.sleep(ctx, d)
		return
	}
	sleepContext(ctx, d)
}

// random is the source of random_get: Config.Rand, or crypto/rand.
func (s *System) random() io.Reader {
	if s.hooks != nil && s.hooks.rand != nil {
		return s.hooks.rand
	}
	return rand.Reader
}

// wakeup is the wake channel, made on first use.
func (s *System) wakeup() chan struct{} {
	if s.hooks == nil {
		s.hooks = &hooks{}
	}
	if s.hooks.wake == nil {
		s.hooks.wake = make(chan struct{}, 1)
	}
	return s.hooks.wake
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

// Close releases every host descriptor the guest still holds.
func (s *System) Close() error {
	if s.closed {
		return nil
	}
	s.closed = true
	var errs []error
	for i, e := range s.fds {
		if e != nil {
			if errno := e.node.close(); errno != ESUCCESS {
				errs = append(errs, fmt.Errorf("wasi: closing fd %d: %w", i, errno))
			}
			s.fds[i] = nil
		}
	}
	return errors.Join(errs...)
}
