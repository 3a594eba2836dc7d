package text

// cursor walks the children of a list.
type cursor struct {
	list *node
	kids []*node
	i    int
}

func newCursor(list *node, from int) *cursor {
	c := &cursor{list: list}
	if from < len(list.kids) {
		c.kids = list.kids[from:]
	}
	return c
}

func (c *cursor) done() bool { return c.i >= len(c.kids) }

// peek returns the next node without consuming it, or nil at the end.
func (c *cursor) peek() *node {
	if c.done() {
		return nil
	}
	return c.kids[c.i]
}

// next consumes the next node; running out is an error.
func (c *cursor) next() *node {
	if c.done() {
		c.failEnd()
	}
	n := c.kids[c.i]
	c.i++
	return n
}

// failEnd reports a list that ended too soon, at its start.
func (c *cursor) failEnd() {
	failNode(c.list, "unexpected token \")\": %s ended too soon", describe(c.list))
}

// end requires that nothing is left.
func (c *cursor) end() {
	if n := c.peek(); n != nil {
		failNode(n, "unexpected token %s", describe(n))
	}
}

// optID consumes an identifier if one is next.
func (c *cursor) optID() *node {
	if n := c.peek(); n != nil && n.kind == kID {
		c.i++
		return n
	}
	return nil
}

// peekList reports whether the next node is a list headed by keyword h.
func (c *cursor) peekList(h string) bool {
	n := c.peek()
	return n != nil && head(n) == h
}

// peekKeyword reports whether the next node is keyword k.
func (c *cursor) peekKeyword(k string) bool {
	n := c.peek()
	return n != nil && n.kind == kKeyword && n.text == k
}

// keyword consumes the keyword k or fails.
func (c *cursor) keyword(k string) *node {
	n := c.next()
	if n.kind != kKeyword || n.text != k {
		failNode(n, "unexpected token %s, expected %s", describe(n), k)
	}
	return n
}

// isIndex reports whether n can be an index: a number or an identifier.
func isIndex(n *node) bool {
	if n == nil {
		return false
	}
	if n.kind == kID {
		return true
	}
	return n.kind == kAtom && n.text != "" && n.text[0] >= '0' && n.text[0] <= '9'
}
