package text

// laneShapes gives each v128 lane shape's lane count and width in bits.
var laneShapes = map[string]struct {
	lanes, bits int
	float       bool
}{
	"i8x16": {16, 8, false}, "i16x8": {8, 16, false}, "i32x4": {4, 32, false},
	"i64x2": {2, 64, false}, "f32x4": {4, 32, true}, "f64x2": {2, 64, true},
}

// v128Const reads `shape lane*` and returns the 128 bits, low half first.
func v128Const(opn *node, c *cursor) (lo, hi uint64) {
	sn := c.next()
	shape, ok := laneShapes[sn.text]
	if sn.kind != kKeyword || !ok {
		failNode(sn, "unexpected token %s, expected a lane shape", describe(sn))
	}
	var lanes [2]uint64
	for i := 0; i < shape.lanes; i++ {
		n := c.peek()
		if n == nil || n.kind == kList || n.kind == kString || n.kind == kID {
			if n == nil {
				n = opn
			}
			failNode(n, "wrong number of lane literals")
		}
		c.next()
		var v uint64
		switch {
		case shape.float:
			v = floatLit(n, shape.bits)
		default:
			v = intLit(n, uint(shape.bits))
		}
		bit := i * shape.bits
		lanes[bit/64] |= v << (bit % 64)
	}
	return lanes[0], lanes[1]
}

// shuffleLanes reads the 16 lane indices of i8x16.shuffle, one per byte.
func shuffleLanes(opn *node, c *cursor) (lo, hi uint64) {
	var lanes [2]uint64
	for i := 0; i < 16; i++ {
		n := c.peek()
		if n == nil || n.kind != kAtom {
			if n == nil {
				n = opn
			}
			failNode(n, "invalid lane length")
		}
		c.next()
		lanes[i/8] |= uint64(laneIndex(n)) << (8 * (i % 8))
	}
	return lanes[0], lanes[1]
}

// laneIndex reads a lane index, an unsigned byte.
func laneIndex(n *node) uint32 {
	if n.kind != kAtom || n.text == "" || n.text[0] < '0' || n.text[0] > '9' {
		failNode(n, "unexpected token %s, expected a lane index", describe(n))
	}
	v, ok, over := parseNat(n.text)
	if !ok || over || v > 255 {
		failNode(n, "malformed lane index")
	}
	return uint32(v)
}
