package serve

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
)

// A CGI response head (RFC 3875 section 6): header lines ending in LF or
// CRLF, then an empty line. Content-Type, Location and Status are the CGI
// fields; any other line is an HTTP header for the client.

// head is a parsed CGI response head.
type head struct {
	status int
	// fields are the header lines for the client, keys canonical, in the
	// guest's order (Content-Type and Location once each).
	fields []field
	// cached, when set, is the handler's cached head this one matched
	// (headCache): its headers are applied from there, and fields is
	// unused.
	cached *parsedHead
}

type field struct{ key, value string }

// apply sets the head's fields in dst, each key's values in order, in
// place of any dst held: one allocation for all the values, none for a
// head the handler's cache gave.
func (h *head) apply(dst http.Header) {
	if h.cached != nil {
		for _, g := range h.cached.groups {
			dst[g.key] = g.values
		}
		return
	}
	groupFields(h.fields, func(key string, values []string) { dst[key] = values })
}

// headerGroup is one key's values, as a header holds them.
type headerGroup struct {
	key    string
	values []string
}

// groupFields sorts fields by key (stable: each key's values keep their
// order) and gives each key's values to add, all in one slice. Each
// key's values end at their capacity, so that appending to them
// (Header.Add) copies them rather than writing over the next key's.
func groupFields(fields []field, add func(key string, values []string)) {
	if len(fields) == 0 {
		return
	}
	slices.SortStableFunc(fields, func(a, b field) int { return cmp.Compare(a.key, b.key) })
	values := make([]string, len(fields))
	for i := 0; i < len(fields); {
		j := i
		for ; j < len(fields) && fields[j].key == fields[i].key; j++ {
			values[j] = fields[j].value
		}
		add(fields[i].key, values[i:j:j])
		i = j
	}
}

// set replaces key's value, or adds it.
func (h *head) set(key, value string) {
	for i := range h.fields {
		if h.fields[i].key == key {
			h.fields[i].value = value
			return
		}
	}
	h.fields = append(h.fields, field{key, value})
}

// endOfHead returns the length of the head in b, through its empty line,
// or -1 when b does not hold a whole head yet. A line ends in LF or CRLF.
func endOfHead(b []byte) int {
	start := 0
	for {
		i := bytes.IndexByte(b[start:], '\n')
		if i < 0 {
			return -1
		}
		line := b[start : start+i]
		if len(line) == 0 || (len(line) == 1 && line[0] == '\r') {
			return start + i + 1
		}
		start += i + 1
	}
}

// headCache keeps a handler's last CGI head, parsed: a route's guest
// writes the same head for most requests ("Content-Type: text/plain" and
// a blank line), and a head that matches it byte for byte is taken from
// it (the same bytes parse to the same head) with no copy of its text, no
// parsing, and its header values shared by every response that takes it:
// net/http only reads a handler's header values, and copies them when the
// response's head is written (a Header's Set and Add put in a new slice).
// A head that does not match replaces it once in every headCacheEvery
// misses, so that a route whose heads vary from request to request does
// not pay for a copy each time.
type headCache struct {
	last   atomic.Pointer[parsedHead]
	misses atomic.Uint32
}

type parsedHead struct {
	text   string
	status int
	groups []headerGroup // the header's keys and values (groupFields)
}

const headCacheEvery = 16

// parse is parseHead(b, fields), through the cache when c is not nil.
func (c *headCache) parse(b []byte, fields []field) (head, error) {
	if c == nil {
		return parseHead(b, fields)
	}
	if p := c.last.Load(); p != nil && p.text == string(b) {
		return head{status: p.status, fields: fields[:0], cached: p}, nil
	}
	h, err := parseHead(b, fields)
	if err == nil && c.misses.Add(1)%headCacheEvery == 1 {
		p := &parsedHead{text: string(b), status: h.status}
		groupFields(slices.Clone(h.fields), func(key string, values []string) {
			p.groups = append(p.groups, headerGroup{key, values})
		})
		c.last.Store(p)
	}
	return h, err
}

// hopHeaders are connection-level headers a guest may not set: the server
// owns the connection (the same list httputil.ReverseProxy drops).
var hopHeaders = map[string]bool{
	"Connection": true, "Proxy-Connection": true, "Keep-Alive": true,
	"Proxy-Authenticate": true, "Proxy-Authorization": true, "Te": true,
	"Trailer": true, "Transfer-Encoding": true, "Upgrade": true,
}

// parseHead parses a whole head (as endOfHead delimits it), its fields
// appended to fields[:0].
func parseHead(b []byte, fields []field) (head, error) {
	h := head{fields: fields[:0]}
	var location, contentType, status bool
	text := strings.TrimRight(string(b), "\r\n")
	if text == "" {
		return head{}, errors.New("no header lines before the blank line")
	}
	for line := range strings.SplitSeq(text, "\n") {
		line = strings.TrimSuffix(line, "\r")
		name, value, ok := strings.Cut(line, ":")
		if !ok {
			return head{}, fmt.Errorf("header line %q has no colon", truncate(line))
		}
		if !validHeaderName(name) {
			return head{}, fmt.Errorf("invalid header name %q", truncate(name))
		}
		value = strings.Trim(value, " \t")
		if !validHeaderValue(value) {
			return head{}, fmt.Errorf("header %s has a control character in its value", name)
		}
		key := http.CanonicalHeaderKey(name)
		switch key {
		case "Status":
			if status {
				return head{}, errors.New("more than one Status header")
			}
			code, err := parseStatus(value)
			if err != nil {
				return head{}, err
			}
			h.status, status = code, true
		case "Location":
			if location {
				return head{}, errors.New("more than one Location header")
			}
			location = true
			h.set(key, value)
		case "Content-Type":
			contentType = true
			h.set(key, value)
		default:
			if !hopHeaders[key] {
				h.fields = append(h.fields, field{key, value})
			}
		}
	}
	if !contentType && !location && !status {
		return head{}, errors.New("no Content-Type, Location or Status header")
	}
	switch {
	case h.status != 0:
	case location:
		// A Location without a Status is a redirect (RFC 3875 6.2.3 and
		// 6.2.4; like WAGI, a local path is redirected by the client too).
		h.status = http.StatusFound
	default:
		h.status = http.StatusOK
	}
	return h, nil
}

// parseStatus reads a Status value, "NNN" or "NNN reason phrase". Only
// final statuses (200 to 599) can end a CGI response.
func parseStatus(v string) (int, error) {
	code, _, _ := strings.Cut(v, " ")
	n, err := strconv.Atoi(code)
	if err != nil || len(code) != 3 || n < 200 || n > 599 {
		return 0, fmt.Errorf("invalid Status %q", truncate(v))
	}
	return n, nil
}

// validHeaderName reports whether s is an RFC 9110 token.
func validHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// validHeaderValue refuses control characters other than tab.
func validHeaderValue(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < ' ' && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}

// truncate shortens guest text quoted in error messages.
func truncate(s string) string {
	const most = 64
	if len(s) > most {
		return s[:most] + "..."
	}
	return s
}
