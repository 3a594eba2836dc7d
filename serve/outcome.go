package serve

import (
	"net/http"
	"time"

	"github.com/moat-run/moat"
)

// Result says how a request's sandbox ended.
type Result uint8

const (
	// ResultOK: the guest exited 0 after a valid CGI response.
	ResultOK Result = iota
	// ResultExit: the guest exited with a non-zero code. Its response
	// stands when it wrote a valid one; otherwise the client got 502.
	ResultExit
	// ResultTrap: the guest trapped (502, or an aborted response).
	ResultTrap
	// ResultTimeout: the request's deadline passed (504).
	ResultTimeout
	// ResultMemory: the guest failed after its memory could not grow
	// (or could not be made) within its limit (500).
	ResultMemory
	// ResultBadResponse: the guest's output is not a CGI response (502).
	ResultBadResponse
	// ResultOverloaded: no sandbox became free within the queue timeout (503).
	ResultOverloaded
	// ResultBodyTooLarge: the request body passed MaxRequestBody (413).
	ResultBodyTooLarge
	// ResultBadRequest: the request cannot be given to a guest, e.g. a
	// NUL byte in its path (400).
	ResultBadRequest
	// ResultCanceled: the client went away before the response was done.
	ResultCanceled
	// ResultError: the sandbox could not be set up (a link error, a
	// missing preopened directory) (500).
	ResultError
)

// resultInfo is what each Result is called (metrics labels, logs) and the
// status the client gets when the guest's own response cannot stand.
var resultInfo = [...]struct {
	name   string
	status int
}{
	ResultOK:           {"ok", http.StatusOK},
	ResultExit:         {"exit", http.StatusBadGateway},
	ResultTrap:         {"trap", http.StatusBadGateway},
	ResultTimeout:      {"timeout", http.StatusGatewayTimeout},
	ResultMemory:       {"memory", http.StatusInternalServerError},
	ResultBadResponse:  {"bad_response", http.StatusBadGateway},
	ResultOverloaded:   {"overloaded", http.StatusServiceUnavailable},
	ResultBodyTooLarge: {"body_too_large", http.StatusRequestEntityTooLarge},
	ResultBadRequest:   {"bad_request", http.StatusBadRequest},
	ResultCanceled:     {"canceled", StatusClientClosedRequest},
	ResultError:        {"error", http.StatusInternalServerError},
}

// StatusClientClosedRequest is the status an Outcome records when the
// client went away first (nginx's 499); nothing is sent.
const StatusClientClosedRequest = 499

// String is the result's short name, e.g. "timeout".
func (r Result) String() string {
	if int(r) < len(resultInfo) {
		return resultInfo[r].name
	}
	return "unknown"
}

// Status is the HTTP status the handler answers with for r when the
// guest's own response cannot stand.
func (r Result) Status() int {
	if int(r) < len(resultInfo) {
		return resultInfo[r].status
	}
	return http.StatusInternalServerError
}

// Outcome is what happened to one request, as Config.OnDone sees it.
type Outcome struct {
	// Status is the status sent to the client: the guest's own, or the
	// one its failure maps to (StatusClientClosedRequest when the client
	// went away).
	Status int
	Result Result
	// Aborted: the response had started when the guest failed, so the
	// connection was cut.
	Aborted bool
	// Trap is the guest's trap, for ResultTrap, ResultTimeout and
	// ResultMemory when the guest trapped.
	Trap *moat.Trap
	// ExitCode is the guest's exit code (0 unless it called proc_exit).
	ExitCode uint32
	// Err explains a failure in words, for logs (nil for ResultOK).
	Err error
	// Start is when the handler took the request.
	Start time.Time
	// Wait is the time spent waiting for a free sandbox (0 when one was
	// free at once), Instantiate the time to make it (its store, WASI
	// system and instance), Run the time in the guest's _start, Total
	// the whole request.
	Wait, Instantiate, Run, Total time.Duration
	// BodyRead counts the request body bytes the guest read; BodyWritten
	// the response body bytes it wrote after its headers.
	BodyRead, BodyWritten int64
	// Fuel is the fuel the guest used, when its engine consumes fuel
	// (moat.Config.ConsumeFuel).
	Fuel uint64
}
