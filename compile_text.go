package moat

import (
	"bytes"
	"errors"
	"fmt"
	"runtime/debug"

	"github.com/moat-run/moat/internal/binary"
	"github.com/moat-run/moat/internal/text"
	"github.com/moat-run/moat/internal/wasm"
)

// wasmMagic starts every binary module; Compile treats anything else as text.
var wasmMagic = []byte{0x00, 0x61, 0x73, 0x6d}

// looksLikeText reports whether Compile should read src as text: it does
// not start with the binary magic and, after white space, starts with a
// parenthesis or a comment. Anything else, such as an empty input or a
// damaged binary, gets the decoder's error.
func looksLikeText(src []byte) bool {
	if bytes.HasPrefix(src, wasmMagic) {
		return false
	}
	rest := bytes.TrimLeft(src, " \t\r\n")
	return len(rest) > 0 && (rest[0] == '(' || rest[0] == ';')
}

// CompileText compiles a module written in the WebAssembly text format
// (a `(module ...)` or a bare list of module fields). Text that does not
// parse gives a *CompileError of Kind Malformed with Line and Column set;
// otherwise the module is validated and compiled as Compile does, and
// offsets (of errors, of trap frames) are offsets in the binary Wat2Wasm
// gives for src.
func (e *Engine) CompileText(src []byte) (*Module, error) {
	return e.compileText(src)
}

// compileText compiles src as Compile compiles the binary Wat2Wasm makes of
// it, so that offsets (of trap frames, of validation errors) are offsets in
// that binary, as TrapFrame documents, rather than positions inside bodies
// the parser encoded one by one.
func (e *Engine) compileText(src []byte) (mod *Module, err error) {
	b, err := Wat2Wasm(src)
	if err != nil {
		return nil, err
	}
	defer func() {
		if r := recover(); r != nil {
			mod, err = nil, fmt.Errorf("moat: internal error while compiling: %v\n%s", r, debug.Stack())
		}
	}()
	m, err := binary.DecodeFeatures(b, wasm.Features(e.cfg.DisabledFeatures))
	if err != nil {
		return nil, compileErrorOf(e.explainDisabled(b, err))
	}
	return e.compileModel(m, b)
}

// parseText parses text into the module model, converting its errors.
func parseText(src []byte) (m *wasm.Module, err error) {
	defer func() {
		if r := recover(); r != nil {
			m, err = nil, fmt.Errorf("moat: internal error while parsing text: %v\n%s", r, debug.Stack())
		}
	}()
	m, err = text.ParseModule(src)
	if err != nil {
		return nil, textErrorOf(err)
	}
	return m, nil
}

// textErrorOf converts a text-format error to a *CompileError.
func textErrorOf(err error) error {
	var te *text.Error
	if errors.As(err, &te) {
		return &CompileError{Kind: Malformed, Offset: -1, Func: -1, Msg: te.Msg, Line: te.Line, Column: te.Column}
	}
	return compileErrorOf(err)
}

// Wat2Wasm converts a module in the text format to the binary format. The
// module is parsed but not validated. Errors are *CompileError.
func Wat2Wasm(src []byte) ([]byte, error) {
	m, err := parseText(src)
	if err != nil {
		return nil, err
	}
	return binary.Encode(m), nil
}
