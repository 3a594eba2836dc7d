package wasip1

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"reflect"
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
	// poll_oneoff waiting on several streams wakes up (stream.go).
	wake chan struct{}
}

// New makes a System from cfg, opening the preopened directories now.
func New(cfg Config) (*System, error) {
	s := &System{
		args:     append([]string(nil), cfg.Args...),
		env:      append([]string(nil), cfg.Env...),
		walltime: cfg.Walltime,
		nanotime: cfg.Nanotime,
		sleep:    cfg.Sleep,
		rand:     cfg.Rand,
		wake:     make(chan struct{}, 1),
	}
	for _, a := range s.args {
		if containsNUL(a) {
			return nil, fmt.Errorf("wasi: argument %q contains a NUL byte", a)
		}
	}
	for _, e := range s.env {
		if containsNUL(e) {
			return nil, fmt.Errorf("wasi: environment entry %q contains a NUL byte", e)
		}
	}
	if s.walltime == nil {
		s.walltime = time.Now
	}
	if s.nanotime == nil {
		start := time.Now()
		s.nanotime = func() int64 { return int64(time.Since(start)) + 1 }
	}
	if s.sleep == nil {
		s.sleep = sleepContext
	}
	if s.rand == nil {
		s.rand = rand.Reader
	}
	stdout, stderr := newOutStream(cfg.Stdout, s.wake), newOutStream(cfg.Stderr, s.wake)
	if sameWriter(cfg.Stdout, cfg.Stderr) {
		stderr = stdout // one writer: never two transfers on it at once
	}
	s.fds = []*fdEntry{
		newStdin(newInStream(cfg.Stdin, s.wake)),
		newStdout(stdout),
		newStdout(stderr),
	}
	for _, p := range cfg.Preopens {
		e, err := openPreopen(p)
		if err != nil {
			s.Close()
			return nil, err
		}
		s.fds = append(s.fds, e)
	}
	return s, nil
}

// sameWriter reports whether a and b are the same writer (comparing only
// what can be compared: a writer may be an uncomparable value).
func sameWriter(a, b io.Writer) bool {
	return a != nil && reflect.TypeOf(a) == reflect.TypeOf(b) && reflect.TypeOf(a).Comparable() && a == b
}

func containsNUL(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == 0 {
			return true
		}
	}
	return false
}

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
