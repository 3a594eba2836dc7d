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
type System struct {
	args, env []string
	walltime  func() time.Time
	nanotime  func() int64
	sleep     func(ctx context.Context, d time.Duration)
	rand      io.Reader
	fds       []*fdEntry // index = fd; nil = free
	closed    bool
	// wake is pinged when a stream's transfer completes, so that a
	// poll_oneoff waiting on several streams wakes up (stream.go). It is
	// made by the first transfer or poll that needs it.
	wake chan struct{}
	// cur is the call in progress (one at a time): a handler's *call
	// points here rather than at a new allocation per call.
	cur call
	// std holds fds 0, 1 and 2 and their streams, in the System's own
	// allocation.
	std stdio
}

// stdio is the standard descriptors' state.
type stdio struct {
	entries   [3]fdEntry
	in        stdinNode
	out, err  stdoutNode
	inStream  inStream
	outStream outStream
	errStream outStream
	table     [4]*fdEntry // the first fds' slots: stdio and one preopen
	startTime time.Time
}

// Init readies a zero System from cfg, opening the preopened directories
// now. The System is used in place (the public wasi.System holds it).
func (s *System) Init(cfg Config) error {
	s.walltime, s.nanotime, s.sleep, s.rand = cfg.Walltime, cfg.Nanotime, cfg.Sleep, cfg.Rand
	// One copy of both lists, so that the embedder may reuse its slices.
	both := make([]string, len(cfg.Args)+len(cfg.Env))
	copy(both[copy(both, cfg.Args):], cfg.Env)
	s.args, s.env = both[:len(cfg.Args):len(cfg.Args)], both[len(cfg.Args):]
	for _, a := range s.args {
		if containsNUL(a) {
			return fmt.Errorf("wasi: argument %q contains a NUL byte", a)
		}
	}
	for _, e := range s.env {
		if containsNUL(e) {
			return fmt.Errorf("wasi: environment entry %q contains a NUL byte", e)
		}
	}
	if s.walltime == nil {
		s.walltime = time.Now
	}
	if s.sleep == nil {
		s.sleep = sleepContext
	}
	if s.rand == nil {
		s.rand = rand.Reader
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
	std.in.in = &std.inStream
	std.out.out, std.err.out = &std.outStream, stderr
	std.entries[0] = fdEntry{node: &std.in, typ: FiletypeCharacterDevice, base: rightsStdio &^ RightFdWrite}
	std.entries[1] = fdEntry{node: &std.out, typ: FiletypeCharacterDevice, base: rightsStdio &^ RightFdRead}
	std.entries[2] = fdEntry{node: &std.err, typ: FiletypeCharacterDevice, base: rightsStdio &^ RightFdRead}
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

// monotonic is the monotonic clock: Config.Nanotime, or by default
// nanoseconds since its first reading, from 1 (the clock's origin is
// the guest's first reading rather than Init: most guests never read it,
// and a reading costs some 60 ns on a virtual machine's clock).
func (s *System) monotonic() int64 {
	if s.nanotime != nil {
		return s.nanotime()
	}
	if s.std.startTime.IsZero() {
		s.std.startTime = time.Now()
	}
	return int64(time.Since(s.std.startTime)) + 1
}

// wakeup is the wake channel, made on first use.
func (s *System) wakeup() chan struct{} {
	if s.wake == nil {
		s.wake = make(chan struct{}, 1)
	}
	return s.wake
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
