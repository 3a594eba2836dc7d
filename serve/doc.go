// Package serve runs a WebAssembly CGI program in a fresh sandbox for each
// HTTP request: New returns an http.Handler that any net/http server can
// mount. It is the library under `moat serve`, and depends only on the
// standard library and moat's own packages.
//
// # The guest interface
//
// The guest is a WASI command (it exports _start) speaking CGI as WAGI
// defines it, after RFC 3875:
//
//   - argv is the request path, then the raw query split at '&'
//     (/a?x=1&y=2 runs as ["/a", "x=1", "y=2"]);
//   - the environment holds the CGI variables (REQUEST_METHOD,
//     SCRIPT_NAME, PATH_INFO, QUERY_STRING, REQUEST_URI, SERVER_*,
//     REMOTE_*, CONTENT_TYPE, CONTENT_LENGTH, GATEWAY_INTERFACE, HTTPS,
//     AUTH_TYPE, REMOTE_USER), WAGI's X_MATCHED_ROUTE, X_FULL_URL,
//     X_RAW_PATH_INFO and X_RELATIVE_PATH, and one HTTP_NAME per request
//     header; the route's own variables (Config.Env) win over all of them;
//   - stdin is the request body, read from the connection as the guest
//     reads (never buffered whole). CONTENT_LENGTH is set when the client
//     declared the length; a chunked body has none and ends at its end
//     (some CGI libraries, Go's net/http/cgi among them, then read no
//     body);
//   - stdout is a CGI response: header lines (Content-Type, Status,
//     Location, and any other header), a blank line, the body. The body
//     streams to the client as the guest writes it;
//   - stderr goes to the handler's log, a line per record.
//
// The guest reads stdin and writes stdout and stderr on its own goroutine:
// they are a wasi.ContextReader and wasi.ContextWriter, whose waits on the
// connection end at the request's deadline, or at once when its context
// ends. What the guest leaves unread of a body is closed (drained up to
// net/http's limit) within the deadline before ServeHTTP returns.
//
// An unchanged Go program using net/http/cgi's cgi.Serve, built with
// GOOS=wasip1, works as a guest, and so does a C program built with
// wasi-libc (testdata holds one of each, with their sources).
//
// # Isolation and status codes
//
// Each request gets its own moat.Store, WASI system and instance, closed
// before ServeHTTP returns: the sandbox's memory and native stack go back
// to the system then, not when the garbage collector runs. The request's
// deadline is its store's (moat.Store.SetDeadline: no timer or context per
// request), and its waits on the connection stop at it too. The module's
// imports are resolved and type-checked once, in New (moat.Linker.Prepare;
// Config.Pre takes a program already prepared), so a request pays only
// for instantiating: on the compiler, its memory maps the module's data
// copy-on-write. Limits apply per handler (one route): a deadline,
// optional fuel (Limits.Fuel, on an engine made with
// moat.Config.ConsumeFuel), a cap on concurrent sandboxes with a bounded
// wait, and a cap on the request body. The memory limit is the engine's:
// Config.Module's engine was made with moat.Config.MaxMemoryPages (make
// one engine per memory limit; engines share nothing). What the client
// sees when the guest fails:
//
//	guest trapped (out of fuel included) 502 Bad Gateway
//	guest exited non-zero, no response   502 Bad Gateway
//	invalid CGI response                 502 Bad Gateway
//	deadline passed                      504 Gateway Timeout
//	guest ran out of memory              500 Internal Server Error
//	no sandbox free within QueueTimeout  503 Service Unavailable
//	declared body above MaxRequestBody   413 Content Too Large
//
// Once part of the response has been sent, a failure can no longer change
// its status: the handler then aborts the connection (it panics with
// http.ErrAbortHandler, as httputil.ReverseProxy does), so the client sees
// a broken response rather than a short one that looks whole. Before that,
// the guest's first bytes wait up to Limits.FlushDelay in the handler, so
// a guest that fails early still gets a clean status. The guest's
// response is flushed at once when it blocks: when it reads the request
// body or sleeps.
//
// # Sharing between handlers
//
// Config.Gate makes handlers count against one cap of sandboxes (moat
// serve gives a route's old and new handlers, across a reload, the gate
// of the route's pool of memories). Config.CPULanes makes the sandboxes
// that have run long take turns in a few CPU lanes (moat.CPULanes), so
// that guests spinning until their deadline, on any route, use at most
// those CPUs (or the lanes' duty of them). A handler whose recent requests
// ran long (Handler.Spinning: past the lanes' threshold, or until their
// deadline) has its next ones need a lane from the end of their first time
// slice once they have used 100 µs of CPU time, rather than run unchecked
// for the lanes' threshold first (a request that computes less, such as one
// that runs out of memory, never waits behind the spinning ones, however
// long a loaded machine keeps it waiting); while marked, only requests
// that run until their deadline keep the mark. A
// module may come from an engine with moat.Config.Pooling:
// a request that finds the pool full gets 503, as with a full gate.
//
// Config.OnDone reports every request's Outcome (status, result, trap,
// timings), from which moat serve keeps its metrics and access log.
package serve

//go:generate go test -run FixturesUpToDate -update .
