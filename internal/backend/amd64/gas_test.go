package amd64

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// gasExceptions lists golden lines where GNU as picks a different but
// equivalent encoding; none are known yet. Key: the golden text.
var gasExceptions = map[string]string{}

// TestGoldenAgainstGNUAs assembles the golden file's text with GNU as and
// compares its bytes with ours, line by line. Each line is preceded by its
// own global label, which also serves as the line's branch target (.L1 in
// the golden text), so objdump's per-symbol listing maps bytes to lines.
func TestGoldenAgainstGNUAs(t *testing.T) {
	as, err1 := exec.LookPath("as")
	objdump, err2 := exec.LookPath("objdump")
	if err1 != nil || err2 != nil {
		t.Skip("GNU as/objdump not installed; skipping the cross-check")
	}
	data, err := os.ReadFile(goldenPath)
	if err != nil {
		t.Fatal(err)
	}
	type line struct {
		no         int
		text, want string
	}
	var lines []line
	var src strings.Builder
	src.WriteString(".text\n")
	for i, l := range strings.Split(string(data), "\n") {
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		cut := strings.Index(l, "  ")
		if cut < 0 {
			t.Fatalf("golden line %d has no bytes: %q", i+1, l)
		}
		text, hexBytes := l[:cut], strings.TrimSpace(l[cut:])
		sym := fmt.Sprintf("g%d", len(lines))
		lines = append(lines, line{no: i + 1, text: text, want: hexBytes})
		asText := strings.ReplaceAll(text, ".L1", sym)
		if strings.HasPrefix(asText, "j") && strings.Contains(asText, sym) {
			asText = "{disp32} " + asText // keep the rel32 form the golden test uses
		}
		fmt.Fprintf(&src, "%s:\n\t%s\n", sym, asText)
	}

	dir := t.TempDir()
	srcPath, objPath := filepath.Join(dir, "golden.s"), filepath.Join(dir, "golden.o")
	if err := os.WriteFile(srcPath, []byte(src.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(as, "--64", "-msyntax=intel", "-mnaked-reg", "-o", objPath, srcPath).CombinedOutput(); err != nil {
		t.Fatalf("as failed: %v\n%s", err, out)
	}
	got, err := objdumpBySymbol(objdump, objPath)
	if err != nil {
		t.Fatal(err)
	}
	mismatches := 0
	for i, l := range lines {
		g := got[fmt.Sprintf("g%d", i)]
		if g == l.want {
			continue
		}
		if why, ok := gasExceptions[l.text]; ok {
			t.Logf("%s:%d: %s: as gives %s, we give %s (%s)", goldenPath, l.no, l.text, g, l.want, why)
			continue
		}
		t.Errorf("%s:%d: %-44s as: %-30s ours: %s", goldenPath, l.no, l.text, g, l.want)
		if mismatches++; mismatches > 40 {
			t.Fatal("too many mismatches")
		}
	}
	t.Logf("%d golden lines cross-checked against GNU as", len(lines))
}

var (
	objdumpSym  = regexp.MustCompile(`^[0-9a-f]+ <([^>]+)>:$`)
	objdumpInst = regexp.MustCompile(`^\s*[0-9a-f]+:\t([0-9a-f ]+?)\s*(\t.*)?$`)
)

// objdumpBySymbol disassembles an object file and returns, per symbol, the
// bytes of the code under it as space-separated hex.
func objdumpBySymbol(objdump, path string) (map[string]string, error) {
	out, err := exec.Command(objdump, "-d", "-z", "-M", "intel", "--insn-width=16", path).Output()
	if err != nil {
		return nil, fmt.Errorf("objdump: %v", err)
	}
	res := map[string]string{}
	var cur string
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		l := sc.Text()
		if m := objdumpSym.FindStringSubmatch(l); m != nil {
			cur = m[1]
			continue
		}
		if m := objdumpInst.FindStringSubmatch(l); m != nil && cur != "" {
			if res[cur] != "" {
				res[cur] += " "
			}
			res[cur] += strings.TrimSpace(m[1])
		}
	}
	return res, sc.Err()
}
