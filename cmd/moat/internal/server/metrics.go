package server

import (
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/moat-run/moat"
	"github.com/moat-run/moat/serve"
)

// metrics are the server's Prometheus metrics, in a registry of its own.
// Per-route gauges (sandboxes live and waiting, slots) are read from the
// routes in force when scraped, so a reload leaves no stale series.
type metrics struct {
	registry    *prometheus.Registry
	requests    *prometheus.CounterVec
	duration    *durationVec
	instantiate *durationVec
	wait        *durationVec
	traps       *prometheus.CounterVec
	reloads     *prometheus.CounterVec
}

func newMetrics(current *atomic.Pointer[table], lanes *moat.CPULanes) *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "moat_http_requests_total",
			Help: "HTTP requests answered, by route, status code and how the sandbox ended (ok, exit, trap, timeout, memory, bad_response, overloaded, body_too_large, bad_request, canceled, error, no_route).",
		}, []string{"route", "code", "result"}),
		duration: newDurationVec("moat_http_request_duration_seconds",
			"Time from a request's arrival to the end of its response, by route.",
			prometheus.ExponentialBuckets(0.0001, 2.5, 14)),
		instantiate: newDurationVec("moat_sandbox_instantiate_duration_seconds",
			"Time to instantiate a request's sandbox, by route.",
			prometheus.ExponentialBuckets(0.00001, 2.5, 14)),
		wait: newDurationVec("moat_sandbox_queue_wait_seconds",
			"Time a request waited for a free sandbox slot, by route.",
			prometheus.ExponentialBuckets(0.0001, 4, 10)),
		traps: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "moat_sandbox_traps_total",
			Help: "Guest traps, by route and trap code (interrupted: the deadline or the client cut it short).",
		}, []string{"route", "code"}),
		reloads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "moat_config_reloads_total",
			Help: "Reloads of the configuration and modules (SIGHUP), by result (ok, error).",
		}, []string{"result"}),
	}
	m.registry.MustRegister(m.requests, m.duration, m.instantiate, m.wait, m.traps, m.reloads,
		&routeCollector{current: current},
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if lanes != nil {
		m.registry.MustRegister(
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{
				Name: "moat_cpu_lanes",
				Help: "CPU lanes in which sandboxes that have run long take turns (--long-run-cpus).",
			}, func() float64 { return float64(lanes.Stats().Lanes) }),
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{
				Name: "moat_cpu_lanes_running",
				Help: "Sandboxes past --long-run-after running in a CPU lane now.",
			}, func() float64 { return float64(lanes.Stats().Running) }),
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{
				Name: "moat_cpu_lanes_waiting",
				Help: "Sandboxes past --long-run-after waiting for a CPU lane now.",
			}, func() float64 { return float64(lanes.Stats().Waiting) }))
	}
	return m
}

// routeMetrics are one route's series, resolved once (a label lookup
// hashes every label value) rather than for every request: the
// histograms (durationVec) when the route is built, each (status, result) counter and
// trap code counter the first time it is seen.
type routeMetrics struct {
	m                     *metrics
	path                  string
	duration, instantiate *durationSeries
	wait                  *durationSeries
	requests              sync.Map // requestKey -> prometheus.Counter
	// ok is the counter of requests answered 200 by a guest that
	// exited 0, nearly all of them, kept apart from requests so that
	// they take no map lookup (nil until the first).
	ok    atomic.Pointer[prometheus.Counter]
	traps sync.Map // moat.TrapCode -> prometheus.Counter
}

type requestKey struct {
	status int
	result serve.Result
}

func (m *metrics) forRoute(path string) *routeMetrics {
	return &routeMetrics{m: m, path: path,
		duration:    m.duration.forRoute(path),
		instantiate: m.instantiate.forRoute(path),
		wait:        m.wait.forRoute(path)}
}

// observe records one request.
func (rm *routeMetrics) observe(o *serve.Outcome) {
	rm.requestCounter(o.Status, o.Result).Inc()
	rm.duration.observe(o.Total)
	if o.Instantiate > 0 {
		rm.instantiate.observe(o.Instantiate)
	}
	rm.wait.observe(o.Wait)
	if o.Trap != nil {
		c, ok := rm.traps.Load(o.Trap.Code)
		if !ok {
			c, _ = rm.traps.LoadOrStore(o.Trap.Code, rm.m.traps.WithLabelValues(rm.path, strings.ReplaceAll(o.Trap.Code.String(), " ", "_")))
		}
		c.(prometheus.Counter).Inc()
	}
}

// requestCounter is the route's counter of requests of that status and
// result.
func (rm *routeMetrics) requestCounter(status int, result serve.Result) prometheus.Counter {
	isOK := status == http.StatusOK && result == serve.ResultOK
	if isOK {
		if c := rm.ok.Load(); c != nil {
			return *c
		}
	}
	k := requestKey{status, result}
	c, found := rm.requests.Load(k)
	if !found {
		c, _ = rm.requests.LoadOrStore(k, rm.m.requests.WithLabelValues(rm.path, strconv.Itoa(status), result.String()))
	}
	counter := c.(prometheus.Counter)
	if isOK {
		rm.ok.Store(&counter)
	}
	return counter
}

// routeCollector reports the routes' sandboxes as they are when scraped.
type routeCollector struct {
	current *atomic.Pointer[table]
}

var (
	liveDesc = prometheus.NewDesc("moat_sandboxes_live",
		"Sandboxes running now, by route.", []string{"route"}, nil)
	waitingDesc = prometheus.NewDesc("moat_sandboxes_waiting",
		"Requests waiting for a sandbox slot now, by route.", []string{"route"}, nil)
	slotsDesc = prometheus.NewDesc("moat_pool_slots",
		"Sandbox slots of each route (its max_concurrent; 0: no cap): sandboxes past them wait in its queue.", []string{"route"}, nil)
	occupancyDesc = prometheus.NewDesc("moat_pool_occupancy_ratio",
		"Share of a route's sandbox slots in use (routes with a cap only).", []string{"route"}, nil)
	memorySlotsDesc = prometheus.NewDesc("moat_pool_memory_slots",
		"Memory slots of a route's pool, reserved once (routes with a pool only).", []string{"route"}, nil)
	memorySlotsInUseDesc = prometheus.NewDesc("moat_pool_memory_slots_in_use",
		"Memory slots of a route's pool holding a sandbox's memory now.", []string{"route"}, nil)
	memorySlotsWarmDesc = prometheus.NewDesc("moat_pool_memory_slots_warm",
		"Free memory slots of a route's pool that keep its module's image mapped for the next sandbox.", []string{"route"}, nil)
	routesDesc = prometheus.NewDesc("moat_routes",
		"Routes in force.", nil, nil)
)

func (c *routeCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{liveDesc, waitingDesc, slotsDesc, occupancyDesc, memorySlotsDesc, memorySlotsInUseDesc, memorySlotsWarmDesc, routesDesc} {
		ch <- d
	}
}

func (c *routeCollector) Collect(ch chan<- prometheus.Metric) {
	t := c.current.Load()
	if t == nil {
		return
	}
	ch <- prometheus.MustNewConstMetric(routesDesc, prometheus.GaugeValue, float64(len(t.routes)))
	for _, r := range t.routes {
		st := r.handler.Stats()
		ch <- prometheus.MustNewConstMetric(liveDesc, prometheus.GaugeValue, float64(st.Live), r.path)
		ch <- prometheus.MustNewConstMetric(waitingDesc, prometheus.GaugeValue, float64(st.Waiting), r.path)
		ch <- prometheus.MustNewConstMetric(slotsDesc, prometheus.GaugeValue, float64(st.Capacity), r.path)
		if st.Capacity > 0 {
			ch <- prometheus.MustNewConstMetric(occupancyDesc, prometheus.GaugeValue, float64(st.Live)/float64(st.Capacity), r.path)
		}
		if ps, ok := r.handler.Engine().PoolStats(); ok {
			ch <- prometheus.MustNewConstMetric(memorySlotsDesc, prometheus.GaugeValue, float64(ps.Slots), r.path)
			ch <- prometheus.MustNewConstMetric(memorySlotsInUseDesc, prometheus.GaugeValue, float64(ps.InUse), r.path)
			ch <- prometheus.MustNewConstMetric(memorySlotsWarmDesc, prometheus.GaugeValue, float64(ps.Warm), r.path)
		}
	}
}
