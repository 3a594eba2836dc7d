package text

import "unicode/utf8"

// The lexer turns source into S-expression nodes: the text format is a tree
// of parenthesised lists whose leaves are tokens, so parsing works on that
// tree and can look ahead freely (inline exports, folded instructions).

// kind classifies a node.
type kind byte

const (
	kList    kind = iota // ( ... )
	kKeyword             // starts with a-z: keywords, instruction names, nan, inf, offset=
	kID                  // $name
	kString              // "..."; text holds the raw contents between the quotes
	kAtom                // anything else: numbers, and reserved tokens (rejected where used)
)

// node is a token or a list.
type node struct {
	kind      kind
	text      string
	line, col int
	kids      []*node // kList only
}

// maxDepth bounds list nesting so that the recursive parser's stack stays small.
const maxDepth = 5000

func isIDChar(c byte) bool {
	switch {
	case c >= '0' && c <= '9', c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		return true
	}
	switch c {
	case '!', '#', '$', '%', '&', '\'', '*', '+', '-', '.', '/', ':', '<', '=', '>', '?', '@', '\\', '^', '_', '`', '|', '~':
		return true
	}
	return false
}

type lexer struct {
	src       []byte
	pos       int
	line, col int
}

func (lx *lexer) advance(n int) {
	for i := 0; i < n; i++ {
		if lx.src[lx.pos] == '\n' {
			lx.line++
			lx.col = 1
		} else {
			lx.col++
		}
		lx.pos++
	}
}

// skipSpace skips white space and comments.
func (lx *lexer) skipSpace() {
	for lx.pos < len(lx.src) {
		c := lx.src[lx.pos]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			lx.advance(1)
		case c == ';' && lx.peekAt(1) == ';':
			// A line comment ends at a line feed or a lone carriage return.
			for lx.pos < len(lx.src) && lx.src[lx.pos] != '\n' && lx.src[lx.pos] != '\r' {
				lx.advance(1)
			}
		case c == '(' && lx.peekAt(1) == ';':
			lx.blockComment()
		default:
			return
		}
	}
}

func (lx *lexer) peekAt(d int) byte {
	if lx.pos+d < len(lx.src) {
		return lx.src[lx.pos+d]
	}
	return 0
}

func (lx *lexer) blockComment() {
	line, col := lx.line, lx.col
	lx.advance(2)
	depth := 1
	for depth > 0 {
		if lx.pos >= len(lx.src) {
			failAt(line, col, "unclosed comment")
		}
		switch {
		case lx.src[lx.pos] == '(' && lx.peekAt(1) == ';':
			lx.advance(2)
			depth++
		case lx.src[lx.pos] == ';' && lx.peekAt(1) == ')':
			lx.advance(2)
			depth--
		default:
			lx.advance(1)
		}
	}
}

// token reads one token other than a parenthesis.
func (lx *lexer) token() *node {
	n := &node{line: lx.line, col: lx.col}
	start := lx.pos
	c := lx.src[lx.pos]
	if c == '"' {
		n.kind = kString
		n.text = lx.stringBody(n)
		lx.checkSeparated(n)
		return n
	}
	if c == '$' && lx.peekAt(1) == '"' {
		return lx.quotedID(n)
	}
	for lx.pos < len(lx.src) {
		c := lx.src[lx.pos]
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '(' || c == ')' || c == '"' || c == ';' {
			break
		}
		lx.advance(1)
	}
	if lx.pos == start {
		failAt(n.line, n.col, "unexpected character %q", c)
	}
	lx.checkSeparated(n)
	n.text = string(lx.src[start:lx.pos])
	n.kind = kAtom
	clean := true
	for i := 0; i < len(n.text); i++ {
		if !isIDChar(n.text[i]) {
			clean = false
			break
		}
	}
	switch {
	case n.text == "$":
		failAt(n.line, n.col, "empty identifier")
	case !clean:
	case n.text[0] >= 'a' && n.text[0] <= 'z':
		n.kind = kKeyword
	case n.text[0] == '$' && len(n.text) > 1:
		n.kind = kID
	}
	return n
}

// stringBody reads a string token at the current position and returns its
// raw contents between the quotes.
func (lx *lexer) stringBody(n *node) string {
	start := lx.pos
	lx.advance(1)
	for {
		if lx.pos >= len(lx.src) || lx.src[lx.pos] == '\n' {
			failAt(n.line, n.col, "unclosed string")
		}
		c := lx.src[lx.pos]
		if c == '"' {
			break
		}
		if c == '\\' && lx.pos+1 < len(lx.src) {
			lx.advance(1)
		}
		lx.advance(1)
	}
	text := string(lx.src[start+1 : lx.pos])
	lx.advance(1)
	return text
}

// quotedID reads an identifier written $"...": its name is the string's
// decoded contents, which must be non-empty UTF-8, so that $"a" and $a are
// the same identifier.
func (lx *lexer) quotedID(n *node) *node {
	lx.advance(1)
	s := &node{kind: kString, line: lx.line, col: lx.col}
	s.text = lx.stringBody(s)
	n.kind = kID
	lx.checkSeparated(n)
	b := stringBytes(s)
	if len(b) == 0 {
		failAt(n.line, n.col, "empty identifier")
	}
	if !utf8.Valid(b) {
		failAt(n.line, n.col, "malformed UTF-8 encoding")
	}
	n.kind, n.text = kID, "$"+string(b)
	return n
}

// annotation skips an annotation, `(@id ...)`, whose "(@" is at the current
// position: annotations carry custom information moat does not use, but
// their contents must still be well-formed tokens with balanced
// parentheses.
func (lx *lexer) annotation() {
	line, col := lx.line, lx.col
	lx.advance(2)
	id := &node{line: lx.line, col: lx.col}
	switch {
	case lx.pos < len(lx.src) && lx.src[lx.pos] == '"':
		s := &node{kind: kString, line: lx.line, col: lx.col}
		s.text = lx.stringBody(s)
		b := stringBytes(s)
		if len(b) == 0 {
			failAt(id.line, id.col, "empty annotation id")
		}
		if !utf8.Valid(b) {
			failAt(id.line, id.col, "malformed UTF-8 encoding")
		}
	case lx.pos < len(lx.src) && isIDChar(lx.src[lx.pos]):
		for lx.pos < len(lx.src) && isIDChar(lx.src[lx.pos]) {
			lx.advance(1)
		}
	default:
		failAt(id.line, id.col, "empty annotation id")
	}
	depth := 1
	for depth > 0 {
		lx.skipSpace()
		if lx.pos >= len(lx.src) {
			failAt(line, col, "unclosed annotation")
		}
		c := lx.src[lx.pos]
		switch {
		case c == '(':
			lx.advance(1)
			depth++
		case c == ')':
			lx.advance(1)
			depth--
		case c == '"':
			s := &node{kind: kString, line: lx.line, col: lx.col}
			s.text = lx.stringBody(s)
			stringBytes(s) // checks escapes
		case c >= 0x80:
			if r, _ := utf8.DecodeRune(lx.src[lx.pos:]); r == utf8.RuneError {
				failAt(lx.line, lx.col, "malformed UTF-8 encoding")
			}
			failAt(lx.line, lx.col, "illegal character")
		case c < 0x20 || c == 0x7f:
			failAt(lx.line, lx.col, "illegal character")
		default:
			lx.advance(1)
		}
	}
}

// checkSeparated requires white space, a parenthesis or a comment after
// token n: `data"a"`, `"a""b"`, `"a"b` and `$"a"b` are malformed (reserved
// tokens, in the spec's terms).
func (lx *lexer) checkSeparated(n *node) {
	if lx.pos >= len(lx.src) {
		return
	}
	switch c := lx.src[lx.pos]; {
	case c == '"':
	case n.kind == kString || n.kind == kID:
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '(' || c == ')' || c == ';' {
			return
		}
	default:
		return
	}
	failAt(lx.line, lx.col, "unknown operator: tokens must be separated by white space")
}

// parseTree reads the whole source as a sequence of top-level nodes.
func parseTree(src []byte) []*node {
	lx := &lexer{src: src, line: 1, col: 1}
	var top []*node
	var stack []*node
	for {
		lx.skipSpace()
		if lx.pos >= len(lx.src) {
			break
		}
		switch lx.src[lx.pos] {
		case '(':
			if lx.peekAt(1) == '@' {
				lx.annotation()
				continue
			}
			if len(stack) >= maxDepth {
				failAt(lx.line, lx.col, "nesting too deep")
			}
			l := &node{kind: kList, line: lx.line, col: lx.col}
			lx.advance(1)
			if len(stack) == 0 {
				top = append(top, l)
			} else {
				p := stack[len(stack)-1]
				p.kids = append(p.kids, l)
			}
			stack = append(stack, l)
		case ')':
			if len(stack) == 0 {
				failAt(lx.line, lx.col, "unexpected token \")\"")
			}
			stack = stack[:len(stack)-1]
			lx.advance(1)
		default:
			t := lx.token()
			if len(stack) == 0 {
				top = append(top, t)
			} else {
				p := stack[len(stack)-1]
				p.kids = append(p.kids, t)
			}
		}
	}
	if len(stack) > 0 {
		l := stack[len(stack)-1]
		failAt(l.line, l.col, "unclosed parenthesis")
	}
	return top
}

// head is the keyword that starts list n, or "".
func head(n *node) string {
	if n.kind == kList && len(n.kids) > 0 && n.kids[0].kind == kKeyword {
		return n.kids[0].text
	}
	return ""
}

// describe names a node for error messages.
func describe(n *node) string {
	switch n.kind {
	case kList:
		if h := head(n); h != "" {
			return "(" + h + " ...)"
		}
		return "(...)"
	case kString:
		return "\"" + n.text + "\""
	}
	return n.text
}

// headLine is the line of list n's first token (wast2json numbers commands
// by their keyword's line), or of the list itself.
func headLine(n *node) int {
	if n.kind == kList && len(n.kids) > 0 {
		return n.kids[0].line
	}
	return n.line
}
