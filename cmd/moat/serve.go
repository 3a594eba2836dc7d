package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/moat-run/moat"
	"github.com/moat-run/moat/cmd/moat/internal/server"
)

const serveUsageText = `Usage: moat serve [FLAGS] MODULE
       moat serve [FLAGS] --config FILE

Serves HTTP, running each request in a fresh sandbox, as wasmtime serve
does, with the guest speaking CGI over WASI (WAGI): the request's CGI
variables and headers in its environment, the path and the query split at
'&' in argv, the body on stdin, and a CGI response (Content-Type, Status,
Location headers, a blank line, the body) on stdout. C programs built with
wasi-libc and Go programs using net/http/cgi built with GOOS=wasip1 work
unchanged.

MODULE (a .wasm or .wat file, or oci://REGISTRY/REPO@sha256:DIGEST) is
served on every path. With --config, routes come from a JSON file instead:
path prefix to module, with limits, environment and read-only directories
(see cmd/moat/internal/server/config.go or the README).

Modules compile once per machine, through the compilation cache (as moat
run's: -C cache=n turns it off). A route may serve a compiled artifact
(moat compile's .cwasm, or one pushed with the module by moat push
--artifact) only with --allow-precompiled, and with --trust-key only one
signed by a trusted key; an artifact that came with an OCI module must
have been compiled from that very module, or the module is compiled
instead.

Each route's sandbox memories come from a pool of its max_concurrent
slots and 16 more, reserved once and reset when a request ends (16 at a
time, one page table scan for them all), the pages it touched kept
resident (--pooling=n: made on demand). A pooled route
compiled here checks its memory accesses explicitly, so that a memory
grows within its slot without a system call (-O signals-based-traps=y:
guard pages instead; an artifact keeps the checks it was compiled for). Sandboxes of any route that have run for
--long-run-after (5ms) take turns in --long-run-cpus CPU lanes (half the
CPUs), each running them a quarter of the time (--long-run-duty), so that
guests spinning until their deadline cannot take the whole machine from
the others.

moat serve runs the Go collector at GOGC=400 unless the GOGC environment
variable is set: its own heap is a few MiB (compiled code and sandbox
memories live outside it) and each request's garbage dies with the
request, so the default (100) would collect every few hundred requests.

A deadline passed answers 504, a trap 502 (running out of fuel included), a
guest out of memory 500, a route with all its sandboxes busy past the queue
timeout 503.

/healthz and /readyz answer on the serving address and the metrics
address; Prometheus metrics are at /metrics on --metrics-addr. Each
request is logged as a JSON line on stdout (written out together within
--access-log-flush); the server's own records and the guests' stderr go
to stderr. SIGTERM or SIGINT: stop accepting, finish
the requests in flight (up to --drain-timeout), exit. SIGHUP: read the
configuration and modules again and switch to them without dropping a
request (a reload that fails keeps the routes in force).

Flags:

%s
  -W, -O and -C take the keys moat run takes:

%s%s%s
Examples:

  moat serve --addr 127.0.0.1:8080 hello.wasm
  moat serve --config routes.json --metrics-addr 127.0.0.1:9090
  moat serve --allow-precompiled --trust-key ci.pub hello.cwasm
`

var serveUsage string

func init() {
	serveUsage = fmt.Sprintf(serveUsageText, flagsHelp(serveFlags(&serveArgs{})),
		optionsHelp("-W", wasmOptions), optionsHelp("-O", codegenOptions), optionsHelp("-C", compileOptions))
}

// serveArgs is moat serve's command line: the server's options, and the
// -W, -O and -C options (shared with moat run, options.go) until they are
// folded into them.
type serveArgs struct {
	opts      server.Options
	run       runOptions
	trustKeys []string
	// cpuProfile is --cpuprofile: where the server's CPU profile is
	// written when it stops.
	cpuProfile string
}

// serveDefaults are moat serve's limits when neither a flag nor the
// configuration sets them.
var serveDefaults = server.Limits{
	Timeout:       server.Duration(30 * time.Second),
	MaxMemory:     256 << 20,
	MaxConcurrent: 1000,
	QueueTimeout:  server.Duration(10 * time.Second),
	KeepResident:  2 << 20,
}

// defaultAccessLogFlush is how long access log records wait at most to be
// written together.
const defaultAccessLogFlush = 100 * time.Millisecond

// defaultLongRunAfter is how long a sandbox runs before it needs a CPU
// lane: far beyond a typical request's CPU time, well within a deadline.
// (Both in wall time and in time slices: see vm.LaneUse.)
const defaultLongRunAfter = 5 * time.Millisecond

// defaultLongRunDuty is the share of the time a CPU lane runs sandboxes
// that have run long: with half the CPUs as lanes, a tenant whose guests
// spin until their deadline takes at most an eighth of the machine past
// the threshold, where a full duty would give it half. The threshold
// counts the guest thread's CPU time, so requests of a few milliseconds
// of CPU stay below it however loaded the machine.
const defaultLongRunDuty = 0.25

// defaultLongRunCPUs is half the CPUs the Go scheduler uses, at least 1:
// sandboxes that run long share them, and leave the rest to the others.
func defaultLongRunCPUs() int { return max(1, runtime.GOMAXPROCS(0)/2) }

// serveFlags are moat serve's flags, setting a.
func serveFlags(a *serveArgs) []commandFlag {
	o := &a.opts
	duration := func(d *server.Duration) func(string) error {
		return func(v string) error {
			t, err := parseTimeout(v)
			*d = server.Duration(t)
			return err
		}
	}
	size := func(s *server.Size) func(string) error {
		return func(v string) error {
			n, err := server.ParseSize(v)
			*s = server.Size(n)
			return err
		}
	}
	return []commandFlag{
		{"addr", "ADDR", "the address to serve on (default 0.0.0.0:8080)", func(v string) error { o.Addr = v; return nil }},
		{"config", "FILE", "routes from a JSON configuration file instead of MODULE", func(v string) error { o.ConfigFile = v; return nil }},
		{"metrics-addr", "ADDR", "serve /metrics (Prometheus), /healthz and /readyz on ADDR too (default: no metrics listener)", func(v string) error { o.MetricsAddr = v; return nil }},
		{"env", "NAME=VALUE", "a variable of MODULE's environment (NAME alone copies moat's own); repeatable", func(v string) error {
			kv, ok, err := parseEnv(v)
			if ok {
				name, value, _ := strings.Cut(kv, "=")
				if o.Env == nil {
					o.Env = map[string]string{}
				}
				o.Env[name] = value
			}
			return err
		}},
		{"dir", "HOST[::GUEST]", "grant MODULE the host directory HOST, read-only, as GUEST; repeatable", func(v string) error {
			p, err := parseDir(v)
			o.Dirs = append(o.Dirs, server.DirConfig{Host: p.Host, Guest: p.Guest})
			return err
		}},
		{"timeout", "DURATION", "each request's deadline (default 30s)", duration(&o.Defaults.Timeout)},
		{"max-memory", "SIZE", "each sandbox's memory limit, e.g. 64MiB (default 256MiB)", size(&o.Defaults.MaxMemory)},
		{"keep-resident", "SIZE", "of the pages a request's guest wrote, how many bytes its pool slot keeps for the route's next request instead of giving them back to the kernel (default 2MiB: a Go guest's few hundred pages; at most that per warm slot, 100 a route)", size(&o.Defaults.KeepResident)},
		{"max-concurrent", "N", "sandboxes running at once per route (default 1000)", func(v string) error {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				return fmt.Errorf("%q is not a positive number", v)
			}
			o.Defaults.MaxConcurrent = n
			return nil
		}},
		{"queue-timeout", "DURATION", "how long a request waits for a busy route's sandbox before 503 (default 10s)", duration(&o.Defaults.QueueTimeout)},
		{"max-request-body", "SIZE", "the largest request body a guest may read (default: no limit)", size(&o.Defaults.MaxRequestBody)},
		{"fuel", "N", "each request's fuel: a guest that uses it up traps out of fuel, 502 (default: not metered)", func(v string) error {
			n, err := strconv.ParseUint(v, 10, 64)
			if err != nil || n == 0 {
				return fmt.Errorf("%q is not a positive number", v)
			}
			o.Defaults.Fuel = n
			return nil
		}},
		{"long-run-cpus", "N", "sandboxes that have run for --long-run-after take turns in N CPU lanes, leaving the other CPUs to the rest, however many guests spin until their deadline (default: half the CPUs, at least 1; 0: no lanes)", func(v string) error {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				return fmt.Errorf("%q is not a number of CPUs", v)
			}
			o.LongRunCPUs = n
			return nil
		}},
		{"long-run-after", "DURATION", "how long a sandbox runs before it needs a CPU lane (default 5ms)", func(v string) error {
			d, err := parseTimeout(v)
			o.LongRunAfter = d
			return err
		}},
		{"long-run-duty", "SHARE", "the share of the time each CPU lane runs the sandboxes in it, above 0 and at most 1: after each time slice in a lane a sandbox rests, parked, for the rest of the cycle (default 0.25; 1: whenever it holds the lane)", func(v string) error {
			f, err := strconv.ParseFloat(strings.TrimSuffix(v, "%"), 64)
			if err == nil && strings.HasSuffix(v, "%") {
				f /= 100
			}
			if err != nil || !(f > 0 && f <= 1) {
				return fmt.Errorf("%q is not a share above 0 and at most 1 (0.25 or 25%%)", v)
			}
			o.LongRunDuty = f
			return nil
		}},
		{"pooling", "y|n", "n: make each sandbox's memory on demand, instead of taking it from its route's pool of max_concurrent slots of max_memory, reserved once (Wasmtime's pooling allocator; default y, on the compiler)", func(v string) error {
			on, err := parseBool(v)
			o.NoPooling = !on
			return err
		}},
		{"engine", "E", "interp, compiler, or auto (default auto)", func(v string) error {
			k, err := parseEngine(v)
			a.run.engine = k
			return err
		}},
		{"W", "KEY=VALUE[,...]", "WebAssembly limits and features, as moat run's (-W timeout is --timeout); repeatable", func(v string) error {
			return applyOptions(&a.run, "-W", wasmOptions, v)
		}},
		{"O", "KEY=VALUE[,...]", "code generation and memory layout, as moat run's; repeatable", func(v string) error {
			return applyOptions(&a.run, "-O", codegenOptions, v)
		}},
		{"C", "KEY=VALUE[,...]", "the compilation cache, as moat run's (on by default: modules compile once per machine); repeatable", func(v string) error {
			return applyOptions(&a.run, "-C", compileOptions, v)
		}},
		{"allow-precompiled", "", "let routes serve compiled artifacts (moat compile's .cwasm, or one pushed beside an OCI module): native code, so only from a source you trust", func(string) error {
			o.AllowPrecompiled = true
			return nil
		}},
		{"trust-key", "FILE", "serve only artifacts signed by the Ed25519 public key in FILE (PEM); repeatable", func(v string) error {
			a.trustKeys = append(a.trustKeys, v)
			return nil
		}},
		{"store", "DIR", "where modules pulled from registries are kept (default: moat/modules in the user cache directory)", func(v string) error { o.StoreDir = v; return nil }},
		{"plain-http", "", "reach registries over HTTP instead of HTTPS", func(string) error { o.PlainHTTP = true; return nil }},
		{"access-log-flush", "DURATION", "how long access log records may wait on stdout's buffer, to be written together (default 100ms; 0: each at once)", func(v string) error {
			if v == "0" {
				o.AccessLogFlush = -1
				return nil
			}
			d, err := parseTimeout(v)
			o.AccessLogFlush = d
			return err
		}},
		{"cpuprofile", "FILE", "write the server's CPU profile (go tool pprof) to FILE when it stops", func(v string) error { a.cpuProfile = v; return nil }},
		{"drain-timeout", "DURATION", "how long shutdown waits for requests in flight (default 30s)", func(v string) error {
			d, err := parseTimeout(v)
			o.DrainTimeout = d
			return err
		}},
	}
}

// parseServeArgs reads moat serve's command line: the server's options.
func parseServeArgs(args []string) (opts server.Options, help bool, err error) {
	a, help, err := parseServeCommand(args)
	return a.opts, help, err
}

// parseServeCommand reads moat serve's command line.
func parseServeCommand(args []string) (a serveArgs, help bool, err error) {
	a.opts = server.Options{Addr: "0.0.0.0:8080", DrainTimeout: 30 * time.Second, AccessLogFlush: defaultAccessLogFlush,
		LongRunCPUs: defaultLongRunCPUs(), LongRunAfter: defaultLongRunAfter, LongRunDuty: defaultLongRunDuty}
	a.run.engine = moat.EngineAuto
	positional, help, err := parseFlags(args, serveFlags(&a))
	opts := &a.opts
	if help || err != nil {
		return a, help, err
	}
	switch {
	case len(positional) > 1:
		return a, false, fmt.Errorf("one MODULE only (more routes: --config)")
	case len(positional) == 1 && opts.ConfigFile != "":
		return a, false, fmt.Errorf("MODULE and --config both given")
	case len(positional) == 0 && opts.ConfigFile == "":
		return a, false, errMissing("MODULE (or --config FILE)")
	case opts.ConfigFile != "" && (len(opts.Env) > 0 || len(opts.Dirs) > 0):
		return a, false, fmt.Errorf("--env and --dir are for MODULE; with --config, set them per route")
	case len(a.trustKeys) > 0 && !opts.AllowPrecompiled:
		return a, false, fmt.Errorf("--trust-key is for artifacts: add --allow-precompiled")
	}
	if len(positional) == 1 {
		opts.Module = positional[0]
	}
	if opts.EngineConfig, err = a.engineConfig(); err != nil {
		return a, false, err
	}
	if a.run.timeout != 0 && opts.Defaults.Timeout == 0 {
		opts.Defaults.Timeout = server.Duration(a.run.timeout)
	}
	opts.Defaults = opts.Defaults.WithDefaults(serveDefaults)
	return a, false, nil
}

// engineConfig is the routes' engine configuration from -W, -O, -C,
// --engine and --trust-key: what moat run's would be.
func (a *serveArgs) engineConfig() (moat.Config, error) {
	cfg := a.run.config
	cfg.Engine, cfg.DisabledFeatures = a.run.engine, a.run.disabledFeatures
	if !a.run.noCache {
		cfg.CacheDir, cfg.CacheMaxBytes = a.run.cacheDir, a.run.cacheMax
		if cfg.CacheDir == "" {
			cfg.CacheDir = defaultCacheDir()
		}
	}
	for _, path := range a.trustKeys {
		k, err := readPublicKey(path)
		if err != nil {
			return cfg, err
		}
		cfg.TrustedKeys = append(cfg.TrustedKeys, k)
	}
	return cfg, nil
}

// serveGCPercent is moat serve's GOGC when the environment sets none: its
// live heap is small and a request's garbage short-lived, so a collection
// every 5 times the live heap rather than 2 cuts the collector's CPU per
// request (four interleaved wrk rounds on a loaded machine: 87 -> 70 µs
// of server CPU per request, against GOGC=100).
const serveGCPercent = 400

func serveCommand(args []string, stdout, stderr io.Writer) int {
	a, help, err := parseServeCommand(args)
	opts := a.opts
	if help {
		fmt.Fprint(stdout, serveUsage)
		return exitOK
	}
	if err != nil {
		return usageError(stderr, "serve", "%v", err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	reload := make(chan struct{}, 1)
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go func() {
		for range hup {
			select {
			case reload <- struct{}{}:
			default: // a reload is already pending
			}
		}
	}()
	opts.Reload = reload
	opts.AccessLog, opts.Log = stdout, stderr
	if os.Getenv("GOGC") == "" {
		defer debug.SetGCPercent(debug.SetGCPercent(serveGCPercent))
	}
	if a.cpuProfile != "" {
		stopProfile, err := startCPUProfile(a.cpuProfile)
		if err != nil {
			fmt.Fprintf(stderr, "moat serve: %v\n", err)
			return exitFailure
		}
		defer stopProfile()
	}
	if err := server.Run(ctx, opts); err != nil {
		fmt.Fprintf(stderr, "moat serve: %v\n", err)
		return exitFailure
	}
	return exitOK
}

// startCPUProfile starts the process's CPU profile into path (--cpuprofile)
// and returns what stops it and closes the file.
func startCPUProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}
