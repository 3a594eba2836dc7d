package backend

import (
	"errors"
	"fmt"
)

// ErrLimit is wrapped by the error Allocate returns for a function whose
// liveness would exceed the Allocator's MaxLiveEntries.
var ErrLimit = errors.New("backend: work limit exceeded")

// LimitError reports a function the allocator refused for its size.
type LimitError struct {
	Func  string
	What  string // what exceeded its limit
	Limit int
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("backend: %s: %s exceed the limit of %d", e.Func, e.What, e.Limit)
}

func (e *LimitError) Unwrap() error { return ErrLimit }
