// Command serveload measures moat serve under load on loopback and prints
// markdown tables: throughput and latency against a native net/http
// handler, a soak of many connections and a million requests with a
// resource check, and well-behaved latency beside hostile guests. See
// package serveload.
//
//	cd bench && go run ./cmd/serveload -scenario throughput,soak,hostile
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/moat-run/moat/bench/serveload"
)

func main() {
	if len(os.Args) == 2 && os.Args[1] == serveload.NativeArg {
		serveload.NativeMain()
		return
	}
	scenarios := flag.String("scenario", "throughput,soak,hostile", "comma-separated: throughput, soak, hostile")
	engine := flag.String("engine", "auto", "moat serve's --engine")
	repo := flag.String("repo", "..", "the moat repository (its cmd/moat is built, its serve/testdata guests served)")
	conns := flag.Int("conns", 32, "connections of the throughput and hostile loads")
	duration := flag.Duration("duration", 10*time.Second, "length of each throughput round and of each hostile run")
	rounds := flag.Int("rounds", 3, "throughput rounds per server (medians are reported)")
	soakConns := flag.Int("soak-conns", 10000, "concurrent connections of the soak")
	soakRequests := flag.Int64("soak-requests", 1_000_000, "requests of the soak")
	soakMax := flag.Duration("soak-max", 30*time.Minute, "time bound of the soak")
	hostileDeadline := flag.Duration("hostile-deadline", 20*time.Millisecond, "the deadline of the route the hostile requests go to")
	serveFlags := flag.String("serve-flags", "", "more flags for moat serve, space-separated (e.g. \"--long-run-cpus 0\")")
	compare := flag.String("compare-serve-flags", "", "hostile: a second moat serve with these flags (e.g. \"--long-run-cpus 0\") runs the same rounds, interleaved")
	hostileConcurrent := flag.Int("hostile-concurrent", 0, "max_concurrent of the route the hostile requests go to (0: as the well-behaved route's)")
	flag.StringVar(&compareBin, "compare-bin", "", "throughput and hostile: a second moat binary (e.g. the build before a change) served beside the first (each guest), rounds interleaved")
	flag.BoolVar(&goGuestRuns, "go-guest", true, "throughput: measure the Go net/http/cgi guest too")
	hostileKinds := flag.String("hostile-kinds", "loop,trap,oom", "hostile: the kinds of hostile request, each at 1% of the clean rate (to tell which one costs the well-behaved requests most)")
	flag.Parse()
	extraServeFlags = strings.Fields(*serveFlags)
	hostilePaths = nil
	for _, k := range strings.Split(*hostileKinds, ",") {
		hostilePaths = append(hostilePaths, "/tenant/"+strings.TrimSpace(k))
	}
	if err := run(strings.Split(*scenarios, ","), *engine, *repo, *conns, *duration, *rounds, *soakConns, *soakRequests, *soakMax, *hostileDeadline, *hostileConcurrent, *compare); err != nil {
		fmt.Fprintln(os.Stderr, "serveload:", err)
		os.Exit(1)
	}
}

func run(scenarios []string, engine, repo string, conns int, duration time.Duration, rounds, soakConns int, soakRequests int64, soakMax, hostileDeadline time.Duration, hostileConcurrent int, compare string) error {
	tmp, err := os.MkdirTemp("", "serveload")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	root, err := filepath.Abs(repo)
	if err != nil {
		return err
	}
	fmt.Fprintln(os.Stderr, "building moat...")
	bin, err := serveload.BuildMoat(root, tmp)
	if err != nil {
		return err
	}
	cGuest := filepath.Join(root, "serve", "testdata", "cgi", "cgi.wasm")
	goGuest := filepath.Join(root, "serve", "testdata", "gocgi", "gocgi.wasm")
	for _, s := range scenarios {
		var err error
		switch strings.TrimSpace(s) {
		case "throughput":
			err = throughput(bin, engine, tmp, cGuest, goGuest, conns, duration, rounds)
		case "soak":
			err = soak(bin, engine, tmp, cGuest, soakConns, soakRequests, soakMax)
		case "hostile":
			err = hostile(bin, engine, tmp, cGuest, conns, duration, hostileDeadline, hostileConcurrent, rounds, compare)
		default:
			err = fmt.Errorf("unknown scenario %q", s)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// extraServeFlags are -serve-flags.
var extraServeFlags []string

// compareBin is -compare-bin: a second moat binary measured beside the
// one built from the repository, in interleaved rounds.
var compareBin string

// goGuestRuns is -go-guest.
var goGuestRuns = true

// hostilePaths are the hostile requests' paths (-hostile-kinds).
var hostilePaths []string

func startMoat(bin, engine, dir string, routes ...serveload.Route) (*serveload.Server, error) {
	d, err := os.MkdirTemp(dir, "moat")
	if err != nil {
		return nil, err
	}
	return serveload.StartMoat(bin, engine, routes, d, extraServeFlags...)
}

// maxConcurrent is the routes' cap on sandboxes running at once: a few per
// CPU keeps CPU-bound guests from crowding each other (requests past it
// wait their turn in the route's queue, cheaply).
var maxConcurrent = 8 * runtime.GOMAXPROCS(0)

// route is the route at / serving module.
func route(module, timeout, memory string) serveload.Route {
	return serveload.Route{Path: "/", Module: module, Timeout: timeout, MaxMemory: memory, MaxConcurrent: maxConcurrent}
}

// throughput: rounds of each server in turn, same load; medians.
func throughput(bin, engine, dir, cGuest, goGuest string, conns int, duration time.Duration, rounds int) error {
	type target struct {
		name     string
		greeting string
		srv      *serveload.Server
		results  []serveload.Result
		// CPU time per request of the server and of this process (the
		// load generator), per round, in µs.
		serverCPU, loadCPU []float64
	}
	native, err := serveload.StartNative()
	if err != nil {
		return err
	}
	defer native.Stop()
	c, err := startMoat(bin, engine, dir, route(cGuest, "30s", "16MiB"))
	if err != nil {
		return err
	}
	defer c.Stop()
	targets := []*target{
		{name: "native Go net/http handler", greeting: "hello from C: ", srv: native},
		{name: "moat serve, C CGI guest", greeting: "hello from C: ", srv: c},
	}
	if compareBin != "" {
		cc, err := startMoat(compareBin, engine, dir, route(cGuest, "30s", "16MiB"))
		if err != nil {
			return err
		}
		defer cc.Stop()
		targets = append(targets, &target{name: "moat serve (" + filepath.Base(compareBin) + "), C CGI guest", greeting: "hello from C: ", srv: cc})
	}
	if goGuestRuns {
		fmt.Fprintln(os.Stderr, "starting moat serve with the Go guest (compiling it takes a while)...")
		g, err := startMoat(bin, engine, dir, route(goGuest, "30s", "64MiB"))
		if err != nil {
			return err
		}
		defer g.Stop()
		targets = append(targets, &target{name: "moat serve, Go net/http/cgi guest", greeting: "hello from Go: ", srv: g})
		if compareBin != "" {
			gc, err := startMoat(compareBin, engine, dir, route(goGuest, "30s", "64MiB"))
			if err != nil {
				return err
			}
			defer gc.Stop()
			targets = append(targets, &target{name: "moat serve (" + filepath.Base(compareBin) + "), Go net/http/cgi guest", greeting: "hello from Go: ", srv: gc})
		}
	}
	for _, t := range targets { // warm up
		serveload.Load{Addr: t.srv.Addr, Conns: conns, Duration: duration / 5, Greeting: t.greeting}.Run()
	}
	for r := 0; r < rounds; r++ {
		for _, t := range targets {
			server0, self0, gc0 := t.srv.CPUTime(), serveload.SelfCPUTime(), t.srv.GCStats()
			res := serveload.Load{Addr: t.srv.Addr, Conns: conns, Duration: duration, Greeting: t.greeting}.Run()
			if res.Requests > 0 {
				t.serverCPU = append(t.serverCPU, float64(t.srv.CPUTime()-server0)/float64(time.Microsecond)/float64(res.Requests))
				t.loadCPU = append(t.loadCPU, float64(serveload.SelfCPUTime()-self0)/float64(time.Microsecond)/float64(res.Requests))
			}
			cpu := 0.0
			if n := len(t.serverCPU); n > 0 && res.Requests > 0 {
				cpu = t.serverCPU[n-1]
			}
			gc := t.srv.GCStats().Since(gc0)
			pause, longest := gc.Pause()
			fmt.Fprintf(os.Stderr, "round %d, %s: %v; server CPU %.1f µs/request; server GCs %d, pauses %v (longest %v)\n",
				r+1, t.name, res, cpu, gc.Count(), pause.Round(time.Microsecond), longest.Round(time.Microsecond))
			for _, e := range res.ErrorSamples {
				fmt.Fprintln(os.Stderr, "  ", e)
			}
			t.results = append(t.results, res)
		}
	}
	fmt.Printf("\n### Throughput: %d connections, %d rounds of %v, medians (engine %s)\n\n", conns, rounds, duration, engine)
	fmt.Println("| server | requests/s | vs native | p50 | p99 | server CPU µs/request | load generator CPU µs/request | errors |")
	fmt.Println("|---|---:|---:|---:|---:|---:|---:|---:|")
	nativeRPS := medianRPS(targets[0].results)
	for _, t := range targets {
		rps := medianRPS(t.results)
		var errs int64
		for _, r := range t.results {
			errs += r.Errors
		}
		fmt.Printf("| %s | %.0f | %.2f | %v | %v | %.1f | %.1f | %d |\n", t.name, rps, rps/nativeRPS,
			medianDur(t.results, func(r serveload.Result) time.Duration { return r.P50 }),
			medianDur(t.results, func(r serveload.Result) time.Duration { return r.P99 }),
			median(t.serverCPU), median(t.loadCPU), errs)
	}
	return nil
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	v = slices.Clone(v)
	slices.Sort(v)
	return v[len(v)/2]
}

func medianRPS(rs []serveload.Result) float64 {
	v := make([]float64, len(rs))
	for i, r := range rs {
		v[i] = r.RPS
	}
	slices.Sort(v)
	return v[len(v)/2]
}

func medianDur(rs []serveload.Result, f func(serveload.Result) time.Duration) time.Duration {
	v := make([]time.Duration, len(rs))
	for i, r := range rs {
		v[i] = f(r)
	}
	slices.Sort(v)
	return v[len(v)/2].Round(10 * time.Microsecond)
}

// soak: many connections, a million requests, then a resource check.
func soak(bin, engine, dir, cGuest string, conns int, requests int64, max time.Duration) error {
	srv, err := startMoat(bin, engine, dir, route(cGuest, "60s", "16MiB"))
	if err != nil {
		return err
	}
	defer srv.Stop()
	serveload.Load{Addr: srv.Addr, Conns: 32, Requests: 5000, Greeting: "hello from C: "}.Run()
	time.Sleep(5 * time.Second)
	fresh, err := srv.Resources()
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "soak: fresh: %v\n  %s\n", fresh, srv.GoMemory())
	// Warm up with as many connections as the run: the Go runtime keeps
	// the descriptor of every goroutine it ever ran (one per connection)
	// for the process's life, so the first time the server sees that
	// many connections raises its floor once; the leak check starts
	// from there.
	warm := serveload.Load{Addr: srv.Addr, Conns: conns, Requests: int64(2 * conns), Timeout: 5 * time.Minute, Greeting: "hello from C: "}.Run()
	fmt.Fprintf(os.Stderr, "soak: warm-up: %v\n", warm)
	before, err := settle(srv, fresh, 2*time.Minute)
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "soak: before: %v\n  %s\n", before, srv.GoMemory())
	if dir := os.Getenv("SERVELOAD_MAPS"); dir != "" {
		os.WriteFile(filepath.Join(dir, "maps.before"), []byte(srv.MapsText()), 0o644)
		defer func() { os.WriteFile(filepath.Join(dir, "maps.after"), []byte(srv.MapsText()), 0o644) }()
	}
	res := serveload.Load{Addr: srv.Addr, Conns: conns, Requests: requests, Duration: max, Timeout: 5 * time.Minute, Greeting: "hello from C: "}.Run()
	fmt.Fprintf(os.Stderr, "soak: %v\n", res)
	for _, e := range res.ErrorSamples {
		fmt.Fprintln(os.Stderr, "  ", e)
	}
	// The connections are closed; wait for the server to let go (the Go
	// runtime collects and returns memory in the background).
	settled := time.Now()
	after, err := settle(srv, before, 5*time.Minute)
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "soak: after %v: %v\n  %s\n", time.Since(settled).Round(time.Second), after, srv.GoMemory())
	fmt.Printf("\n### Soak: %d concurrent connections, %d requests (engine %s)\n\n", conns, res.Requests, engine)
	fmt.Printf("%d requests in %.0fs (%.0f/s), p50 %v, p99 %v, max %v; %d errors, every response checked against its request's token.\n\n",
		res.Requests, res.Elapsed.Seconds(), res.RPS, res.P50.Round(10*time.Microsecond), res.P99.Round(10*time.Microsecond), res.Max.Round(time.Millisecond), res.Errors)
	fmt.Printf("| server | fresh | before (after %d connections once) | after | verdict |\n", conns)
	fmt.Println("|---|---:|---:|---:|---|")
	row := func(name string, f, b, a int64, ok bool) {
		verdict := "ok"
		if !ok {
			verdict = "**not back**"
		}
		fmt.Printf("| %s | %d | %d | %d | %s |\n", name, f, b, a, verdict)
	}
	row("goroutines", int64(fresh.Goroutines), int64(before.Goroutines), int64(after.Goroutines), after.Goroutines <= before.Goroutines)
	row("file descriptors", int64(fresh.FDs), int64(before.FDs), int64(after.FDs), after.FDs <= before.FDs)
	row("sandbox mappings (memories, stack guards)", int64(fresh.SandboxMaps), int64(before.SandboxMaps), int64(after.SandboxMaps), after.SandboxMaps <= before.SandboxMaps)
	fmt.Printf("| all memory mappings | %d | %d | %d | (Go keeps the OS threads and runtime metadata it grew) |\n", fresh.Maps, before.Maps, after.Maps)
	row("sandboxes live + waiting", int64(fresh.Live+fresh.Waiting), int64(before.Live+before.Waiting), int64(after.Live+after.Waiting), after.Live+after.Waiting == 0)
	fmt.Printf("| RSS (MiB) | %.1f | %.1f | %.1f | %s |\n", float64(fresh.RSS)/(1<<20), float64(before.RSS)/(1<<20), float64(after.RSS)/(1<<20),
		map[bool]string{true: "ok (within 10%)", false: "**over 10%**"}[float64(after.RSS) <= 1.1*float64(before.RSS)])
	fmt.Printf("\n(after settling for %v)\n", time.Since(settled).Round(time.Second))
	return nil
}

// settle waits (up to max) until srv holds no more than ref did and its
// RSS is within 10% of ref's, and returns what it holds then.
func settle(srv *serveload.Server, ref serveload.Resources, max time.Duration) (serveload.Resources, error) {
	start := time.Now()
	for {
		r, err := srv.Resources()
		if err != nil {
			return r, err
		}
		if r.Live == 0 && r.Waiting == 0 && r.Goroutines <= ref.Goroutines && r.FDs <= ref.FDs &&
			r.SandboxMaps <= ref.SandboxMaps && float64(r.RSS) <= 1.1*float64(ref.RSS) {
			return r, nil
		}
		if time.Since(start) > max {
			return r, nil
		}
		time.Sleep(2 * time.Second)
	}
}

// hostile: the well-behaved load alone, then beside hostile requests, in
// alternating rounds (the machine's noise hits both alike); medians. The
// hostile requests go to a route of their own (a tenant's), the same
// module with its own deadline: each endless loop costs its deadline in
// CPU, so the deadline decides how much of the machine the loops take.
// With compareFlags, a second server with those flags runs the same
// rounds, interleaved with the first's, so that both meet the same noise.
func hostile(bin, engine, dir, cGuest string, conns int, duration, deadline time.Duration, tenantConcurrent, rounds int, compareFlags string) error {
	if tenantConcurrent == 0 {
		tenantConcurrent = maxConcurrent
	}
	type variant struct {
		name         string
		srv          *serveload.Server
		clean, mixed []serveload.Result
		statuses     map[string]map[int]int
		failed       int
		roundRatios  []float64
	}
	type serverSpec struct{ bin, flags string }
	specs := []serverSpec{{bin, strings.Join(extraServeFlags, " ")}}
	if compareFlags != "" {
		specs = append(specs, serverSpec{bin, compareFlags})
	}
	if compareBin != "" {
		specs = append(specs, serverSpec{compareBin, specs[0].flags})
	}
	var variants []*variant
	for _, spec := range specs {
		d, err := os.MkdirTemp(dir, "moat")
		if err != nil {
			return err
		}
		srv, err := serveload.StartMoat(spec.bin, engine, []serveload.Route{route(cGuest, "30s", "16MiB"),
			{Path: "/tenant", Module: cGuest, Timeout: deadline.String(), MaxMemory: "16MiB", MaxConcurrent: tenantConcurrent}},
			d, strings.Fields(spec.flags)...)
		if err != nil {
			return err
		}
		defer srv.Stop()
		name := "moat serve " + spec.flags
		if spec.bin != bin {
			name = "moat serve (" + filepath.Base(spec.bin) + ") " + spec.flags
		}
		variants = append(variants, &variant{name: strings.TrimSpace(name), srv: srv, statuses: map[string]map[int]int{}})
		serveload.Load{Addr: srv.Addr, Conns: conns, Duration: duration / 5, Greeting: "hello from C: "}.Run() // warm up
	}
	paths := hostilePaths
	for r := 0; r < rounds; r++ {
		for _, v := range variants {
			load := serveload.Load{Addr: v.srv.Addr, Conns: conns, Duration: duration, Greeting: "hello from C: "}
			c := load.Run()
			fmt.Fprintf(os.Stderr, "hostile round %d, %s: clean: %v\n", r+1, v.name, c)
			h := &serveload.Hostile{Addr: v.srv.Addr, Rate: 0.01 * float64(len(paths)) * c.RPS, Paths: paths, Timeout: time.Minute}
			h.Start()
			m := load.Run()
			st, herrs := h.Stop()
			fmt.Fprintf(os.Stderr, "hostile round %d, %s: mixed: %v; hostile %v, %d failed\n", r+1, v.name, m, st, herrs)
			for _, e := range append(c.ErrorSamples, m.ErrorSamples...) {
				fmt.Fprintln(os.Stderr, "  ", e)
			}
			v.clean, v.mixed = append(v.clean, c), append(v.mixed, m)
			v.roundRatios = append(v.roundRatios, float64(m.P99)/float64(c.P99))
			for p, byStatus := range st {
				if v.statuses[p] == nil {
					v.statuses[p] = map[int]int{}
				}
				for code, n := range byStatus {
					v.statuses[p][code] += n
				}
			}
			v.failed += herrs
		}
	}
	fmt.Printf("\n### Hostile mix: %d connections of well-behaved requests, %d rounds of %v alone then %v beside hostile requests at %d%% of the clean rate (1%% each of %s, on a route with a %v deadline, 16 MiB and %d sandboxes at once); medians (engine %s)\n\n",
		conns, rounds, duration, duration, len(paths), strings.Join(paths, ", "), deadline, tenantConcurrent, engine)
	fmt.Println("| server | run | well-behaved requests/s | p50 | p99 | p99 / clean p99 | errors |")
	fmt.Println("|---|---|---:|---:|---:|---:|---:|")
	p99 := func(r serveload.Result) time.Duration { return r.P99 }
	for _, v := range variants {
		for _, r := range []struct {
			name string
			res  []serveload.Result
		}{{"clean", v.clean}, {"with hostile requests", v.mixed}} {
			var errs int64
			for _, x := range r.res {
				errs += x.Errors
			}
			ratio := ""
			if r.name != "clean" {
				ratio = fmt.Sprintf("**%.2f**", float64(medianDur(v.mixed, p99))/float64(medianDur(v.clean, p99)))
			}
			fmt.Printf("| %s | %s | %.0f | %v | %v | %s | %d |\n", v.name, r.name, medianRPS(r.res),
				medianDur(r.res, func(x serveload.Result) time.Duration { return x.P50 }), medianDur(r.res, p99), ratio, errs)
		}
	}
	fmt.Println()
	for _, v := range variants {
		fmt.Printf("%s: p99 / clean p99 per round: %.2f\n", v.name, v.roundRatios)
	}
	fmt.Println()
	fmt.Println("| server | hostile path | responses by status |")
	fmt.Println("|---|---|---|")
	for _, v := range variants {
		for _, p := range paths {
			fmt.Printf("| %s | %s | %v |\n", v.name, p, v.statuses[p])
		}
		if v.failed > 0 {
			fmt.Printf("\n%s: %d hostile requests failed without a status\n", v.name, v.failed)
		}
	}
	return nil
}
