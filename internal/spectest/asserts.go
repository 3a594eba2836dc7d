package spectest

import (
	"errors"
	"fmt"
	"strings"

	"github.com/moat-run/moat"
	"github.com/moat-run/moat/internal/text"
	"github.com/moat-run/moat/internal/wasm"
)

// actionNeedsGC reports whether an action's module, or one of its
// arguments, needs garbage collection.
func (r *runner) actionNeedsGC(a *action) bool {
	if a == nil {
		return false
	}
	if r.instanceNeedsGC(a.Module) {
		return true
	}
	for _, v := range a.Args {
		if v.parsed != nil && v.parsed.needsGC {
			return true
		}
	}
	return false
}

func (r *runner) assertReturn(c *command) {
	var want []expectation
	gc := r.actionNeedsGC(c.Action)
	for _, v := range c.Expected {
		e, err := parseValue(v, true)
		if err != nil {
			r.fail("a well-formed expectation", "%v", err)
			return
		}
		gc = gc || e.needsGC
		want = append(want, e)
	}
	if gc {
		r.skipGC()
		return
	}
	got, err := r.act(c.Action)
	if err != nil {
		r.fail(describeExpected(c.Expected), "error: %v", err)
		return
	}
	n := 0
	for _, e := range want {
		n += e.numWords()
	}
	if len(got) != n {
		r.fail(describeExpected(c.Expected), "%d result words %v", len(got), got)
		return
	}
	w := 0
	for _, e := range want {
		k := e.numWords()
		if !r.match(e, got[w:w+k]) {
			r.fail(describeExpected(c.Expected), "%s", describeGot(c.Expected, got))
			return
		}
		w += k
	}
	r.pass()
}

// match compares result words with e, resolving references through the
// store: an expected host value by the externref's data, a wildcard by
// the value's type.
func (r *runner) match(e expectation, w []uint64) bool {
	if len(e.alts) > 0 {
		for _, a := range e.alts {
			if r.match(a, w) {
				return true
			}
		}
		return false
	}
	switch {
	case e.extern:
		v, ok := moat.ExternRefData(r.store, w[0])
		return ok && v == e.externN
	case e.wildcard != 0:
		return w[0] != 0 && r.store.RefHasType(w[0], moat.ValueType(wasm.RefType(false, e.wildcard)))
	}
	return e.match(w)
}

// argWords returns the call words of an argument; a host value becomes an
// externref of the store.
func (r *runner) argWords(e expectation) ([]uint64, error) {
	if len(e.alts) > 0 {
		return r.argWords(e.alts[0])
	}
	if e.extern {
		w, err := moat.NewExternRef(r.store, e.externN)
		return []uint64{w}, err
	}
	return e.words(), nil
}

func describeExpected(vs []value) string {
	if len(vs) == 0 {
		return "no results"
	}
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = v.String()
	}
	return strings.Join(parts, ", ")
}

func describeGot(vs []value, got []uint64) string {
	var parts []string
	w := 0
	for _, v := range vs {
		k := 1
		if v.Type == "v128" {
			k = 2
		}
		parts = append(parts, formatResult(v.Type, v.LaneType, got[w:w+k]))
		w += k
	}
	return strings.Join(parts, ", ")
}

// trapMatches checks a trap against the reference interpreter's message:
// the expected text must begin with our code's message (the spec's
// wording), e.g. "uninitialized element 2" with "uninitialized element".
func trapMatches(t *moat.Trap, text string) bool {
	return strings.HasPrefix(text, t.Code.String())
}

func (r *runner) assertTrap(c *command) {
	if r.actionNeedsGC(c.Action) {
		r.skipGC()
		return
	}
	_, err := r.act(c.Action)
	var trap *moat.Trap
	if !errors.As(err, &trap) {
		r.fail(fmt.Sprintf("trap %q", c.Text), "%s", describeErr(err))
		return
	}
	if c.Type == "assert_exhaustion" && trap.Code != moat.TrapStackExhausted {
		r.fail(fmt.Sprintf("trap %q", c.Text), "trap %q (code %d)", trap.Message, trap.Code)
		return
	}
	if !trapMatches(trap, c.Text) {
		r.fail(fmt.Sprintf("trap %q", c.Text), "trap %q", trap.Code.String())
		return
	}
	r.pass()
}

// assertException checks that the action ends with an uncaught exception.
func (r *runner) assertException(c *command) {
	if r.actionNeedsGC(c.Action) {
		r.skipGC()
		return
	}
	_, err := r.act(c.Action)
	var exn *moat.Exception
	if !errors.As(err, &exn) {
		r.fail("an uncaught exception", "%s", describeErr(err))
		return
	}
	r.pass()
}

func describeErr(err error) string {
	if err == nil {
		return "success"
	}
	return fmt.Sprintf("error %T: %v", err, err)
}

func (r *runner) assertRejected(c *command) {
	if c.ModuleType == "text" && c.load == nil {
		// A JSON script's .wat file: wast2json's output is judged on the
		// binary format alone; the .wast runner tests the text format.
		r.res.Skipped++
		return
	}
	want := moat.Malformed
	if c.Type == "assert_invalid" {
		want = moat.Invalid
	}
	expected := fmt.Sprintf("a %s module (%q)", want, c.Text)
	_, err := r.compile(c)
	if needsGC(err) {
		r.skipGC()
		return
	}
	// A script module's own text (or quoted binary) can be malformed
	// before the engine sees it.
	var te *text.Error
	var we *wasm.Error
	switch {
	case errors.As(err, &te):
		if want != moat.Malformed {
			r.fail(expected, "text-format error %v", te)
			return
		}
		r.pass()
		return
	case errors.As(err, &we):
		if moat.CompileErrorKind(we.Kind) != want {
			r.fail(expected, "%v", we)
			return
		}
		r.pass()
		return
	}
	var ce *moat.CompileError
	if !errors.As(err, &ce) {
		r.fail(expected, "%s", describeErr(err))
		return
	}
	if ce.Kind != want {
		r.fail(expected, "%v", ce)
		return
	}
	r.pass()
}

func (r *runner) assertNotInstantiated(c *command) {
	expected := fmt.Sprintf("a link error (%q)", c.Text)
	if c.Type == "assert_uninstantiable" {
		expected = fmt.Sprintf("a trap during instantiation (%q)", c.Text)
	}
	m, err := r.compile(c)
	if needsGC(err) {
		r.skipGC()
		return
	}
	if err != nil {
		r.fail(expected, "compile error: %v", err)
		return
	}
	_, err = r.linker.Instantiate(r.ctx, r.store, m)
	if c.Type == "assert_unlinkable" {
		var le *moat.LinkError
		if !errors.As(err, &le) {
			r.fail(expected, "%s", describeErr(err))
			return
		}
		r.pass()
		return
	}
	var exn *moat.Exception
	if errors.As(err, &exn) {
		r.pass() // an exception from the start function also fails instantiation
		return
	}
	var trap *moat.Trap
	if !errors.As(err, &trap) {
		r.fail(expected, "%s", describeErr(err))
		return
	}
	if !trapMatches(trap, c.Text) {
		r.fail(expected, "trap %q", trap.Code.String())
		return
	}
	r.pass()
}
