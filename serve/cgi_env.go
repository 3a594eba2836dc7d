package serve

import (
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// gatewayInterface is the CGI version the handler speaks.
const gatewayInterface = "CGI/1.1"

// cgiArgs is the guest's argv, as WAGI makes it: the request path, then
// the raw query split at '&'; appended to args[:0].
func cgiArgs(args []string, r *http.Request) []string {
	q := r.URL.RawQuery
	args = append(args[:0], r.URL.Path)
	if q != "" {
		for part := range strings.SplitSeq(q, "&") {
			args = append(args, part)
		}
	}
	return args
}

// cgiEnv is the guest's environment: the CGI meta-variables of RFC 3875,
// WAGI's X_* variables and a HTTP_NAME per request header, then the
// route's own variables, which win: a request-derived variable of the
// same name is left out, so no client can override what the operator set.
//
// The request's variables are written into buf[:0] (returned, grown, for
// the next request to reuse), then copied into one string, which the
// entries slice, and appended to env[:0]; those that are the same for
// every request of the handler are made once (Handler.static).
func (h *Handler) cgiEnv(env []string, buf []byte, r *http.Request) ([]string, []byte) {
	e := envBuilder{b: buf[:0], skip: h.envNames, static: &h.static}
	pathInfo, rawPathInfo := h.pathInfo(r)
	serverName, serverPort := h.serverAddr(r)
	remoteAddr, remotePort := splitHostPort(r.RemoteAddr)
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
		e.add("HTTPS", "on")
	}
	requestURI := r.RequestURI
	if requestURI == "" {
		requestURI = r.URL.RequestURI()
	}

	e.addStatic(staticGateway)
	e.addStatic(staticSoftware)
	e.add("SERVER_NAME", serverName)
	e.add("SERVER_PORT", serverPort)
	e.add("SERVER_PROTOCOL", r.Proto)
	e.add("REQUEST_METHOD", r.Method)
	e.add("REQUEST_URI", requestURI)
	e.addStatic(staticScriptName)
	e.add("PATH_INFO", pathInfo)
	e.add("PATH_TRANSLATED", pathInfo)
	e.add("QUERY_STRING", r.URL.RawQuery)
	e.add("REMOTE_ADDR", remoteAddr)
	e.add("REMOTE_HOST", remoteAddr)
	if remotePort != "" {
		e.add("REMOTE_PORT", remotePort)
	}
	e.addStatic(staticAuthType)
	e.addStatic(staticRemoteUser)
	if r.ContentLength >= 0 {
		if e.start("CONTENT_LENGTH") {
			var digits [20]byte
			e.b = append(e.b, strconv.AppendInt(digits[:0], r.ContentLength, 10)...)
			e.end()
		}
	}
	// (r.Header.Get without canonicalising the key again: net/http
	// stores the request's keys canonical.)
	if ct := r.Header["Content-Type"]; len(ct) > 0 && ct[0] != "" {
		e.add("CONTENT_TYPE", ct[0])
	}
	e.addStatic(staticMatchedRoute)
	if e.start("X_FULL_URL") {
		e.b = append(append(append(append(e.b, scheme...), "://"...), r.Host...), requestURI...)
		e.end()
	}
	e.add("X_RAW_PATH_INFO", rawPathInfo)
	e.add("X_RELATIVE_PATH", strings.TrimPrefix(pathInfo, "/"))
	e.add("HTTP_HOST", r.Host)

	var room [32]string
	names := room[:0]
	for name := range r.Header {
		names = append(names, name)
	}
	slices.Sort(names) // a stable environment, whatever the map order
	var varName [64]byte
	for _, name := range names {
		v, ok := headerVar(varName[:0], name)
		if !ok {
			continue
		}
		sep := ", "
		if string(v) == "HTTP_COOKIE" {
			sep = "; "
		}
		if e.startBytes(v) {
			for i, value := range r.Header[name] {
				if i > 0 {
					e.b = append(e.b, sep...)
				}
				e.b = append(e.b, value...)
			}
			e.end()
		}
	}
	return e.finish(env, h.cfg.Env), e.b
}

// The variables that are the same for every request of a handler, made
// into entries once (staticEnv), each of which a request takes unless the
// route's own environment has the name.
const (
	staticGateway = iota
	staticSoftware
	staticScriptName
	staticAuthType
	staticRemoteUser
	staticMatchedRoute
	staticCount
)

// staticEnv makes the handler's static entries ("" for those the route's
// environment overrides).
func (h *Handler) staticEnv() {
	for i, kv := range [staticCount][2]string{
		staticGateway:      {"GATEWAY_INTERFACE", gatewayInterface},
		staticSoftware:     {"SERVER_SOFTWARE", h.cfg.ServerSoftware},
		staticScriptName:   {"SCRIPT_NAME", h.root},
		staticAuthType:     {"AUTH_TYPE", ""},
		staticRemoteUser:   {"REMOTE_USER", ""},
		staticMatchedRoute: {"X_MATCHED_ROUTE", h.matchedRoute},
	} {
		if !h.envNames[kv[0]] {
			h.static[i] = kv[0] + "=" + kv[1]
		}
	}
}

// envBuilder writes "NAME=VALUE" entries into one buffer, leaving out
// the names in skip. (Appending to a slice is cheaper than a
// strings.Builder's writes, which are calls with a write barrier's check;
// the buffer is copied into a string once.)
type envBuilder struct {
	b []byte
	// ends holds where each entry ends in b, for the first 48 (more the
	// rest), or -1-i for the handler's static entry i.
	ends   [48]int
	more   []int
	n      int
	skip   map[string]bool
	static *[staticCount]string
}

// addStatic adds the handler's static entry i, unless the route's own
// environment has its name.
func (e *envBuilder) addStatic(i int) {
	if e.static[i] != "" {
		e.mark(-1 - i)
	}
}

func (e *envBuilder) add(name, value string) {
	if e.start(name) {
		e.b = append(e.b, value...)
		e.end()
	}
}

// start begins an entry unless name is skipped; end ends it.
func (e *envBuilder) start(name string) bool {
	if len(e.skip) > 0 && e.skip[name] {
		return false
	}
	e.b = append(append(e.b, name...), '=')
	return true
}

func (e *envBuilder) startBytes(name []byte) bool {
	if len(e.skip) > 0 && e.skip[string(name)] {
		return false
	}
	e.b = append(append(e.b, name...), '=')
	return true
}

func (e *envBuilder) end() { e.mark(len(e.b)) }

func (e *envBuilder) mark(end int) {
	if e.n < len(e.ends) {
		e.ends[e.n] = end
	} else {
		e.more = append(e.more, end)
	}
	e.n++
}

// finish slices the entries out of the string and appends them, then
// extra, to env[:0].
func (e *envBuilder) finish(env, extra []string) []string {
	s := string(e.b)
	env = env[:0]
	from := 0
	for i := range e.n {
		to := 0
		if i < len(e.ends) {
			to = e.ends[i]
		} else {
			to = e.more[i-len(e.ends)]
		}
		if to < 0 {
			env = append(env, e.static[-1-to])
			continue
		}
		env = append(env, s[from:to])
		from = to
	}
	return append(env, extra...)
}

// headerVar appends to b the variable for a request header: HTTP_ and the
// name in upper case with '-' as '_' (RFC 3875 4.1.18). Headers with a
// CGI variable of their own, Proxy (which would become HTTP_PROXY, the
// "httpoxy" attack on programs that read it as a proxy setting), and
// names with characters other than letters, digits and '-' are left out:
// "X_A" and "X-A" would both become HTTP_X_A, so a client could pass one
// off as the other to a proxy that checks only one spelling.
func headerVar(b []byte, name string) ([]byte, bool) {
	b = append(b, "HTTP_"...)
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case 'a' <= c && c <= 'z':
			b = append(b, c-'a'+'A')
		case 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
			b = append(b, c)
		case c == '-':
			b = append(b, '_')
		default:
			return nil, false
		}
	}
	// A name of letters, digits and '-' is one of these headers, in any
	// case, exactly when its variable is one of these.
	switch string(b[len("HTTP_"):]) {
	case "CONTENT_TYPE", "CONTENT_LENGTH", "HOST", "PROXY":
		return nil, false
	}
	return b, true
}

// pathInfo is the request path after the handler's root, decoded and raw
// (percent-escapes kept).
func (h *Handler) pathInfo(r *http.Request) (decoded, raw string) {
	decoded, raw = r.URL.Path, r.URL.EscapedPath()
	if h.root == "" {
		return decoded, raw
	}
	if rest, ok := underRoot(decoded, h.root); ok {
		decoded = rest
	}
	if rest, ok := underRoot(raw, h.root); ok {
		raw = rest
	}
	return decoded, raw
}

// underRoot returns the part of path after root when path is root itself
// or below it ("/app" holds "/app" and "/app/x", not "/apple").
func underRoot(path, root string) (string, bool) {
	rest, ok := strings.CutPrefix(path, root)
	if !ok || (rest != "" && rest[0] != '/') {
		return "", false
	}
	return rest, true
}

// serverAddr is SERVER_NAME and SERVER_PORT: the Host the client asked
// for, or else the address the connection came in on.
func (h *Handler) serverAddr(r *http.Request) (name, port string) {
	name, port = splitHostPort(r.Host)
	if port == "" {
		if a, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
			port = h.localPort(a)
		}
	}
	if port == "" {
		port = "80"
		if r.TLS != nil {
			port = "443"
		}
	}
	return name, port
}

// portText is a port number and its text.
type portText struct {
	port int
	text string
}

// localPort is the port of a, the address a request came in on. A TCP
// address's text is kept for the next request (a server listens on few
// ports), rather than made from the whole address each time.
func (h *Handler) localPort(a net.Addr) string {
	t, ok := a.(*net.TCPAddr)
	if !ok {
		_, p := splitHostPort(a.String())
		return p
	}
	if last := h.lastPort.Load(); last != nil && last.port == t.Port {
		return last.text
	}
	last := &portText{port: t.Port, text: strconv.Itoa(t.Port)}
	h.lastPort.Store(last)
	return last.text
}

// splitHostPort splits "host:port" (with brackets around an IPv6 host)
// and returns the whole string as host when there is no port.
func splitHostPort(s string) (host, port string) {
	if strings.IndexByte(s, ':') < 0 {
		return strings.Trim(s, "[]"), "" // no port: spare SplitHostPort's error
	}
	h, p, err := net.SplitHostPort(s)
	if err != nil {
		return strings.Trim(s, "[]"), ""
	}
	return h, p
}
