package text

import "github.com/moat-run/moat/internal/wasm"

// Script is a parsed .wast script: commands in source order.
type Script struct {
	Commands []Command
}

// CommandKind says what a script command does.
type CommandKind byte

const (
	CmdModule               CommandKind = iota // define (and instantiate) Module
	CmdRegister                                // make module Name (or the current one) importable as As
	CmdAction                                  // perform Action, ignore its results
	CmdAssertReturn                            // Action must return Expected
	CmdAssertTrap                              // Action must trap with Text
	CmdAssertExhaustion                        // Action must exhaust the call stack
	CmdAssertMalformed                         // Module must fail to decode or parse
	CmdAssertInvalid                           // Module must fail validation
	CmdAssertUnlinkable                        // Module must fail to link
	CmdAssertUninstantiable                    // Module links but instantiation traps: (assert_trap (module ...))
	CmdInstance                                // instantiate the definition Definition as Name: (module instance ...)
	CmdAssertException                         // Action must throw an exception nothing catches
)

var commandNames = [...]string{
	"module", "register", "action", "assert_return", "assert_trap", "assert_exhaustion",
	"assert_malformed", "assert_invalid", "assert_unlinkable", "assert_uninstantiable",
	"instance", "assert_exception",
}

func (k CommandKind) String() string {
	if int(k) < len(commandNames) {
		return commandNames[k]
	}
	return "unknown"
}

// Command is one script command. Which fields are set depends on Kind.
//
// A module command defines a module and, unless Module.Definition, makes
// an instance of it with the same name. An instance command (and an
// assert_unlinkable or assert_trap of `(module instance ...)`, whose Module
// is then nil) instantiates the definition named Definition ("" for the
// latest) as Name.
type Command struct {
	Kind       CommandKind
	Line       int        // 1-based line of the command's module or action keyword, else of its own (as in wast2json's JSON)
	Module     *ModuleDef // module and module assertions
	Action     *Action    // action, assert_return, assert_trap, assert_exhaustion, assert_exception
	Expected   []Value    // assert_return
	Text       string     // the expected failure message of assert_* (other than assert_return)
	As         string     // register: the name other modules import it by
	Name       string     // register: the instance's $name, "" for the current one; instance: the new instance's $name
	Definition string     // instance: the $name of the module definition, "" for the latest
}

// ModuleForm says how a script module was written.
type ModuleForm byte

const (
	ModuleText   ModuleForm = iota // (module field*): parsed already
	ModuleBinary                   // (module binary "..."): Binary holds the bytes
	ModuleQuote                    // (module quote "..."): Quote holds the text, not yet parsed
)

// ModuleDef is a module written in a script.
type ModuleDef struct {
	Name string // "$id", or "" when unnamed
	Form ModuleForm
	Line int
	// Definition marks `(module definition ...)`: defined, not instantiated.
	Definition bool
	// ModuleText: the parsed module, or the parse error (kept rather than
	// failing the script only for modules inside assertions).
	Module *wasm.Module
	Err    error
	Binary []byte // ModuleBinary
	Quote  []byte // ModuleQuote: the strings joined by spaces
	fields []*node
}

// ActionKind says what an Action does.
type ActionKind byte

const (
	ActionInvoke ActionKind = iota // call exported function Field with Args
	ActionGet                      // read exported global Field
)

// Action is an invoke or get.
type Action struct {
	Kind   ActionKind
	Module string // "$id" of a named module, or "" for the current one
	Field  string
	Args   []Value
	Line   int
}

// NaNKind is a NaN pattern allowed in expected results.
type NaNKind byte

const (
	NotNaN        NaNKind = iota // compare bits exactly
	CanonicalNaN                 // nan:canonical: a canonical NaN of either sign
	ArithmeticNaN                // nan:arithmetic: any NaN with the quiet bit set
)

// Value is an argument or expected result.
//
// A reference value has a reference Type whose heap type says what it is:
// ref.null ht (Null), ref.extern N and ref.host N (Bits = N; Host for the
// latter), or in expected results a wildcard: (ref.func), (ref.extern),
// (ref), … (AnyRef: any non-null reference of that heap type) and (ref.null)
// without a heap type (Null with Type 0: any null reference).
type Value struct {
	Type wasm.ValType
	// Bits holds i32 and f32 (zero-extended), i64 and f64 bits, the low
	// half of a v128, or N of ref.extern N.
	Bits uint64
	Hi   uint64 // v128 high half
	// NaN is a scalar f32/f64 pattern in an expected result.
	NaN NaNKind
	// Shape is a v128's lane shape as written ("i8x16", ..., "f64x2"), and
	// LaneNaN its per-lane NaN patterns (float shapes in expected results;
	// nil when no lane is a pattern).
	Shape   string
	LaneNaN []NaNKind
	Null    bool // ref.null
	AnyRef  bool // expected `(ref.func)`, `(ref.extern)`, `(ref)`… without a value: any non-null reference
	Host    bool // ref.host N, a host reference outside the extern hierarchy
	// Either lists the alternatives of an expected `(either ...)`: the
	// result may be any one of them.
	Either []Value
}

// ParseScript parses a .wast script.
func ParseScript(src []byte) (s *Script, err error) {
	defer catch(&err)
	s = &Script{}
	top := parseTree(src)
	if len(top) > 0 && top[0].kind == kList && !isCommand(head(top[0])) {
		// A script may be one module written as bare fields.
		def := &ModuleDef{Line: top[0].line, Form: ModuleText, fields: top}
		m, err := def.Compile()
		if err != nil {
			return nil, err
		}
		def.Module, def.fields = m, nil
		s.Commands = []Command{{Kind: CmdModule, Line: def.Line, Module: def}}
		return s, nil
	}
	for _, n := range top {
		cmd := command(n)
		// Number commands as wast2json does: by the line of their module or
		// action when they have one.
		if cmd.Module != nil {
			cmd.Line = cmd.Module.Line
		} else if cmd.Action != nil {
			cmd.Line = cmd.Action.Line
		}
		s.Commands = append(s.Commands, cmd)
	}
	return s, nil
}

func isCommand(h string) bool {
	switch h {
	case "module", "register", "invoke", "get", "assert_return", "assert_trap", "assert_exhaustion",
		"assert_malformed", "assert_invalid", "assert_unlinkable", "assert_exception":
		return true
	}
	return false
}

func command(n *node) Command {
	if n.kind != kList {
		failNode(n, "unexpected token %s, expected a command", describe(n))
	}
	cmd := Command{Line: headLine(n)}
	c := newCursor(n, 1)
	switch h := head(n); h {
	case "module":
		if newCursor(n, 1).peekKeyword("instance") {
			cmd.Kind = CmdInstance
			cmd.Name, cmd.Definition = moduleInstance(n)
			break
		}
		cmd.Kind = CmdModule
		cmd.Module = scriptModule(n, false)
	case "register":
		cmd.Kind = CmdRegister
		cmd.As = name(c.next())
		if id := c.optID(); id != nil {
			cmd.Name = id.text
		}
		c.end()
	case "invoke", "get":
		cmd.Kind = CmdAction
		cmd.Action = action(n)
	case "assert_return":
		cmd.Kind = CmdAssertReturn
		cmd.Action = action(c.next())
		for !c.done() {
			cmd.Expected = append(cmd.Expected, result(c.next()))
		}
	case "assert_trap", "assert_exhaustion":
		cmd.Kind = CmdAssertTrap
		if h == "assert_exhaustion" {
			cmd.Kind = CmdAssertExhaustion
		}
		target := c.next()
		if head(target) == "module" {
			if h == "assert_exhaustion" {
				failNode(target, "unexpected token %s, expected an action", describe(target))
			}
			cmd.Kind = CmdAssertUninstantiable
			cmd.Name, cmd.Definition, cmd.Module = assertedModule(target)
		} else {
			cmd.Action = action(target)
		}
		cmd.Text = string(stringBytes(c.next()))
		c.end()
	case "assert_malformed", "assert_invalid", "assert_unlinkable":
		cmd.Kind = map[string]CommandKind{
			"assert_malformed": CmdAssertMalformed, "assert_invalid": CmdAssertInvalid,
			"assert_unlinkable": CmdAssertUnlinkable,
		}[h]
		target := c.next()
		if head(target) != "module" {
			failNode(target, "unexpected token %s, expected a module", describe(target))
		}
		if cmd.Kind == CmdAssertUnlinkable {
			cmd.Name, cmd.Definition, cmd.Module = assertedModule(target)
		} else {
			cmd.Module = scriptModule(target, true)
		}
		cmd.Text = string(stringBytes(c.next()))
		c.end()
	case "assert_exception":
		cmd.Kind = CmdAssertException
		cmd.Action = action(c.next())
		c.end()
	default:
		failNode(n, "unexpected token %s, expected a command", describe(n))
	}
	return cmd
}

// moduleInstance reads `(module instance $I? $M?)`: the instance's and the
// definition's names.
func moduleInstance(n *node) (name, definition string) {
	c := newCursor(n, 1)
	c.keyword("instance")
	first, second := c.optID(), c.optID()
	c.end()
	switch {
	case second != nil:
		return first.text, second.text
	case first != nil:
		return "", first.text
	}
	return "", ""
}

// assertedModule reads the module of assert_unlinkable or assert_trap: a
// module (not a definition), or an instance of a definition.
func assertedModule(n *node) (name, definition string, def *ModuleDef) {
	c := newCursor(n, 1)
	switch {
	case c.peekKeyword("instance"):
		name, definition = moduleInstance(n)
		return name, definition, nil
	case c.peekKeyword("definition"):
		failNode(c.peek(), "misplaced module definition")
	}
	return "", "", scriptModule(n, true)
}

// scriptModule reads a module of a script. A text module is parsed now; in
// an assertion its parse error is kept in the ModuleDef instead of failing
// the script.
func scriptModule(n *node, inAssertion bool) *ModuleDef {
	def := moduleDef(n)
	if def.Form != ModuleText {
		return def
	}
	m, err := def.Compile()
	if err != nil && !inAssertion {
		e, ok := err.(*Error)
		if !ok {
			e = &Error{Line: n.line, Column: n.col, Msg: err.Error()}
		}
		panic(bail{e})
	}
	def.Module, def.Err = m, err
	def.fields = nil
	return def
}

func action(n *node) *Action {
	a := &Action{Line: headLine(n)}
	c := newCursor(n, 1)
	switch head(n) {
	case "invoke":
		a.Kind = ActionInvoke
	case "get":
		a.Kind = ActionGet
	default:
		failNode(n, "unexpected token %s, expected invoke or get", describe(n))
	}
	if id := c.optID(); id != nil {
		a.Module = id.text
	}
	a.Field = name(c.next())
	if a.Kind == ActionInvoke {
		for !c.done() {
			a.Args = append(a.Args, value(c.next(), false))
		}
	}
	c.end()
	return a
}

// result reads an expected result: a value, a NaN pattern, a reference
// wildcard, or (either result+).
func result(n *node) Value {
	if head(n) != "either" {
		return value(n, true)
	}
	c := newCursor(n, 1)
	var v Value
	for !c.done() {
		v.Either = append(v.Either, value(c.next(), true))
	}
	if len(v.Either) == 0 {
		c.failEnd()
	}
	v.Type = v.Either[0].Type
	return v
}

// refWildcards are the expected-result forms that match any non-null
// reference of a heap type.
var refWildcards = map[string]wasm.HeapType{
	"ref": wasm.HeapAny, "ref.func": wasm.HeapFunc, "ref.extern": wasm.HeapExtern, "ref.exn": wasm.HeapExn,
	"ref.eq": wasm.HeapEq, "ref.i31": wasm.HeapI31, "ref.struct": wasm.HeapStruct, "ref.array": wasm.HeapArray,
}

// value reads a constant: t.const, v128.const, ref.null, ref.extern,
// ref.host, and in expected results also the NaN patterns and reference
// wildcards.
func value(n *node, expected bool) Value {
	c := newCursor(n, 1)
	var v Value
	switch h := head(n); h {
	case "i32.const":
		v = Value{Type: wasm.I32, Bits: intLit(c.next(), 32)}
	case "i64.const":
		v = Value{Type: wasm.I64, Bits: intLit(c.next(), 64)}
	case "f32.const", "f64.const":
		v.Type, v.Bits, v.NaN = floatValue(c.next(), h == "f32.const", expected)
	case "v128.const":
		v = v128Value(n, c, expected)
	case "ref.null":
		v.Null = true
		if c.done() && expected {
			break // any null reference
		}
		v.Type = wasm.RefType(true, (*moduleParser)(nil).heapType(c.next()))
	case "ref.host":
		v = Value{Type: wasm.RefType(false, wasm.HeapAny), Host: true, Bits: uint64(u32(c.next()))}
	case "ref.extern":
		v.Type = wasm.RefType(false, wasm.HeapExtern)
		if c.done() && expected {
			v.AnyRef = true
		} else {
			v.Bits = uint64(u32(c.next()))
		}
	default:
		ht, ok := refWildcards[h]
		if !ok || !expected {
			failNode(n, "unexpected token %s, expected a constant", describe(n))
		}
		v = Value{Type: wasm.RefType(false, ht), AnyRef: true}
		if h == "ref.func" && !c.done() {
			c.next()
		}
	}
	c.end()
	return v
}

func floatValue(n *node, is32, expected bool) (wasm.ValType, uint64, NaNKind) {
	t, width := wasm.F64, 64
	if is32 {
		t, width = wasm.F32, 32
	}
	if expected && n.kind == kKeyword {
		switch n.text {
		case "nan:canonical":
			return t, 0, CanonicalNaN
		case "nan:arithmetic":
			return t, 0, ArithmeticNaN
		}
	}
	return t, floatLit(n, width), NotNaN
}

func v128Value(n *node, c *cursor, expected bool) Value {
	v := Value{Type: wasm.V128}
	sn := c.peek()
	if sn == nil {
		c.failEnd()
	}
	shape, ok := laneShapes[sn.text]
	if !ok || !shape.float || !expected {
		v.Shape = sn.text
		v.Bits, v.Hi = v128Const(n.kids[0], c)
		return v
	}
	c.next()
	v.Shape = sn.text
	var lanes [2]uint64
	pattern := false
	nans := make([]NaNKind, shape.lanes)
	for i := 0; i < shape.lanes; i++ {
		ln := c.next()
		_, bits, nan := floatValue(ln, shape.bits == 32, true)
		nans[i] = nan
		pattern = pattern || nan != NotNaN
		bit := i * shape.bits
		lanes[bit/64] |= bits << (bit % 64)
	}
	v.Bits, v.Hi = lanes[0], lanes[1]
	if pattern {
		v.LaneNaN = nans
	}
	return v
}
