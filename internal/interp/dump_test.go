package interp

import (
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
)

// opNames reads the opcode names from ops.go, for dumps in tests.
func opNames(t testing.TB) []string {
	src, err := os.ReadFile("ops.go")
	if err != nil {
		t.Fatal(err)
	}
	s := string(src)
	s = "\t" + s[strings.Index(s, "opInvalid uint16 = iota"):]
	var names []string
	for _, line := range strings.Split(s, "\n") {
		if m := regexp.MustCompile(`^\t(op\w+|numOps)`).FindStringSubmatch(line); m != nil {
			names = append(names, m[1])
		}
	}
	return names
}

func dumpCode(t testing.TB, fc *funcCode) string {
	names := opNames(t)
	var b strings.Builder
	fmt.Fprintf(&b, "func %d: params %d locals %d frame %d\n", fc.index, fc.paramSlots, fc.localSlots, fc.frameSize)
	for i, in := range fc.instrs {
		fmt.Fprintf(&b, "%4d %-16s a=%d b=%d c=%d imm=%d\n", i, names[in.op], in.a, in.b, in.c, int64(in.imm))
	}
	return b.String()
}

func TestDump(t *testing.T) {
	name := os.Getenv("MOAT_DUMP")
	if name == "" {
		t.Skip("set MOAT_DUMP=module to print its translated code")
	}
	m := loadModule(t, name)
	code, err := New(Config{}).Compile(m)
	if err != nil {
		t.Fatal(err)
	}
	for _, fc := range code.(*moduleCode).funcs {
		t.Log("\n" + dumpCode(t, fc))
	}
}
