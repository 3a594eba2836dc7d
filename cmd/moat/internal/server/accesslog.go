package server

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/moat-run/moat/serve"
)

// logAccess writes one access log record: a JSON line per request, with
// durations in seconds.
// result overrides o.Result's name when not "".
func logAccess(log *slog.Logger, routePath string, r *http.Request, o *serve.Outcome, result string) {
	if result == "" {
		result = o.Result.String()
	}
	attrs := make([]slog.Attr, 0, 20)
	attrs = append(attrs,
		slog.String("route", routePath),
		slog.String("method", r.Method),
		slog.String("path", r.URL.Path),
		slog.String("proto", r.Proto),
		slog.String("remote", r.RemoteAddr),
		slog.Int("status", o.Status),
		slog.String("result", result),
		slog.Float64("duration", o.Total.Seconds()),
		slog.Float64("wait", o.Wait.Seconds()),
		slog.Float64("instantiate", o.Instantiate.Seconds()),
		slog.Float64("run", o.Run.Seconds()),
		slog.Int64("bytes_read", o.BodyRead),
		slog.Int64("bytes_written", o.BodyWritten),
	)
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
