package serve

import (
	"net/http"
	"sync/atomic"
	"time"
)

// dateCache is a handler's Date header, made once a second: net/http
// formats it anew for every response whose handler did not set one, which
// cost more than the rest of a short response's head. Its value is shared
// by every response of its second, as the cached heads' values are
// (headCache).
type dateCache struct {
	last atomic.Pointer[dateText]
}

type dateText struct {
	unix  int64
	value []string // one element, at its capacity
}

// at is the Date header's value for t.
func (c *dateCache) at(t time.Time) []string {
	if d := c.last.Load(); d != nil && d.unix == t.Unix() {
		return d.value
	}
	d := &dateText{unix: t.Unix(), value: []string{t.UTC().Format(http.TimeFormat)}}
	c.last.Store(d)
	return d.value
}
