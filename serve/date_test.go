package serve

import (
	"net/http"
	"testing"
	"time"
)

// TestDateCache: the Date header net/http would write, made once a
// second.
func TestDateCache(t *testing.T) {
	var c dateCache
	base := time.Date(2026, 12, 7, 1, 2, 3, 0, time.FixedZone("CET", 3600))
	for _, d := range []time.Duration{0, time.Millisecond, 999 * time.Millisecond, time.Second, time.Hour} {
		at := base.Add(d)
		got := c.at(at)
		if want := at.UTC().Format(http.TimeFormat); len(got) != 1 || cap(got) != 1 || got[0] != want {
			t.Errorf("%v: %q, want [%q]", at, got, want)
		}
	}
	if a, b := c.at(base.Add(time.Hour)), c.at(base.Add(time.Hour+time.Millisecond)); &a[0] != &b[0] {
		t.Error("a second's Date made twice")
	}
}

// TestOutputDate: a response takes the handler's Date unless the guest
// wrote its own.
func TestOutputDate(t *testing.T) {
	var dates dateCache
	for head, want := range map[string]string{
		"Content-Type: a/b\n\n": "",
		"Content-Type: a/b\nDate: Tue, 01 Dec 2026 00:00:00 GMT\n\n": "Tue, 01 Dec 2026 00:00:00 GMT",
	} {
		w := newFlushWriter()
		o := newOutput(w, http.NewResponseController(w), 1<<10, time.Hour)
		o.dates = &dates
		if _, err := o.Write([]byte(head)); err != nil {
			t.Fatal(err)
		}
		o.finish()
		o.complete()
		got := w.header.Values("Date")
		if len(got) != 1 {
			t.Errorf("%q: Date %q, want one", head, got)
			continue
		}
		if _, err := http.ParseTime(got[0]); err != nil || (want != "" && got[0] != want) {
			t.Errorf("%q: Date %q (%v), want %q", head, got[0], err, want)
		}
	}
}
