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
// the raw query split at '&'.
func cgiArgs(r *http.Request) []string {
	args := []string{r.URL.Path}
	if q := r.URL.RawQuery; q != "" {
		args = append(args, strings.Split(q, "&")...)
	}
	return args
}

// cgiEnv is the guest's environment: the CGI meta-variables of RFC 3875,
// WAGI's X_* variables and a HTTP_NAME per request header, then the
// route's own variables, which win: a request-derived variable of the
// same name is left out, so no client can override what the operator set.
func (h *Handler) cgiEnv(r *http.Request) []string {
	env := make([]string, 0, 24+len(r.Header)+len(h.cfg.Env))
	add := func(name, value string) {
		if !h.envNames[name] {
			env = append(env, name+"="+value)
		}
	}
	pathInfo, rawPathInfo := h.pathInfo(r)
	serverName, serverPort := serverAddr(r)
	remoteAddr, remotePort := splitHostPort(r.RemoteAddr)
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
		add("HTTPS", "on")
	}
	requestURI := r.RequestURI
	if requestURI == "" {
		requestURI = r.URL.RequestURI()
	}

	add("GATEWAY_INTERFACE", gatewayInterface)
	add("SERVER_SOFTWARE", h.cfg.ServerSoftware)
	add("SERVER_NAME", serverName)
	add("SERVER_PORT", serverPort)
	add("SERVER_PROTOCOL", r.Proto)
	add("REQUEST_METHOD", r.Method)
	add("REQUEST_URI", requestURI)
	add("SCRIPT_NAME", h.root)
	add("PATH_INFO", pathInfo)
	add("PATH_TRANSLATED", pathInfo)
	add("QUERY_STRING", r.URL.RawQuery)
	add("REMOTE_ADDR", remoteAddr)
	add("REMOTE_HOST", remoteAddr)
	if remotePort != "" {
		add("REMOTE_PORT", remotePort)
	}
	add("AUTH_TYPE", "")
	add("REMOTE_USER", "")
	if r.ContentLength >= 0 {
		add("CONTENT_LENGTH", strconv.FormatInt(r.ContentLength, 10))
	}
	if ct := r.Header.Get("Content-Type"); ct != "" {
		add("CONTENT_TYPE", ct)
	}
	add("X_MATCHED_ROUTE", h.root+"/...")
	add("X_FULL_URL", scheme+"://"+r.Host+requestURI)
	add("X_RAW_PATH_INFO", rawPathInfo)
	add("X_RELATIVE_PATH", strings.TrimPrefix(pathInfo, "/"))
	add("HTTP_HOST", r.Host)

	names := make([]string, 0, len(r.Header))
	for name := range r.Header {
		names = append(names, name)
	}
	slices.Sort(names) // a stable environment, whatever the map order
	for _, name := range names {
		if v, ok := headerVar(name); ok {
			sep := ", "
			if v == "HTTP_COOKIE" {
				sep = "; "
			}
			add(v, strings.Join(r.Header[name], sep))
		}
	}
	return append(env, h.cfg.Env...)
}

// headerVar names the variable for a request header: HTTP_ and the name in
// upper case with '-' as '_' (RFC 3875 4.1.18). Headers with a CGI
// variable of their own, Proxy (which would become HTTP_PROXY, the
// "httpoxy" attack on programs that read it as a proxy setting), and names
// with characters other than letters, digits and '-' are left out: "X_A"
// and "X-A" would both become HTTP_X_A, so a client could pass one off as
// the other to a proxy that checks only one spelling.
func headerVar(name string) (string, bool) {
	switch http.CanonicalHeaderKey(name) {
	case "Content-Type", "Content-Length", "Host", "Proxy":
		return "", false
	}
	b := make([]byte, 0, 5+len(name))
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
			return "", false
		}
	}
	return string(b), true
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
func serverAddr(r *http.Request) (name, port string) {
	name, port = splitHostPort(r.Host)
	if port == "" {
		if a, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
			if _, p := splitHostPort(a.String()); p != "" {
				port = p
			}
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

// splitHostPort splits "host:port" (with brackets around an IPv6 host)
// and returns the whole string as host when there is no port.
func splitHostPort(s string) (host, port string) {
	h, p, err := net.SplitHostPort(s)
	if err != nil {
		return strings.Trim(s, "[]"), ""
	}
	return h, p
}
