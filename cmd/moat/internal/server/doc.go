// Package server is `moat serve`: it serves WebAssembly CGI programs over
// HTTP, a fresh sandbox per request (package serve does the serving), with
// what running it in production needs:
//
//   - routes from a JSON configuration file (File): path prefix to module
//     (a file, or an OCI artifact pinned by digest), with limits,
//     environment and read-only directories; or one module on every path;
//   - /healthz (alive) and /readyz (routes loaded, not shutting down) on
//     the serving listener and the metrics listener;
//   - Prometheus metrics on a listener of their own (metrics.go);
//   - each capped route's sandbox memories from a pool of its own, of
//     max_concurrent slots of max_memory (modules.go), behind a gate of
//     as many slots that the route keeps across reloads; a pooled route
//     compiled here checks its memories' bounds explicitly unless the
//     configuration chose guard pages (its memory grows, and its slot is
//     reset, without changing page protections);
//   - CPU lanes shared by every route (moat serve: half the CPUs), in which sandboxes
//     that have run long take turns (Options.LongRunCPUs);
//   - an access log, a JSON record per request in log/slog's layout
//     (accesslog.go), on stdout, written out together within
//     Options.AccessLogFlush (flush.go); the server's own records (and
//     the guests' stderr) on stderr;
//   - graceful shutdown: when Run's context ends (SIGTERM, SIGINT), it
//     reports not ready, stops accepting, lets in-flight requests finish
//     up to the drain timeout, then interrupts the rest;
//   - reload (SIGHUP): the configuration and modules are read and compiled
//     again while the old routes keep serving; the new routes replace them
//     at once, and requests in flight finish on the old ones. A reload that
//     fails leaves the old routes in force.
//
// Modules compile once per machine: through the engines' compilation
// cache (Options.EngineConfig.CacheDir) across restarts, and by the digest
// of their bytes across reloads. A route serves a compiled artifact only
// with Options.AllowPrecompiled (and, with trusted keys, only a signed
// one); an artifact that came with an OCI module is used only when it was
// compiled from that very module, and the module is compiled otherwise.
//
// Nodes keep no state between requests, so any number of them can run
// behind a load balancer (deploy/ holds a container image and Kubernetes
// manifests). Modules pulled from a registry are kept in a local
// content-addressed store, so a restarted node serves without the
// registry.
package server
