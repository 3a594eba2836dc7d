package spectest

import (
	"fmt"
	"strings"

	"github.com/moat-run/moat/internal/binary"
	"github.com/moat-run/moat/internal/text"
	"github.com/moat-run/moat/internal/wasm"
)

// wastCommands parses a .wast script into the commands the runner executes
// for JSON scripts too, so both share one executor. Modules stay in the
// script: each command's load gives its binary (text modules are encoded,
// quoted ones parsed only then, so that their errors belong to the
// assertion rather than to the script).
func wastCommands(src []byte) ([]command, error) {
	s, err := text.ParseScript(src)
	if err != nil {
		return nil, err
	}
	cmds := make([]command, 0, len(s.Commands))
	for i := range s.Commands {
		tc := &s.Commands[i]
		c := command{Type: tc.Kind.String(), Line: tc.Line, Text: tc.Text, As: tc.As, Name: tc.Name}
		switch {
		case tc.Module != nil:
			c.load = moduleLoader(tc.Module)
			c.ModuleType = "text"
			if tc.Module.Form == text.ModuleBinary {
				c.ModuleType = "binary"
			}
			if tc.Kind == text.CmdModule {
				c.Name = tc.Module.Name
				c.Definition = tc.Module.Definition
			}
		case tc.Kind == text.CmdInstance || tc.Kind == text.CmdAssertUnlinkable || tc.Kind == text.CmdAssertUninstantiable:
			c.instance, c.Instance = true, tc.Definition
		}
		if tc.Action != nil {
			c.Action = wastAction(tc.Action)
		}
		for _, v := range tc.Expected {
			c.Expected = append(c.Expected, wastValue(v))
		}
		cmds = append(cmds, c)
	}
	return cmds, nil
}

// moduleLoader returns the binary of a script module, or why it has none:
// a *text.Error for malformed text, a *wasm.Error for malformed bytes
// quoted as (module binary ...) inside (module quote ...).
func moduleLoader(def *text.ModuleDef) func() ([]byte, error) {
	return func() ([]byte, error) {
		switch def.Form {
		case text.ModuleBinary:
			return def.Binary, nil
		case text.ModuleQuote:
			m, err := text.ParseModule(def.Quote)
			if err != nil {
				return nil, err
			}
			return binary.Encode(m), nil
		}
		if def.Err != nil {
			return nil, def.Err
		}
		if def.Module == nil {
			return nil, fmt.Errorf("script module at line %d has no contents", def.Line)
		}
		return binary.Encode(def.Module), nil
	}
}

func wastAction(a *text.Action) *action {
	out := &action{Type: "invoke", Module: a.Module, Field: a.Field}
	if a.Kind == text.ActionGet {
		out.Type = "get"
	}
	for _, v := range a.Args {
		out.Args = append(out.Args, wastValue(v))
	}
	return out
}

// wastValue turns a script constant into the runner's parsed form.
func wastValue(v text.Value) value {
	e := wastExpectation(v)
	out := value{Type: e.typ, parsed: &e}
	if v.Type == wasm.V128 {
		out.LaneType, _, _ = strings.Cut(v.Shape, "x")
	}
	out.text = describeExpectation(e, out.LaneType)
	return out
}

func wastExpectation(v text.Value) expectation {
	if len(v.Either) > 0 {
		e := expectation{typ: "either"}
		for _, a := range v.Either {
			alt := wastExpectation(a)
			e.needsGC = e.needsGC || alt.needsGC
			e.alts = append(e.alts, alt)
		}
		return e
	}
	e := expectation{typ: v.Type.String()}
	switch v.Type {
	case wasm.I32:
		e.lanes = []lane{{bits: v.Bits & 0xffffffff, width: 32}}
	case wasm.I64:
		e.lanes = []lane{{bits: v.Bits, width: 64}}
	case wasm.F32:
		e.lanes = []lane{{bits: v.Bits & 0xffffffff, width: 32, float: true, kind: nanOf(v.NaN)}}
	case wasm.F64:
		e.lanes = []lane{{bits: v.Bits, width: 64, float: true, kind: nanOf(v.NaN)}}
	case wasm.V128:
		laneType, _, _ := strings.Cut(v.Shape, "x")
		width, float, err := laneWidth(laneType)
		if err != nil {
			width, float = 32, false
		}
		for pos, i := uint(0), 0; pos < 128; pos, i = pos+width, i+1 {
			l := lane{bits: getBits(v.Bits, v.Hi, pos, width), width: width, float: float}
			if i < len(v.LaneNaN) {
				l.kind = nanOf(v.LaneNaN[i])
			}
			e.lanes = append(e.lanes, l)
		}
	default: // a reference: null (of a type, or any), a wildcard, ref.extern N
		if v.Type == 0 {
			e.typ = "ref"
		}
		l := lane{width: 64}
		switch {
		case v.AnyRef:
			l.kind = anyNonNull
			e.wildcard = v.Type.Heap()
		case !v.Null:
			// ref.extern N and ref.host N: host value N, in either hierarchy.
			e.extern, e.externN = true, v.Bits
		}
		e.lanes = []lane{l}
	}
	return e
}

func nanOf(k text.NaNKind) nanKind {
	switch k {
	case text.CanonicalNaN:
		return nanCanonical
	case text.ArithmeticNaN:
		return nanArithmetic
	}
	return exact
}

// describeExpectation renders a parsed value for failure reports.
func describeExpectation(e expectation, laneType string) string {
	if len(e.alts) > 0 {
		parts := make([]string, len(e.alts))
		for i, a := range e.alts {
			parts[i] = describeExpectation(a, laneType)
		}
		return "either(" + strings.Join(parts, " | ") + ")"
	}
	parts := make([]string, len(e.lanes))
	for i, l := range e.lanes {
		switch l.kind {
		case nanCanonical:
			parts[i] = "nan:canonical"
		case nanArithmetic:
			parts[i] = "nan:arithmetic"
		case anyNonNull:
			parts[i] = "non-null"
		default:
			if isRefType(e.typ) {
				parts[i] = "null"
				if e.extern {
					parts[i] = fmt.Sprint(e.externN)
				}
			} else {
				parts[i] = formatLane(l.bits, l.width, l.float)
			}
		}
	}
	if e.typ == "v128" {
		return fmt.Sprintf("v128:%s [%s]", laneType, strings.Join(parts, " "))
	}
	return e.typ + ":" + strings.Join(parts, " ")
}

// isRefType reports whether an expectation's type name is a reference's.
func isRefType(typ string) bool {
	switch typ {
	case "i32", "i64", "f32", "f64", "v128":
		return false
	}
	return true
}
