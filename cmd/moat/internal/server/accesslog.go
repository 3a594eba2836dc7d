package server

import (
	"math"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/moat-run/moat/serve"
)

// accessLog writes the access log: a JSON line per request, with the
// fields and layout of a log/slog JSON record (time, level, msg, then
// the request's), durations in seconds. Every request writes one, so it
// is encoded by hand into a buffer reused from record to record, rather
// than through slog's generic attribute machinery, which cost more than
// the sandbox's own set-up.
type accessLog struct {
	w    *flushingWriter
	bufs sync.Pool // *[]byte
	// second is the text of the last second a record was stamped with.
	second atomic.Pointer[stampSecond]
}

func newAccessLog(w *flushingWriter) *accessLog {
	return &accessLog{w: w, bufs: sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}}
}

// log writes one record. result overrides o.Result's name when not "".
func (a *accessLog) log(routePath string, r *http.Request, o *serve.Outcome, result string) {
	if result == "" {
		result = o.Result.String()
	}
	bp := a.bufs.Get().(*[]byte)
	b := (*bp)[:0]
	b = append(b, `{"time":"`...)
	b = a.appendTime(b, recordTime(o))
	b = append(b, `","level":"INFO","msg":"request"`...)
	b = appendString(b, "route", routePath)
	b = appendString(b, "method", r.Method)
	b = appendString(b, "path", r.URL.Path)
	b = appendString(b, "proto", r.Proto)
	b = appendString(b, "remote", r.RemoteAddr)
	b = appendInt(b, "status", int64(o.Status))
	b = appendString(b, "result", result)
	b = appendSeconds(b, "duration", o.Total)
	b = appendSeconds(b, "wait", o.Wait)
	b = appendSeconds(b, "instantiate", o.Instantiate)
	b = appendSeconds(b, "run", o.Run)
	b = appendInt(b, "bytes_read", o.BodyRead)
	b = appendInt(b, "bytes_written", o.BodyWritten)
	// (r.UserAgent(), without canonicalising the key again.)
	if ua := r.Header["User-Agent"]; len(ua) > 0 && ua[0] != "" {
		b = appendString(b, "user_agent", ua[0])
	}
	if o.Trap != nil {
		b = appendString(b, "trap", o.Trap.Code.String())
	}
	if o.Fuel != 0 {
		b = append(b, `,"fuel":`...)
		b = strconv.AppendUint(b, o.Fuel, 10)
	}
	if o.ExitCode != 0 {
		b = appendInt(b, "exit_code", int64(o.ExitCode))
	}
	if o.Aborted {
		b = append(b, `,"aborted":true`...)
	}
	if o.Err != nil {
		b = appendString(b, "error", o.Err.Error())
	}
	b = append(b, "}\n"...)
	a.w.Write(b)
	*bp = b
	a.bufs.Put(bp)
}

// recordTime is the time a record carries: when the request ended (its
// start and its total, as the handler measured them, without another
// reading of the clock), or now for a request the handler never took.
func recordTime(o *serve.Outcome) time.Time {
	if o.Start.IsZero() {
		return time.Now()
	}
	return o.Start.Add(o.Total)
}

// stampSecond is one second's text in RFC 3339, for the records stamped
// within it: every record carries its time, and formatting the date and
// the clock time anew for each was most of the time's cost.
type stampSecond struct {
	unix int64
	loc  *time.Location
	// date is "2006-01-02T15:04:05", zone "Z" or "-07:00".
	date, zone []byte
}

// appendTime appends t as t.AppendFormat(b, time.RFC3339Nano) does: the
// second's text, made once per second, and the nanoseconds.
func (a *accessLog) appendTime(b []byte, t time.Time) []byte {
	s := a.second.Load()
	if s == nil || s.unix != t.Unix() || s.loc != t.Location() {
		s = &stampSecond{unix: t.Unix(), loc: t.Location(),
			date: t.AppendFormat(nil, "2006-01-02T15:04:05"), zone: t.AppendFormat(nil, "Z07:00")}
		a.second.Store(s)
	}
	b = append(b, s.date...)
	if ns := t.Nanosecond(); ns != 0 {
		// ".999999999": nine digits, trailing zeros dropped.
		var digits [9]byte
		for i := len(digits) - 1; i >= 0; i-- {
			digits[i] = byte('0' + ns%10)
			ns /= 10
		}
		end := len(digits)
		for digits[end-1] == '0' {
			end--
		}
		b = append(append(b, '.'), digits[:end]...)
	}
	return append(b, s.zone...)
}

// appendString appends ,"key":"value" (key needs no escaping).
func appendString(b []byte, key, value string) []byte {
	b = append(append(append(b, `,"`...), key...), `":`...)
	return appendJSONString(b, value)
}

func appendInt(b []byte, key string, v int64) []byte {
	b = append(append(append(b, `,"`...), key...), `":`...)
	return strconv.AppendInt(b, v, 10)
}

func appendSeconds(b []byte, key string, d time.Duration) []byte {
	b = append(append(append(b, `,"`...), key...), `":`...)
	switch {
	case d == 0:
		// Most requests' wait: spare the float formatting.
		return append(b, '0')
	case time.Microsecond <= d && d < time.Second:
		return appendSubsecond(b, d)
	}
	return appendFloat(b, d.Seconds())
}

// appendSubsecond appends d, at least a microsecond and under a second, in
// seconds as appendFloat(d.Seconds()) does, without a float conversion
// (every request logs four durations). d.Seconds() is then the double
// nearest to n×10⁻⁹ (one division of exact values, correctly rounded), and
// n×10⁻⁹ has at most nine significant digits, so it is the shortest
// decimal that reads back as that double: its digits, trailing zeros
// dropped, in 'f' format (at least 10⁻⁶: no exponent).
func appendSubsecond(b []byte, d time.Duration) []byte {
	var digits [9]byte
	n := int64(d)
	for i := len(digits) - 1; i >= 0; i-- {
		digits[i] = byte('0' + n%10)
		n /= 10
	}
	end := len(digits)
	for digits[end-1] == '0' {
		end--
	}
	return append(append(b, "0."...), digits[:end]...)
}

// appendFloat formats f as encoding/json (and so log/slog) does.
func appendFloat(b []byte, f float64) []byte {
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// e-09 becomes e-9.
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

// appendJSONString appends s as a JSON string, escaped as log/slog and
// encoding/json escape it (without HTML escaping): quotes, backslashes,
// control characters, U+2028 and U+2029; invalid UTF-8 becomes U+FFFD.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(append(b, s[start:i]...), `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(append(b, s[start:i]...), '\\', 'u', '2', '0', '2', hex[r&0xf])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	return append(append(b, s[start:]...), '"')
}
