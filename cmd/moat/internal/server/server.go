package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/moat-run/moat"
	"github.com/moat-run/moat/cmd/moat/internal/oci"
	"github.com/moat-run/moat/serve"
)

// Options configure Run.
type Options struct {
	// Addr is the address to serve on (Listener, when set, instead).
	Addr     string
	Listener net.Listener
	// MetricsAddr is the address of the metrics listener, "" for none
	// (MetricsListener, when set, instead).
	MetricsAddr     string
	MetricsListener net.Listener

	// ConfigFile is a JSON configuration (File); or else Module is served
	// on every path, with Env and Dirs.
	ConfigFile string
	Module     string
	Env        map[string]string
	Dirs       []DirConfig

	// Defaults are the limits of routes that leave them out.
	Defaults Limits
	// EngineConfig is every route's engine configuration but the memory
	// limit (the route's): engine kind, bounds checks and memory layout,
	// features, compilation cache (CacheDir), trusted keys for artifacts.
	EngineConfig moat.Config
	// LongRunCPUs and LongRunAfter set the server's CPU lanes
	// (moat.CPULanes): sandboxes of any route that have run for
	// LongRunAfter take turns in LongRunCPUs lanes. LongRunCPUs 0: no
	// lanes.
	LongRunCPUs  int
	LongRunAfter time.Duration
	// LongRunDuty is the share of the time each lane runs them
	// (moat.CPULanes.SetDuty); 0: 1.
	LongRunDuty float64
	// NoPooling makes sandbox memories on demand. By default each route
	// with a concurrency cap takes them from a pool of that many slots
	// of its memory limit, reserved once (moat.Config.Pooling), and its
	// gate is the pool's.
	NoPooling bool
	// AllowPrecompiled lets a route's module be a compiled artifact (a
	// file from moat compile, or one that came with an OCI module). Off,
	// every route's code is compiled here from its WebAssembly.
	AllowPrecompiled bool
	// StoreDir keeps modules pulled from registries.
	StoreDir  string
	PlainHTTP bool

	// DrainTimeout bounds how long shutdown waits for requests in flight.
	DrainTimeout time.Duration

	// AccessLog and Log receive JSON records (stdout and stderr in the
	// command).
	AccessLog io.Writer
	Log       io.Writer
	// AccessLogFlush is how long access log records may wait to be
	// written together (0: each is written at once). Shutdown writes
	// what is waiting.
	AccessLogFlush time.Duration

	// Reload asks for a reload (SIGHUP in the command).
	Reload <-chan struct{}
	// Started, when set, is called once serving, with the addresses.
	Started func(addr, metricsAddr string)
}

// server is one running `moat serve`.
type server struct {
	opts    Options
	log     *slog.Logger
	access  *accessLog
	mods    *modules
	current atomic.Pointer[table]
	ready   atomic.Bool
	metrics *metrics
	lanes   *moat.CPULanes // nil: none
}

// Run serves until ctx ends, then shuts down gracefully. It fails at once
// when the configuration or a module cannot be loaded.
func Run(ctx context.Context, opts Options) error {
	if opts.Log == nil {
		opts.Log = io.Discard
	}
	if opts.AccessLog == nil {
		opts.AccessLog = io.Discard
	}
	if opts.StoreDir == "" {
		opts.StoreDir = oci.DefaultStoreDir()
	}
	accessOut := newFlushingWriter(opts.AccessLog, opts.AccessLogFlush)
	defer accessOut.Close()
	s := &server{
		opts:   opts,
		log:    slog.New(slog.NewJSONHandler(opts.Log, nil)),
		access: newAccessLog(accessOut),
	}
	store, err := oci.OpenStore(opts.StoreDir)
	if err != nil {
		return err
	}
	if opts.LongRunCPUs > 0 {
		if s.lanes, err = moat.NewCPULanes(opts.LongRunCPUs, opts.LongRunAfter); err != nil {
			return err
		}
		if opts.LongRunDuty != 0 {
			if err := s.lanes.SetDuty(opts.LongRunDuty); err != nil {
				return err
			}
		}
	}
	s.metrics = newMetrics(&s.current, s.lanes)
	f, err := s.config()
	if err != nil {
		return err
	}
	s.mods = newModules(opts.EngineConfig, precompiled{allow: opts.AllowPrecompiled}, !opts.NoPooling, s.log, store,
		oci.Options{PlainHTTP: opts.PlainHTTP || f.PlainHTTP})
	t, err := s.build(ctx, f)
	if err != nil {
		return err
	}
	s.current.Store(t)

	ln, err := listen(opts.Listener, opts.Addr)
	if err != nil {
		return err
	}
	// Requests' contexts descend from base: cancelling it interrupts the
	// sandboxes still running when the drain timeout passes.
	base, cancelBase := context.WithCancel(context.Background())
	defer cancelBase()
	srv := &http.Server{
		Handler:           s,
		BaseContext:       func(net.Listener) context.Context { return base },
		ReadHeaderTimeout: 30 * time.Second,
		// Idle keep-alive connections are closed in time, so clients
		// that go quiet do not hold descriptors for ever.
		IdleTimeout: 2 * time.Minute,
		ErrorLog:    slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 2)
	go func() { errc <- srv.Serve(ln) }()

	var msrv *http.Server
	metricsAddr := ""
	if opts.MetricsListener != nil || opts.MetricsAddr != "" {
		mln, err := listen(opts.MetricsListener, opts.MetricsAddr)
		if err != nil {
			srv.Close()
			return err
		}
		metricsAddr = mln.Addr().String()
		mux := http.NewServeMux()
		mux.Handle("/metrics", promhttp.HandlerFor(s.metrics.registry, promhttp.HandlerOpts{Registry: s.metrics.registry}))
		mux.HandleFunc("/healthz", s.healthz)
		mux.HandleFunc("/readyz", s.readyz)
		msrv = &http.Server{Handler: mux, ReadHeaderTimeout: 30 * time.Second, ErrorLog: srv.ErrorLog}
		go func() { errc <- msrv.Serve(mln) }()
	}
	s.ready.Store(true)
	s.log.Info("serving", "addr", ln.Addr().String(), "metrics_addr", metricsAddr, "routes", routeAttrs(t))
	if opts.Started != nil {
		opts.Started(ln.Addr().String(), metricsAddr)
	}

	for {
		select {
		case <-ctx.Done():
			return s.shutdown(srv, msrv, cancelBase)
		case err := <-errc:
			s.ready.Store(false)
			srv.Close()
			if msrv != nil {
				msrv.Close()
			}
			return fmt.Errorf("serving: %w", err)
		case <-opts.Reload:
			s.reload(ctx)
		}
	}
}

func listen(ln net.Listener, addr string) (net.Listener, error) {
	if ln != nil {
		return ln, nil
	}
	return net.Listen("tcp", addr)
}

// shutdown stops accepting, drains, and interrupts what is left after the
// drain timeout.
func (s *server) shutdown(srv, msrv *http.Server, cancelBase context.CancelFunc) error {
	s.ready.Store(false)
	s.log.Info("shutting down", "drain_timeout", s.opts.DrainTimeout.String())
	ctx, cancel := context.WithTimeout(context.Background(), s.opts.DrainTimeout)
	defer cancel()
	err := srv.Shutdown(ctx)
	if errors.Is(err, context.DeadlineExceeded) {
		s.log.Warn("drain timeout passed: interrupting the requests still running")
		cancelBase()
		srv.Close()
		err = nil
	}
	if msrv != nil {
		msrv.Close()
	}
	s.log.Info("stopped")
	return err
}

// config reads the configuration: the file, or one route for Module.
func (s *server) config() (*File, error) {
	if s.opts.ConfigFile != "" {
		return LoadFile(s.opts.ConfigFile)
	}
	if s.opts.Module == "" {
		return nil, errors.New("no module and no configuration file")
	}
	f := &File{PlainHTTP: s.opts.PlainHTTP, Routes: []RouteConfig{{
		Path: "/", Module: s.opts.Module, Env: s.opts.Env, Dirs: s.opts.Dirs,
	}}}
	return f, f.check()
}

// build makes a route table for f.
func (s *server) build(ctx context.Context, f *File) (*table, error) {
	t, err := buildTable(ctx, f, s.opts.Defaults, s.mods, s.lanes, s.log, s.done)
	if err != nil {
		return nil, err
	}
	for _, r := range t.routes {
		r.metrics = s.metrics.forRoute(r.path)
	}
	return t, nil
}

// reload builds a new table and puts it in force, or keeps the old one.
func (s *server) reload(ctx context.Context) {
	start := time.Now()
	f, err := s.config()
	var t *table
	if err == nil {
		t, err = s.build(ctx, f)
	}
	if err != nil {
		s.metrics.reloads.WithLabelValues("error").Inc()
		s.log.Error("reload failed; the routes in force stay", "error", err.Error())
		return
	}
	s.current.Store(t)
	s.metrics.reloads.WithLabelValues("ok").Inc()
	s.log.Info("reloaded", "routes", routeAttrs(t), "took", time.Since(start).Seconds())
}

// done is every request's end: metrics and access log.
func (s *server) done(r *route, req *http.Request, o *serve.Outcome) {
	r.metrics.observe(o)
	s.access.log(r.path, req, o, "")
}

// ServeHTTP answers the health checks and routes everything else.
func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/healthz":
		s.healthz(w, r)
		return
	case "/readyz":
		s.readyz(w, r)
		return
	}
	rt := s.current.Load().match(r.URL.Path)
	if rt == nil {
		http.NotFound(w, r)
		o := &serve.Outcome{Status: http.StatusNotFound}
		s.metrics.requests.WithLabelValues("", "404", "no_route").Inc()
		s.access.log("", r, o, "no_route")
		return
	}
	rt.handler.ServeHTTP(w, r)
}

func (s *server) healthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintln(w, "ok")
}

func (s *server) readyz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if !s.ready.Load() {
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintln(w, "not ready")
		return
	}
	fmt.Fprintln(w, "ready")
}

// routeAttrs describes a table for logs.
func routeAttrs(t *table) []map[string]any {
	out := make([]map[string]any, 0, len(t.routes))
	for _, r := range t.routes {
		m := map[string]any{"path": r.path, "module": r.source.Module, "digest": r.source.Digest, "compiled": r.source.Compiled, "precompiled": r.source.Precompiled}
		if r.source.Manifest != "" {
			m["manifest"] = r.source.Manifest
		}
		out = append(out, m)
	}
	return out
}
