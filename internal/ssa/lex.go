package ssa

import (
	"fmt"
	"strconv"
	"strings"
)

// ParseError reports malformed text with its 1-based line.
type ParseError struct {
	Line int
	Msg  string
}

func (e *ParseError) Error() string { return fmt.Sprintf("ssa parse: line %d: %s", e.Line, e.Msg) }

// token is one lexical token of a line: a word (names, numbers,
// addresses like v4+16), a quoted function name, or punctuation.
type token struct {
	text   string
	quoted bool // a %"..." function name, text unquoted
}

// lexLine splits one line (comments already stripped) into tokens.
func lexLine(s string) ([]token, error) {
	var toks []token
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\r':
			i++
		case c == '-' && i+1 < len(s) && s[i+1] == '>':
			toks = append(toks, token{text: "->"})
			i += 2
		case strings.IndexByte("()[],={}:", c) >= 0:
			toks = append(toks, token{text: s[i : i+1]})
			i++
		case c == '%' && i+1 < len(s) && s[i+1] == '"':
			q, err := strconv.QuotedPrefix(s[i+1:])
			if err != nil {
				return nil, fmt.Errorf("bad quoted name")
			}
			name, err := strconv.Unquote(q)
			if err != nil {
				return nil, fmt.Errorf("bad quoted name")
			}
			toks = append(toks, token{text: name, quoted: true})
			i += 1 + len(q)
		case isWordByte(c) || c == '%':
			j := i + 1
			for j < len(s) && isWordByte(s[j]) && !(s[j] == '-' && j+1 < len(s) && s[j+1] == '>') {
				j++
			}
			// "nan:0x..." is one word.
			if s[i:j] == "nan" && j < len(s) && s[j] == ':' {
				j++
				for j < len(s) && isWordByte(s[j]) {
					j++
				}
			}
			toks = append(toks, token{text: s[i:j]})
			i = j
		default:
			return nil, fmt.Errorf("unexpected character %q", c)
		}
	}
	return toks, nil
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '_' || c == '.' || c == '$' || c == '+' || c == '-'
}

// stripComment removes a ';' comment, ignoring ';' inside a quoted name.
func stripComment(s string) string {
	inQuote := false
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			if inQuote {
				i++
			}
		case '"':
			inQuote = !inQuote
		case ';':
			if !inQuote {
				return s[:i]
			}
		}
	}
	return s
}

// cursor walks the tokens of one line.
type cursor struct {
	toks []token
	pos  int
}

func (c *cursor) done() bool { return c.pos >= len(c.toks) }

func (c *cursor) peek() string {
	if c.done() {
		return ""
	}
	return c.toks[c.pos].text
}

func (c *cursor) next() string {
	if c.done() {
		return ""
	}
	c.pos++
	return c.toks[c.pos-1].text
}

func (c *cursor) accept(s string) bool {
	if !c.done() && !c.toks[c.pos].quoted && c.toks[c.pos].text == s {
		c.pos++
		return true
	}
	return false
}

func (c *cursor) expect(s string) error {
	if c.accept(s) {
		return nil
	}
	if c.done() {
		return fmt.Errorf("expected %q at end of line", s)
	}
	return fmt.Errorf("expected %q, found %q", s, c.peek())
}

// numbered parses prefixN (v7, block3, sig0, fn12) with N <= max.
func numbered(s, prefix string, max uint64) (uint64, bool) {
	rest, ok := strings.CutPrefix(s, prefix)
	if !ok || rest == "" || (len(rest) > 1 && rest[0] == '0') {
		return 0, false
	}
	n, err := strconv.ParseUint(rest, 10, 64)
	if err != nil || n > max {
		return 0, false
	}
	return n, true
}
