package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/moat-run/moat"
	"github.com/moat-run/moat/serve"
)

// The access log's records say what log/slog's JSON handler would say
// for the same attributes, hostile strings included (quotes, control
// characters, invalid UTF-8, U+2028), and each is one line.
func TestAccessLogMatchesSlog(t *testing.T) {
	hostile := "a\"b\\c\n\r\t\x00\x1f\x7f<>&\xff\xfe\u2028\u2029é€😀"
	req := httptest.NewRequest("GET", "/p/x", nil)
	req.URL.Path = "/p/" + hostile // as a decoded path can be
	req.Header.Set("User-Agent", "ua\"\x01"+hostile)
	req.RemoteAddr = "192.0.2.1:1234"
	outcomes := []*serve.Outcome{
		{Status: 200, Result: serve.ResultOK, Total: 1500 * time.Microsecond, Wait: 3, Instantiate: time.Millisecond / 3, Run: time.Second, BodyRead: 7, BodyWritten: 1 << 40},
		{Status: 502, Result: serve.ResultTrap, Trap: &moat.Trap{Code: moat.TrapUnreachable}, Fuel: 1<<64 - 1, ExitCode: 3, Aborted: true, Err: errors.New(hostile)},
	}
	for i, o := range outcomes {
		var got bytes.Buffer
		newAccessLog(newFlushingWriter(&got, 0)).log("/p"+hostile, req, o, "")
		var want bytes.Buffer
		slogAccess(slog.New(slog.NewJSONHandler(&want, nil)), "/p"+hostile, req, o)
		if strings.Count(got.String(), "\n") != 1 || !strings.HasSuffix(got.String(), "}\n") {
			t.Errorf("outcome %d: not one line: %q", i, got.String())
		}
		var g, w map[string]any
		if err := json.Unmarshal(got.Bytes(), &g); err != nil {
			t.Fatalf("outcome %d: %v in %q", i, err, got.String())
		}
		if err := json.Unmarshal(want.Bytes(), &w); err != nil {
			t.Fatal(err)
		}
		delete(g, "time")
		delete(w, "time")
		if !reflect.DeepEqual(g, w) {
			t.Errorf("outcome %d:\n got %s\nwant %s", i, got.String(), want.String())
		}
		// The same bytes, but for the time.
		cut := func(s string) string { return s[strings.Index(s, `"level"`):] }
		if cut(got.String()) != cut(want.String()) {
			t.Errorf("outcome %d: other bytes:\n got %s\nwant %s", i, got.String(), want.String())
		}
	}
}

// slogAccess is the access record as log/slog writes it: the reference
// the hand-written encoder is held to.
func slogAccess(log *slog.Logger, routePath string, r *http.Request, o *serve.Outcome) {
	attrs := []slog.Attr{
		slog.String("route", routePath),
		slog.String("method", r.Method),
		slog.String("path", r.URL.Path),
		slog.String("proto", r.Proto),
		slog.String("remote", r.RemoteAddr),
		slog.Int("status", o.Status),
		slog.String("result", o.Result.String()),
		slog.Float64("duration", o.Total.Seconds()),
		slog.Float64("wait", o.Wait.Seconds()),
		slog.Float64("instantiate", o.Instantiate.Seconds()),
		slog.Float64("run", o.Run.Seconds()),
		slog.Int64("bytes_read", o.BodyRead),
		slog.Int64("bytes_written", o.BodyWritten),
	}
	if ua := r.UserAgent(); ua != "" {
		attrs = append(attrs, slog.String("user_agent", ua))
	}
	if o.Trap != nil {
		attrs = append(attrs, slog.String("trap", o.Trap.Code.String()))
	}
	if o.Fuel != 0 {
		attrs = append(attrs, slog.Uint64("fuel", o.Fuel))
	}
	if o.ExitCode != 0 {
		attrs = append(attrs, slog.Int("exit_code", int(o.ExitCode)))
	}
	if o.Aborted {
		attrs = append(attrs, slog.Bool("aborted", true))
	}
	if o.Err != nil {
		attrs = append(attrs, slog.String("error", o.Err.Error()))
	}
	log.LogAttrs(context.Background(), slog.LevelInfo, "request", attrs...)
}

// Durations from a microsecond to a second, written without a float
// conversion, read exactly as appendFloat(d.Seconds()) writes them: every
// microsecond's edges and a spread of nanoseconds between.
func TestAppendSubsecondMatchesFloat(t *testing.T) {
	check := func(d time.Duration) {
		got := string(appendSubsecond(nil, d))
		if want := string(appendFloat(nil, d.Seconds())); got != want {
			t.Fatalf("%d ns: %s, want %s", int64(d), got, want)
		}
	}
	for d := time.Microsecond; d < time.Second; d += time.Microsecond {
		check(d)
		check(d + 1)
		check(d - 1 + time.Microsecond)
	}
	x := uint64(1)
	for range 200_000 {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		check(time.Microsecond + time.Duration(x%uint64(time.Second-time.Microsecond)))
	}
}

// TestAppendSecondsMatchesFloat: a duration in seconds as appendFloat
// writes it, on each of appendSeconds' paths (zero, under a
// microsecond, under a second, longer).
func TestAppendSecondsMatchesFloat(t *testing.T) {
	for _, d := range []time.Duration{0, 1, 999, time.Microsecond, time.Second - 1, time.Second, 90 * time.Minute, -time.Millisecond} {
		got := string(appendSeconds(nil, "k", d))
		if want := `,"k":` + string(appendFloat(nil, d.Seconds())); got != want {
			t.Errorf("%d ns: %s, want %s", int64(d), got, want)
		}
	}
}

// TestAppendTimeMatchesFormat: a record's time, its second's text made
// once, reads exactly as time.RFC3339Nano formats it: in UTC and another
// zone, on a second's boundary, with trailing zeros, across seconds and
// back.
func TestAppendTimeMatchesFormat(t *testing.T) {
	a := newAccessLog(nil)
	base := time.Date(2026, 12, 6, 18, 22, 38, 0, time.UTC)
	east := time.FixedZone("east", 5*3600+30*60)
	for _, loc := range []*time.Location{time.UTC, east, time.Local} {
		for _, d := range []time.Duration{0, 1, 10, 120 * time.Millisecond, 999999999, time.Second, time.Second + 5000, -1, 90 * time.Minute, 0} {
			tm := base.Add(d).In(loc)
			if got, want := string(a.appendTime([]byte("x"), tm)), "x"+tm.Format(time.RFC3339Nano); got != want {
				t.Errorf("%v: %s, want %s", d, got, want)
			}
		}
	}
}
