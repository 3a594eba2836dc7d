package stress

// The few opcodes and type codes the generators write.
const (
	i32        = 0x7f
	blockEmpty = 0x40
	opIf       = 0x04
	opElse     = 0x05
	opEnd      = 0x0b
	localGet   = 0x20
	localSet   = 0x21
	i32Const   = 0x41
	i32GtU     = 0x4b
	i32Add     = 0x6a
	i32Xor     = 0x73
)

// funcModule wraps one function body into a module whose function 0,
// of type (i32) -> i32, is exported as "f".
func funcModule(body []byte) []byte {
	m := []byte{0, 'a', 's', 'm', 1, 0, 0, 0}
	m = section(m, 1, []byte{1, 0x60, 1, i32, 1, i32}) // type: (i32) -> i32
	m = section(m, 3, []byte{1, 0})                    // function 0 has type 0
	m = section(m, 7, []byte{1, 1, 'f', 0, 0})         // export "f" = func 0
	code := uleb(nil, 1)
	code = uleb(code, uint64(len(body)))
	code = append(code, body...)
	return section(m, 10, code)
}

func section(m []byte, id byte, content []byte) []byte {
	m = append(m, id)
	m = uleb(m, uint64(len(content)))
	return append(m, content...)
}

func uleb(b []byte, v uint64) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if v == 0 {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}

func sleb(b []byte, v int64) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if (v == 0 && c&0x40 == 0) || (v == -1 && c&0x40 != 0) {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}
