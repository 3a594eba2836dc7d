package wat

import (
	"github.com/moat-run/moat/internal/wasm"
)

// types prints the type section: a recursion group of more than one type
// as (rec ...), a type with supertypes or not final as (sub ...).
func (p *printer) typeSection() {
	m := p.m
	for i := 0; i < len(m.Types); {
		n := max(1, min(int(m.Types[i].RecSize), len(m.Types)-i))
		indent := "  "
		if n > 1 {
			p.w.WriteString("  (rec\n")
			indent = "    "
		}
		for j := i; j < i+n; j++ {
			p.printf("%s(type (;%d;) ", indent, j)
			p.subType(&m.Types[j])
			p.w.WriteString(")\n")
		}
		if n > 1 {
			p.w.WriteString("  )\n")
		}
		i += n
	}
}

func (p *printer) subType(d *wasm.TypeDef) {
	sub := !d.Final || len(d.Supers) > 0
	if sub {
		p.w.WriteString("(sub")
		if d.Final {
			p.w.WriteString(" final")
		}
		for _, s := range d.Supers {
			p.printf(" %d", s)
		}
		p.w.WriteByte(' ')
	}
	switch d.Kind {
	case wasm.CompStruct:
		p.w.WriteString("(struct")
		for _, f := range d.Fields {
			p.w.WriteString(" (field ")
			p.fieldType(f)
			p.w.WriteByte(')')
		}
		p.w.WriteByte(')')
	case wasm.CompArray:
		p.w.WriteString("(array")
		for _, f := range d.Fields {
			p.w.WriteByte(' ')
			p.fieldType(f)
		}
		p.w.WriteByte(')')
	default:
		p.w.WriteString("(func")
		p.params(d.Func.Params)
		p.results(d.Func.Results)
		p.w.WriteByte(')')
	}
	if sub {
		p.w.WriteByte(')')
	}
}

func (p *printer) fieldType(f wasm.FieldType) {
	if f.Mutable {
		p.printf("(mut %s)", valType(f.Type))
		return
	}
	p.w.WriteString(valType(f.Type))
}
