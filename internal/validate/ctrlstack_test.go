package validate_test

import "testing"

// nested is depth blocks of the given block type byte around inner, each
// closed by end.
func nested(depth int, bt byte, inner ...byte) []byte {
	var b []byte
	for range depth {
		b = append(b, 0x02, bt)
	}
	b = append(b, inner...)
	for range depth {
		b = append(b, 0x0b)
	}
	return b
}

// The control stack keeps its frames in chunks: labels reach frames in
// every chunk, the outermost included, with their own types, and a label
// one past the function's frame is unknown, whatever the depth.
func TestControlStackDepths(t *testing.T) {
	for _, depth := range []int{1, 63, 64, 65, 200, 5000} {
		// Every block carries an i32: a branch to any of them needs one.
		outer := uleb(nil, uint32(depth-1)) // the outermost block
		fn := uleb(nil, uint32(depth))      // the function's own frame
		check(t, "br to the outermost block", oneFunc(vt(i32), nil,
			nested(depth, 0x7f, append([]byte{0x41, 1, 0x0c}, outer...)...)...), "")
		check(t, "br to the function", oneFunc(vt(i32), nil,
			nested(depth, 0x7f, append([]byte{0x41, 1, 0x0c}, fn...)...)...), "")
		unknown := uleb(nil, uint32(depth+1))
		check(t, "br past the function", oneFunc(vt(i32), nil,
			nested(depth, 0x7f, append([]byte{0x41, 1, 0x0c}, unknown...)...)...), "unknown label")
		// An empty block type in the middle: a branch to it carries nothing.
		mid := nested(depth, 0x40, 0x0c, 0)
		check(t, "br out of empty blocks", oneFunc(vt(i32), nil, append(nested(1, 0x7f, append(mid, 0x41, 7)...), 0x1a, 0x41, 0)...), "")
		check(t, "br to an i32 block without a value", oneFunc(vt(i32), nil,
			nested(1, 0x7f, append(nested(depth, 0x40, append([]byte{0x0c}, uleb(nil, uint32(depth))...)...), 0x41, 7)...)...), "type mismatch")
	}
}

func uleb(b []byte, v uint32) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if v == 0 {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}
