package text

import "fmt"

// Error is a syntax error in text-format source, at a 1-based line and
// column (columns count bytes).
type Error struct {
	Line, Column int
	Msg          string
}

func (e *Error) Error() string { return fmt.Sprintf("%d:%d: %s", e.Line, e.Column, e.Msg) }

// bail carries an *Error up through the recursive-descent parser to the
// public entry points, which turn it back into a returned error. Only
// values of this type are ever thrown.
type bail struct{ err *Error }

func failAt(line, col int, format string, args ...any) {
	panic(bail{&Error{Line: line, Column: col, Msg: fmt.Sprintf(format, args...)}})
}

func failNode(n *node, format string, args ...any) {
	failAt(n.line, n.col, format, args...)
}

// catch converts a thrown bail into *err. Any other panic is a bug in this
// package; it is reported as an error rather than crashing the host.
func catch(err *error) {
	if r := recover(); r != nil {
		if b, ok := r.(bail); ok {
			*err = b.err
			return
		}
		*err = &Error{Line: 0, Column: 0, Msg: fmt.Sprintf("internal error: %v", r)}
	}
}
