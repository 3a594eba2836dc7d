package serve

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/bits"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/moat-run/moat"
	"github.com/moat-run/moat/wasi"
)

// Defaults for the zero values of Limits.
const (
	DefaultTimeout        = 30 * time.Second
	DefaultQueueTimeout   = 10 * time.Second
	DefaultMaxHeaderBytes = 64 << 10
	DefaultFlushDelay     = 10 * time.Millisecond
	DefaultMaxStderrBytes = 16 << 10
)

// unmetered is the fuel of a request without a fuel limit on an engine
// that consumes fuel (SetFuel's most).
const unmetered = 1<<63 - 1

// errorWriteGrace is how long writing an error response may take after
// the request's deadline has passed.
const errorWriteGrace = 5 * time.Second

// Limits bound one handler's sandboxes. The zero value picks the defaults.
type Limits struct {
	// Timeout is each request's deadline, from the start of its sandbox
	// to the end of its response (reading the body and writing the
	// response included). 0: DefaultTimeout; negative: none.
	Timeout time.Duration
	// MaxConcurrent caps the sandboxes running at once. 0: no cap.
	MaxConcurrent int
	// QueueTimeout is how long a request waits for a sandbox when
	// MaxConcurrent are running, before it is answered 503.
	// 0: DefaultQueueTimeout; negative: no waiting.
	QueueTimeout time.Duration
	// MaxRequestBody caps the request body the guest can read, in bytes.
	// 0: no cap.
	MaxRequestBody int64
	// MaxHeaderBytes caps the CGI head the guest writes.
	// 0: DefaultMaxHeaderBytes.
	MaxHeaderBytes int
	// FlushDelay is how long the guest's output may wait in the handler
	// before it is sent. 0: DefaultFlushDelay; negative: every write is
	// sent at once.
	FlushDelay time.Duration
	// MaxStderrBytes caps how much of each request's stderr is logged.
	// 0: DefaultMaxStderrBytes; negative: stderr is discarded.
	MaxStderrBytes int
	// Fuel is each request's fuel (moat.Store.SetFuel): a guest that
	// uses it up traps with "out of fuel" (502), whatever its deadline.
	// It needs an engine made with moat.Config.ConsumeFuel; 0 there: no
	// limit but the deadline.
	Fuel uint64
}

// Config describes one route: the program and how to run it.
type Config struct {
	// Module is the CGI program, a WASI command. Its engine's
	// MaxMemoryPages is each sandbox's memory limit.
	Module *moat.Module
	// Linker resolves the module's imports, once, in New (Linker.Prepare);
	// nil: a linker with WASI (wasi.DefineImports). A linker given here
	// must define WASI itself. Its host functions get the request's
	// context, which ends when the client goes away; the request's
	// deadline is the sandbox store's (moat.Store.Deadline, through
	// Caller.Store), which bounds the guest's code: a host function that
	// blocks bounds its own wait by it.
	Linker *moat.Linker
	// Pre, instead of Module and Linker, is the program already linked
	// (its linker must define WASI).
	Pre *moat.InstancePre
	// Root is the path the handler is mounted at, "" or "/" for the
	// root: SCRIPT_NAME, with PATH_INFO the rest of the request path.
	Root string
	// Env holds the route's own "NAME=VALUE" variables, which the guest
	// sees in place of any request-derived variable of the same name.
	Env []string
	// Preopens are the directories every sandbox is granted (make them
	// ReadOnly unless requests may change them), opened once, by New (a
	// missing directory is its error), and shared by every request.
	Preopens []wasi.Preopen
	Limits   Limits
	// ServerSoftware is SERVER_SOFTWARE; "": "moat".
	ServerSoftware string
	// Log receives the guest's stderr; nil: slog.Default().
	Log *slog.Logger
	// OnDone, when set, is called once per request, after the response,
	// with what happened. It runs on the request's goroutine.
	OnDone func(*http.Request, *Outcome)
	// CPULanes, when set, are the lanes the handler's sandboxes take
	// turns in once they have run long (moat.CPULanes): share one set
	// among the handlers of a server, so that guests spinning until their
	// deadline, whatever their route, take at most the lanes' CPUs. Once
	// the handler's recent requests have run long (Spinning), its next
	// ones need a lane from their first time slice on.
	CPULanes *moat.CPULanes
	// Gate, when set, is the gate the handler's sandboxes count against,
	// shared with other handlers (see Gate), instead of one of its own
	// of Limits.MaxConcurrent slots; MaxConcurrent must then be 0 or the
	// gate's capacity.
	Gate *Gate
	// Sleep, when set, is how the guest sleeps (poll_oneoff on a clock),
	// as wasi.Config.Sleep; tests inject it. The handler flushes the
	// guest's output before each sleep either way.
	Sleep func(ctx context.Context, d time.Duration)
}

// Handler serves each request from a fresh sandbox. It is safe for
// concurrent use.
type Handler struct {
	cfg  Config
	root string
	// matchedRoute is X_MATCHED_ROUTE, the same for every request.
	matchedRoute string
	envNames     map[string]bool
	// static holds the CGI variables that are the same for every request
	// (cgiEnv).
	static [staticCount]string
	engine *moat.Engine
	pre    *moat.InstancePre
	// wasi is the WASI configuration every request's sandbox shares (its
	// preopens, opened once); a request attaches with its own arguments,
	// environment, stdio and sleep.
	wasi *wasi.Prepared
	gate *Gate
	// heads is the last CGI head the handler's guests wrote, parsed.
	heads headCache
	// dates is the Date header of the handler's responses.
	dates dateCache
	// lastPort is the port a request without one in its Host last came in
	// on (localPort).
	lastPort atomic.Pointer[portText]
	// recentLong holds, a bit each, whether the handler's last 64
	// requests ran long (needed a CPU lane, or ran until their deadline):
	// see Spinning.
	recentLong atomic.Uint64
}

// spinningRoute is how many of a handler's last 64 requests must have run
// long for its next requests to need a CPU lane from their first time
// slice on (Config.CPULanes): a tenant whose guests spin until their
// deadline would otherwise have each of them run unchecked for the lanes'
// threshold first, which at a few percent of a server's requests is most
// of a CPU (1% of 16,000 requests a second spinning 5 ms: 0.8 CPU). A
// request that ran until its deadline counts as long too: with a deadline
// not far past the threshold, on a busy machine, a spinning guest's share
// of the CPUs may not take it past the threshold before its deadline, and
// every one of them would run unchecked until then (300 loops a second
// with a 20 ms deadline took 0.4 CPU on two CPUs, lanes or not). A route's
// requests that end within their first time slice never wait either way.
const spinningRoute = 2

// spinningAfter is the CPU lanes' threshold of a spinning route's
// requests: the thread's CPU time a request uses before it needs a lane
// (at the end of its first time slice, or of a later one). Well under a
// slice, so that an endless loop there needs one at the end of its first
// slice, as at a threshold of 0; above what a request that computes
// little uses (a hello's few µs; some 50 µs of system calls for one that
// runs out of memory), so that, however long a loaded machine keeps it
// off its CPU, it does not wait for a lane behind the loops until its
// deadline.
const spinningAfter = 100 * time.Microsecond

// Spinning reports whether the handler's recent requests have been
// running long (past the threshold of its Config.CPULanes, or until their
// deadline), so that its next requests need a CPU lane from their first
// time slice on.
func (h *Handler) Spinning() bool {
	return bits.OnesCount64(h.recentLong.Load()) >= spinningRoute
}

// ranLong records whether a request ran long.
func (h *Handler) ranLong(long bool) {
	for {
		old := h.recentLong.Load()
		next := old << 1
		if long {
			next |= 1
		}
		if next == old || h.recentLong.CompareAndSwap(old, next) {
			return
		}
	}
}

// longRun says whether a request ran long, for Spinning: it ran until its
// deadline, or past its lanes' threshold. While the route is marked
// spinning, its calls need a lane from the end of their first time slice,
// so having taken one says nothing, and neither does the run's wall time
// (on a busy machine the kernel keeps a short request off its CPU for
// longer than the threshold, and the mark would stay for ever): only a
// request that ran until its deadline keeps the mark. A route of heavy
// but finite requests loses it, and its next requests past the threshold
// mark it again.
func (h *Handler) longRun(o *Outcome, store *moat.Store, spinning bool) bool {
	switch {
	case o.Result == ResultTimeout:
		return true
	case spinning:
		return false
	}
	return store.LongRunningCalls() > 0
}

// New checks cfg and makes a Handler.
func New(cfg Config) (*Handler, error) {
	switch {
	case cfg.Pre != nil && (cfg.Module != nil || cfg.Linker != nil):
		return nil, errors.New("serve: Config.Pre is instead of Module and Linker")
	case cfg.Pre != nil:
		cfg.Module = cfg.Pre.Module()
	case cfg.Module == nil:
		return nil, errors.New("serve: Config.Module is nil")
	}
	if start := findExport(cfg.Module, "_start"); start == nil {
		return nil, errors.New("serve: the module exports no _start function: it is not a WASI command")
	}
	h := &Handler{cfg: cfg, engine: cfg.Module.Engine(), pre: cfg.Pre, envNames: map[string]bool{}}
	h.root = strings.TrimSuffix(cfg.Root, "/")
	if h.root != "" && !strings.HasPrefix(h.root, "/") {
		return nil, fmt.Errorf("serve: Root %q does not start with /", cfg.Root)
	}
	h.matchedRoute = h.root + "/..."
	for _, kv := range cfg.Env {
		name, _, ok := strings.Cut(kv, "=")
		if !ok || name == "" {
			return nil, fmt.Errorf("serve: environment entry %q is not NAME=VALUE", kv)
		}
		if strings.IndexByte(kv, 0) >= 0 {
			return nil, fmt.Errorf("serve: environment entry %q holds a NUL byte", name)
		}
		h.envNames[name] = true
	}
	if h.pre == nil {
		// Imports are resolved and type-checked once here, not per
		// request; a module that cannot link fails now.
		linker := cfg.Linker
		if linker == nil {
			linker = moat.NewLinker(h.engine)
			if err := wasi.DefineImports(linker); err != nil {
				return nil, err
			}
		}
		var err error
		if h.pre, err = linker.Prepare(cfg.Module); err != nil {
			return nil, fmt.Errorf("serve: %w", err)
		}
	}
	l := &h.cfg.Limits
	l.Timeout = orDefault(l.Timeout, DefaultTimeout)
	l.QueueTimeout = orDefault(l.QueueTimeout, DefaultQueueTimeout)
	l.FlushDelay = orDefault(l.FlushDelay, DefaultFlushDelay)
	l.MaxHeaderBytes = orDefault(l.MaxHeaderBytes, DefaultMaxHeaderBytes)
	l.MaxStderrBytes = orDefault(l.MaxStderrBytes, DefaultMaxStderrBytes)
	if l.Fuel > 0 && !h.engine.Config().ConsumeFuel {
		return nil, errors.New("serve: Limits.Fuel needs an engine made with moat.Config.ConsumeFuel")
	}
	if l.MaxConcurrent < 0 || l.MaxRequestBody < 0 || l.MaxHeaderBytes < 0 {
		return nil, errors.New("serve: MaxConcurrent, MaxRequestBody and MaxHeaderBytes cannot be negative")
	}
	if h.cfg.ServerSoftware == "" {
		h.cfg.ServerSoftware = "moat"
	}
	if strings.IndexByte(h.cfg.ServerSoftware, 0) >= 0 || strings.IndexByte(h.root, 0) >= 0 {
		return nil, errors.New("serve: ServerSoftware and Root cannot hold a NUL byte")
	}
	h.staticEnv()
	if h.cfg.Log == nil {
		h.cfg.Log = slog.Default()
	}
	switch g := h.cfg.Gate; {
	case g == nil:
		h.gate = NewGate(l.MaxConcurrent)
	case l.MaxConcurrent != 0 && l.MaxConcurrent != g.Capacity():
		return nil, fmt.Errorf("serve: Limits.MaxConcurrent is %d and Config.Gate's capacity %d", l.MaxConcurrent, g.Capacity())
	default:
		h.gate = g
		l.MaxConcurrent = g.Capacity()
	}
	prep, err := wasi.Prepare(wasi.Config{Preopens: cfg.Preopens})
	if err != nil {
		return nil, fmt.Errorf("serve: %w", err)
	}
	h.wasi = prep
	// A Handler has no Close: the preopens' host descriptors are closed
	// once it is unreachable (and every sandbox's system is closed, which
	// each request does before it returns).
	runtime.AddCleanup(h, func(p *wasi.Prepared) { p.Close() }, prep)
	return h, nil
}

func orDefault[T int | int64 | time.Duration](v, def T) T {
	if v == 0 {
		return def
	}
	return v
}

func findExport(m *moat.Module, name string) *moat.ExportType {
	for _, e := range m.Exports() {
		if e.Name == name {
			if _, ok := e.Type.(moat.FuncType); ok {
				return &e
			}
		}
	}
	return nil
}

// Engine is the engine the handler's sandboxes run on (its module's).
func (h *Handler) Engine() *moat.Engine { return h.engine }

// Stats reports the handler's sandboxes now (its gate's: with a shared
// Config.Gate, every handler's that shares it).
func (h *Handler) Stats() Stats { return h.gate.Stats() }

// ServeHTTP runs the request in a fresh sandbox.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	o := &Outcome{Start: start}
	defer func() {
		o.Total = time.Since(start)
		if h.cfg.OnDone != nil {
			h.cfg.OnDone(r, o)
		}
	}()
	lim := &h.cfg.Limits
	if lim.MaxRequestBody > 0 && r.ContentLength > lim.MaxRequestBody {
		h.refuse(w, o, ResultBodyTooLarge, fmt.Errorf("the request body of %d bytes is over the limit of %d", r.ContentLength, lim.MaxRequestBody))
		return
	}
	// The clock is read again only after a wait: a request admitted at
	// once starts its sandbox at start (each reading costs some 60 ns on
	// a virtual machine's clock, and a request makes several).
	begin := start
	waited, err := h.gate.acquire(r.Context(), lim.QueueTimeout)
	if waited {
		begin = time.Now()
		o.Wait = begin.Sub(start)
	}
	if err != nil {
		if errors.Is(err, errOverloaded) {
			h.refuse(w, o, ResultOverloaded, fmt.Errorf("%d sandboxes running: %w", lim.MaxConcurrent, err))
		} else {
			o.Result, o.Status, o.Err = ResultCanceled, StatusClientClosedRequest, err
		}
		return
	}
	defer h.gate.release()
	if h.run(w, r, o, begin) {
		o.Aborted = true
		// Cut the connection: the client must not take a response that
		// stopped halfway for a whole one. The slot is released and
		// OnDone runs first (deferred).
		panic(http.ErrAbortHandler)
	}
}

// refuse answers without running the guest.
func (h *Handler) refuse(w http.ResponseWriter, o *Outcome, res Result, err error) {
	o.Result, o.Status, o.Err = res, res.Status(), err
	writeError(w, o.Status, clientReason(o))
}

// run runs the guest for one request and ends the response. begin is
// when its sandbox starts: its deadline counts from there. It reports
// whether the response must be aborted.
func (h *Handler) run(w http.ResponseWriter, r *http.Request, o *Outcome, begin time.Time) (abort bool) {
	lim := &h.cfg.Limits
	ctx := r.Context()
	stdio := getSandboxIO()
	defer stdio.release()
	// (WASI uses both lists in place: the sandbox's system is closed
	// before stdio goes back for the next request.)
	stdio.args = cgiArgs(stdio.args, r)
	stdio.env, stdio.envText = h.cgiEnv(stdio.env, stdio.envText, r)
	args, env := stdio.args, stdio.env
	stdio.rc = *http.NewResponseController(w) // a value: no allocation of its own
	rc := &stdio.rc
	// The deadline is the store's (Store.SetDeadline), which the guest's
	// code meets with no timer or context of its own; its waits on the
	// connection stop at it too (the read and write deadlines of input and
	// output), and its sleeps (sleep). ctx is the request's: it ends when
	// the client goes away.
	var deadline time.Time
	if lim.Timeout > 0 {
		deadline = begin.Add(lim.Timeout)
	}
	if r.Body != nil && r.Body != http.NoBody {
		// The guest may write its response before it has read the whole
		// body.
		_ = rc.EnableFullDuplex()
	}
	out := &stdio.out
	out.init(w, rc, lim.MaxHeaderBytes, lim.FlushDelay)
	out.heads, out.dates = &h.heads, &h.dates
	// Writing the response stops at the deadline too, so a client that
	// does not read cannot hold a sandbox past it (reading the body does
	// as well: see input). The output sets it on the connection before
	// its first write that may reach it, and takes it off at the end.
	out.ctx, out.deadline = ctx, deadline
	defer out.clearDeadline()
	body := r.Body
	if body == nil {
		body = http.NoBody
	}
	if lim.MaxRequestBody > 0 {
		body = http.MaxBytesReader(w, body, lim.MaxRequestBody)
	}
	in := &stdio.in
	*in = input{body: body, out: out, rc: rc, ctx: ctx, deadline: deadline}
	defer in.finish()
	stdio.h, stdio.deadline = h, deadline
	sb := wasi.Sandbox{Args: args, Env: env, Stdin: in, Stdout: out, Sleep: stdio.sleepFunc()}
	var errLog *stderrLog
	if lim.MaxStderrBytes > 0 {
		errLog = &stdio.errLog
		*errLog = stderrLog{log: h.cfg.Log, r: r, max: lim.MaxStderrBytes}
		sb.Stderr = errLog
	}

	store := moat.NewStore(h.engine)
	// Closing the store releases the sandbox's memory reservation and
	// native stack when the request ends, not when the garbage collector
	// gets round to them. It runs last (deferred first), once the guest
	// has returned, so it cannot fail busy.
	defer store.Close()
	if h.cfg.CPULanes != nil {
		_ = store.SetCPULanes(h.cfg.CPULanes) // a fresh store: cannot fail
		spinning := h.Spinning()
		if spinning {
			_ = store.SetCPULanesAfter(spinningAfter)
		}
		defer func() { h.ranLong(h.longRun(o, store, spinning)) }()
	}
	_ = store.SetDeadline(deadline) // likewise
	fuel := lim.Fuel
	if fuel == 0 {
		fuel = unmetered
	}
	metered := store.SetFuel(fuel) == nil // fails when the engine consumes none
	sys, err := h.wasi.AttachWith(store, sb)
	if err != nil {
		out.finish()
		// WASI refuses an argument or variable holding a NUL byte, which
		// it cannot pass: only the request's can (the route's and the
		// handler's own were checked in New), so it is looked for here,
		// where the request failed, not in every request beforehand.
		if bad := firstWithNUL(args, stdio.envText, env); bad != "" {
			h.refuse(w, o, ResultBadRequest, fmt.Errorf("the request's %s holds a NUL byte", bad))
			return false
		}
		h.refuse(w, o, ResultError, err)
		return false
	}
	defer sys.Close()
	// One reading of the clock between phases: it ends one and starts
	// the next. Instantiating counts from begin: making the store and
	// the WASI system is part of making the sandbox.
	t := begin
	inst, instErr := h.pre.Instantiate(ctx, store)
	end := time.Now()
	o.Instantiate = end.Sub(t)
	var runErr error
	if instErr == nil {
		defer inst.Close(context.Background())
		t = end
		var code uint32
		code, runErr = wasi.Run(ctx, inst)
		end = time.Now()
		o.Run = end.Sub(t)
		if runErr == nil {
			o.ExitCode = code // wasi.Run's code means nothing after a trap
		}
	}
	if metered {
		if left, err := store.Fuel(); err == nil {
			o.Fuel = fuel - left
		}
	}
	// Whatever the guest did once its deadline passed (fail on I/O cut
	// short, answer late) does not count: it timed out.
	timedOut := !deadline.IsZero() && !end.Before(deadline)
	if errLog != nil {
		errLog.flush()
	}
	o.BodyRead = in.read
	in.closeBody(r, errorWriteGrace)
	st := out.finish()
	o.BodyWritten = st.written
	if instErr != nil {
		inst = nil
	}
	o.Result, o.Err = classify(r.Context(), timedOut, instErr, runErr, o.ExitCode, inst)
	if trap := asTrap(runErr); trap != nil {
		o.Trap = trap
	} else if trap := asTrap(instErr); trap != nil {
		o.Trap = trap
	}
	return h.respond(w, o, out, st, in)
}

// The guest reads and writes its stdio on its own goroutine, with no
// helper goroutine: each bounds its waits by the guest's context.
var (
	_ wasi.ContextReader = (*input)(nil)
	_ wasi.ContextWriter = (*output)(nil)
	_ wasi.ContextWriter = (*stderrLog)(nil)
)

// sandboxIO is a request's stdin, stdout and stderr, and the controller
// of its response, made in one allocation and reused by later requests
// (with the flush timer and the buffers they grew).
type sandboxIO struct {
	out    output
	in     input
	errLog stderrLog
	rc     http.ResponseController
	// args and env are the guest's argv and environment, their room kept;
	// envText is the room the environment's text is written in (cgiEnv).
	args, env []string
	envText   []byte
	// h and deadline are the request's handler and deadline, for sleep.
	h        *Handler
	deadline time.Time
	// sleep is the guest's sleep (sleepFunc), made once per sandboxIO and
	// kept with it: a closure per request would be an allocation.
	sleep func(ctx context.Context, d time.Duration)
}

// sleepFunc is the guest's sleep for the request s serves: it flushes the
// output and sleeps no further than the deadline.
func (s *sandboxIO) sleepFunc() func(ctx context.Context, d time.Duration) {
	if s.sleep == nil {
		s.sleep = func(ctx context.Context, d time.Duration) {
			s.out.flushPending()
			if !s.deadline.IsZero() {
				d = min(d, time.Until(s.deadline))
			}
			s.h.sleep(ctx, d)
		}
	}
	return s.sleep
}

var sandboxIOs = sync.Pool{New: func() any { return new(sandboxIO) }}

func getSandboxIO() *sandboxIO { return sandboxIOs.Get().(*sandboxIO) }

// keptBuffer and keptEntries bound the buffers and lists a reused
// sandboxIO keeps.
const (
	keptBuffer  = 64 << 10
	keptEntries = 256
)

// release readies s for the next request and gives it back, unless
// another goroutine has touched it (the flush timer's callback or a cut
// ran, or may still be running): then it is left to the collector, so
// that nothing of this request can reach the next one.
func (s *sandboxIO) release() {
	// (timerFiring first: timerRan may still be being written then.)
	if s.out.timerFiring || s.out.timerRan || s.out.cut.firing || s.in.cut.firing {
		return
	}
	timer, pending, fields, line := s.out.timer, s.out.pending[:0], s.out.head.fields[:0], s.errLog.line[:0]
	args, env, envText, sleep := s.args[:0], s.env[:0], s.envText[:0], s.sleep
	if cap(pending) > keptBuffer {
		pending = nil
	}
	if cap(line) > keptBuffer {
		line = nil
	}
	if cap(envText) > keptBuffer {
		envText = nil
	}
	if cap(env) > keptEntries {
		env = nil
	}
	if cap(args) > keptEntries {
		args = nil
	}
	// No strings of this request kept alive.
	clear(fields[:cap(fields)])
	clear(args[:cap(args)])
	clear(env[:cap(env)])
	*s = sandboxIO{}
	s.out.timer, s.out.pending, s.out.head.fields, s.errLog.line = timer, pending, fields, line
	s.args, s.env, s.envText, s.sleep = args, env, envText, sleep
	sandboxIOs.Put(s)
}

// classify names how the sandbox ended. reqCtx is the request's context
// (done when the client went away); timedOut says the deadline passed
// before the guest ended.
func classify(reqCtx context.Context, timedOut bool, instErr, runErr error, code uint32, inst *moat.Instance) (Result, error) {
	err := runErr
	if instErr != nil {
		err = fmt.Errorf("instantiating: %w", instErr)
	} else if err == nil && code != 0 {
		err = fmt.Errorf("the guest exited with status %d", code)
	}
	trap := asTrap(err)
	trapped := trap != nil
	switch {
	case err == nil && !timedOut:
		return ResultOK, nil
	case (timedOut || reqCtx.Err() == nil) && refusedGrowth(inst):
		// The sandbox went past its memory: whatever followed (a trap,
		// an exit, the deadline while it went on or waited its turn in a
		// CPU lane) comes of that.
		if timedOut {
			if err == nil {
				err = errors.New("the guest ended after its deadline")
			}
			return ResultMemory, fmt.Errorf("out of memory, then the deadline passed: %w", err)
		}
		return ResultMemory, fmt.Errorf("out of memory: %w", err)
	case timedOut:
		if err == nil {
			err = errors.New("the guest ended after its deadline")
		}
		return ResultTimeout, fmt.Errorf("the deadline passed: %w", err)
	case reqCtx.Err() != nil:
		return ResultCanceled, err
	case errors.Is(instErr, moat.ErrPoolExhausted):
		// Another user of the engine's pool holds every slot: busy, as
		// when the gate is full.
		return ResultOverloaded, fmt.Errorf("every memory slot of the engine's pool is in use: %w", err)
	case errors.Is(instErr, moat.ErrResourceLimit):
		return ResultMemory, fmt.Errorf("out of memory: %w", err)
	case trapped && trap.Code != moat.TrapHostError:
		return ResultTrap, err
	case instErr != nil, trapped:
		return ResultError, err
	}
	return ResultExit, err
}

// refusedGrowth reports whether the guest's memory refused to grow (its
// limit reached), looked up only for a guest that failed.
func refusedGrowth(inst *moat.Instance) bool {
	if inst == nil {
		return false
	}
	mem := inst.Memory("memory")
	return mem != nil && mem.GrowRefusals() > 0
}

// asTrap is the trap in err's chain, or nil (errors.AsType: no
// allocation, where errors.As's target would escape).
func asTrap(err error) *moat.Trap {
	if err == nil {
		return nil
	}
	trap, _ := errors.AsType[*moat.Trap](err)
	return trap
}

// respond ends the response for outcome o, given the state the guest left
// it in. It reports whether the response must be aborted.
func (h *Handler) respond(w http.ResponseWriter, o *Outcome, out *output, st outputState, in *input) (abort bool) {
	stands := o.Result == ResultOK || o.Result == ResultExit
	reason := ""
	switch {
	case o.Result == ResultCanceled:
		o.Status = StatusClientClosedRequest
		return st.committed
	case stands && st.parsed:
		o.Status = st.status
		out.complete()
		return false
	case st.committed:
		// The guest failed after its response started.
		o.Status = st.status
		return true
	case stands && in.tooLarge:
		o.Result, o.Err = ResultBodyTooLarge, errors.New("the request body is over the limit")
	case stands:
		// No valid CGI head: the guest's output cannot stand.
		bad := badResponse(st)
		// An invalid head is the cause even when the guest then exited
		// non-zero: its writes failed from there on.
		if o.Result == ResultOK || st.headErr != nil {
			o.Result, o.Err, reason = ResultBadResponse, bad, bad.Error()
		} else {
			o.Err = fmt.Errorf("%w; %w", o.Err, bad)
		}
	case in.tooLarge && o.Result != ResultTimeout:
		o.Result = ResultBodyTooLarge
	}
	if reason == "" {
		reason = clientReason(o)
	}
	o.Status = o.Result.Status()
	if out.deadlineSet {
		// The request's deadline is on the connection's writes, and may
		// have passed. Otherwise nothing of the response has reached the
		// connection, and the error's few bytes stay in net/http's buffer
		// until the handler has returned.
		out.setWriteDeadline(time.Now().Add(errorWriteGrace))
	}
	writeError(w, o.Status, reason)
	return false
}

// badResponse says what is wrong with a guest's output that is not a CGI
// response.
func badResponse(st outputState) error {
	switch {
	case st.headErr != nil:
		return fmt.Errorf("invalid CGI response: %w", st.headErr)
	case st.written == 0 && !st.parsed:
		return errors.New("invalid CGI response: the guest ended before the blank line that ends the CGI head")
	}
	return errors.New("invalid CGI response")
}

// clientReason is the one line an error response gives the client: what
// happened, without the details (host paths, backtraces) that stay in the
// log.
func clientReason(o *Outcome) string {
	switch o.Result {
	case ResultTrap:
		if o.Trap != nil {
			return "the sandbox trapped: " + o.Trap.Code.String()
		}
		return "the sandbox trapped"
	case ResultTimeout:
		return "the sandbox did not finish before its deadline"
	case ResultMemory:
		return "the sandbox ran out of memory"
	case ResultExit:
		return fmt.Sprintf("the sandbox exited with status %d without a complete response", o.ExitCode)
	case ResultBadResponse:
		return "invalid CGI response"
	case ResultOverloaded:
		return "every sandbox of this route is busy"
	case ResultBodyTooLarge:
		return "the request body is over this route's limit"
	case ResultBadRequest:
		return o.Err.Error()
	}
	return "the sandbox could not be set up"
}

// firstWithNUL names the first argument or variable holding a NUL byte,
// which WASI cannot pass, or returns "". envText is the text the
// request's variables were written in (cgiEnv): one pass over it finds
// none in the common case, without looking at each entry.
func firstWithNUL(args []string, envText []byte, env []string) string {
	for _, a := range args {
		if strings.IndexByte(a, 0) >= 0 {
			return "path or query"
		}
	}
	if bytes.IndexByte(envText, 0) < 0 {
		return ""
	}
	for _, e := range env {
		if strings.IndexByte(e, 0) >= 0 {
			name, _, _ := strings.Cut(e, "=")
			return name
		}
	}
	return ""
}

// sleep is the guest's sleep: Config.Sleep, or a timer that the context
// cuts short.
func (h *Handler) sleep(ctx context.Context, d time.Duration) {
	if h.cfg.Sleep != nil {
		h.cfg.Sleep(ctx, d)
		return
	}
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}
