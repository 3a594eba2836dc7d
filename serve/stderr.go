package serve

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
)

// stderrLog turns the guest's stderr into log records, one per line, each
// with the request's method and path. It keeps at most max bytes per
// request (a longer line is cut); past that it notes once that the rest
// was dropped.
type stderrLog struct {
	log     *slog.Logger
	r       *http.Request
	max     int
	line    []byte
	total   int
	dropped bool
}

// WriteContext is Write for the guest's fd_write (wasi.ContextWriter): a
// record goes to the handler's log on the guest's goroutine, at once.
func (s *stderrLog) WriteContext(_ context.Context, p []byte) (int, error) { return s.Write(p) }

func (s *stderrLog) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 && !s.dropped {
		if s.total >= s.max {
			s.dropped = true
			s.emit([]byte("(the rest of the guest's stderr is dropped)"))
			break
		}
		take := min(len(p), s.max-s.total)
		chunk := p[:take]
		s.total += take
		p = p[take:]
		for {
			i := bytes.IndexByte(chunk, '\n')
			if i < 0 {
				s.line = append(s.line, chunk...)
				break
			}
			s.line = append(s.line, chunk[:i]...)
			s.emit(s.line)
			s.line = s.line[:0]
			chunk = chunk[i+1:]
		}
	}
	return n, nil
}

// flush logs a last line that had no newline.
func (s *stderrLog) flush() {
	if len(s.line) > 0 {
		s.emit(s.line)
		s.line = s.line[:0]
	}
}

func (s *stderrLog) emit(line []byte) {
	s.log.Info("guest stderr", "method", s.r.Method, "path", s.r.URL.Path, "line", string(bytes.TrimSuffix(line, []byte("\r"))))
}
