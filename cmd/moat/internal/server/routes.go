package server

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/moat-run/moat"
	"github.com/moat-run/moat/serve"
	"github.com/moat-run/moat/wasi"
)

// route is one path prefix and its handler.
type route struct {
	path    string // "/" or a prefix without a trailing slash
	handler *serve.Handler
	source  source
	limits  Limits
	metrics *routeMetrics
}

// table is the routes in force, longest path first, so the first match
// is the most specific. A table never changes: a reload builds another.
type table struct {
	routes []*route
}

// match returns the route serving path, or nil.
func (t *table) match(path string) *route {
	for _, r := range t.routes {
		if r.path == "/" {
			return r
		}
		if rest, ok := strings.CutPrefix(path, r.path); ok && (rest == "" || rest[0] == '/') {
			return r
		}
	}
	return nil
}

// buildTable compiles (or reuses) every route's module and makes its
// handler. onDone receives each request's outcome with its route.
func buildTable(ctx context.Context, f *File, defaults Limits, mods *modules, lanes *moat.CPULanes, log *slog.Logger,
	onDone func(*route, *http.Request, *serve.Outcome)) (t *table, err error) {
	mods.begin()
	defer func() { mods.end(err == nil) }()
	t = &table{}
	for _, rc := range f.Routes {
		lim := rc.Limits.WithDefaults(defaults)
		r := &route{path: strings.TrimSuffix(rc.Path, "/"), limits: lim}
		if r.path == "" {
			r.path = "/"
		}
		mod, gate, src, err := mods.load(ctx, rc.Module, mods.keyFor(r.path, lim))
		if err != nil {
			return nil, fmt.Errorf("route %s: %w", rc.Path, err)
		}
		r.source = src
		var preopens []wasi.Preopen
		for _, d := range rc.Dirs {
			preopens = append(preopens, wasi.Preopen{Guest: d.Guest, Host: d.Host, ReadOnly: true})
		}
		r.handler, err = serve.New(serve.Config{
			Module:   mod,
			Gate:     gate,
			CPULanes: lanes,
			Root:     rc.Path,
			Env:      rc.envList(),
			Preopens: preopens,
			Limits: serve.Limits{
				Timeout:        time.Duration(lim.Timeout),
				MaxConcurrent:  lim.MaxConcurrent,
				QueueTimeout:   time.Duration(lim.QueueTimeout),
				MaxRequestBody: int64(lim.MaxRequestBody),
				Fuel:           lim.Fuel,
			},
			Log:    log.With("route", r.path),
			OnDone: func(req *http.Request, o *serve.Outcome) { onDone(r, req, o) },
		})
		if err != nil {
			return nil, fmt.Errorf("route %s: %w", rc.Path, err)
		}
		if err := checkDirs(preopens); err != nil {
			return nil, fmt.Errorf("route %s: %w", rc.Path, err)
		}
		t.routes = append(t.routes, r)
	}
	// Longest first; "/" is the shortest of all, so it comes last.
	sort.SliceStable(t.routes, func(i, j int) bool { return len(t.routes[i].path) > len(t.routes[j].path) })
	return t, nil
}

// checkDirs opens each preopened directory once, so a missing one fails
// the (re)load instead of every request.
func checkDirs(preopens []wasi.Preopen) error {
	for _, p := range preopens {
		fi, err := os.Stat(p.Host)
		if err != nil {
			return err
		}
		if !fi.IsDir() {
			return fmt.Errorf("%s is not a directory", p.Host)
		}
	}
	return nil
}
