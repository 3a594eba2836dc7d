package wat

import (
	"fmt"
	"io"
	"strings"

	"github.com/moat-run/moat/internal/binary"
	"github.com/moat-run/moat/internal/wasm"
)

// function prints defined function idx (type typeIdx, body code[i]).
func (p *printer) function(idx, typeIdx uint32, i int, name string) {
	p.printf("  (func (;%d;)", idx)
	if name != "" {
		p.w.WriteString(" " + name)
	}
	p.printf(" (type %d)", typeIdx)
	if i >= len(p.m.Code) {
		p.w.WriteString(" (;no body;))\n")
		p.fail(fmt.Errorf("function %d has no body", idx))
		return
	}
	c := &p.m.Code[i]
	if len(c.Locals) > 0 {
		p.w.WriteString("\n    (local")
		for _, l := range c.Locals {
			for range l.Count {
				p.w.WriteString(" " + valType(l.Type))
			}
		}
		p.w.WriteByte(')')
	}
	p.w.WriteByte('\n')
	p.body(idx, c)
	p.w.WriteString("  )\n")
}

// body prints the instructions one per line, indented by nesting, leaving
// out the end that closes the function.
func (p *printer) body(idx uint32, c *wasm.Code) {
	r := binary.NewExprReader(c.Body, c.Offset)
	depth := 0
	var in wasm.Instr
	for {
		err := r.Next(&in)
		if err == io.EOF {
			return
		}
		if err != nil {
			p.printf("    (; unreadable: %v ;)\n", err)
			p.fail(fmt.Errorf("function %d: %w", idx, err))
			return
		}
		switch in.Op {
		case wasm.OpEnd:
			if depth == 0 {
				continue // the function's own end; the decoder puts it last
			}
			depth--
		case wasm.OpElse:
			depth = max(depth-1, 0) // the decoder allows else only inside an if
		}
		p.w.WriteString(strings.Repeat("  ", depth+2))
		p.instr(&in)
		p.w.WriteByte('\n')
		switch in.Op {
		case wasm.OpBlock, wasm.OpLoop, wasm.OpIf, wasm.OpElse, wasm.OpTryTable:
			depth++
		}
	}
}

func (p *printer) fail(err error) {
	if p.err == nil {
		p.err = err
	}
}
