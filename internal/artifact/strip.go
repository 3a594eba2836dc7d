package artifact

import (
	"encoding/binary"
	"errors"
)

// The module section is the module's binary with every function body
// replaced by an empty one: the compiled code stands in for the bodies,
// and everything else (types, imports, exports, globals, segments, custom
// sections and names) stays byte for byte, for the decoder to read back.

const codeSectionID = 10

// emptyBody is a body of size 2: no locals, end.
var emptyBody = []byte{0x02, 0x00, 0x0b}

var errNotModule = errors.New("artifact: not a module in the binary format")

// StripBodies returns the module binary b with its function bodies
// emptied. b itself is not modified.
func StripBodies(b []byte) ([]byte, error) {
	if len(b) < 8 || string(b[:4]) != "\x00asm" {
		return nil, errNotModule
	}
	out := make([]byte, 0, len(b))
	out = append(out, b[:8]...)
	pos := 8
	for pos < len(b) {
		id := b[pos]
		size, n := binary.Uvarint(b[pos+1:])
		start := pos + 1 + n
		if n <= 0 || size > uint64(len(b)-start) {
			return nil, errNotModule
		}
		end := start + int(size)
		if id != codeSectionID {
			out = append(out, b[pos:end]...)
			pos = end
			continue
		}
		count, cn := binary.Uvarint(b[start:end])
		if cn <= 0 || count > uint64(size) {
			return nil, errNotModule
		}
		body := binary.AppendUvarint(nil, count)
		for range count {
			body = append(body, emptyBody...)
		}
		out = append(out, codeSectionID)
		out = binary.AppendUvarint(out, uint64(len(body)))
		out = append(out, body...)
		pos = end
	}
	return out, nil
}
