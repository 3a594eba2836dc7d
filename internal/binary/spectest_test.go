package binary

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moat-run/moat/internal/testsuite"
	"github.com/moat-run/moat/internal/wasm"
)

type specCommand struct {
	Type       string `json:"type"`
	Line       int    `json:"line"`
	Filename   string `json:"filename"`
	Text       string `json:"text"`
	ModuleType string `json:"module_type"`
}

func TestSpecSuite(t *testing.T) {
	files := testsuite.SpecScripts(t)
	counts := map[string]int{}
	textMismatch := 0
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Commands []specCommand `json:"commands"`
		}
		if err := json.Unmarshal(raw, &doc); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, c := range doc.Commands {
			if c.Filename == "" || !strings.HasSuffix(c.Filename, ".wasm") {
				continue
			}
			where := filepath.Base(f) + ":" + itoa(c.Line) + " " + c.Filename
			b, err := os.ReadFile(filepath.Join(filepath.Dir(f), c.Filename))
			if err != nil {
				t.Fatal(err)
			}
			// The 2.0 suite, read as 2.0: every 3.0 feature off.
			_, derr := DecodeFeatures(b, wasm.AllFeatures)
			sameAsDecode(t, where, b, wasm.AllFeatures)
			sameAsDecode(t, where+", 3.0", b, 0)
			switch c.Type {
			case "module", "assert_invalid", "assert_unlinkable", "assert_uninstantiable":
				if derr != nil {
					t.Errorf("%s (%s): decode failed: %v", where, c.Type, derr)
					continue
				}
			case "assert_malformed":
				if derr == nil {
					t.Errorf("%s: decoded, want malformed %q", where, c.Text)
					continue
				}
				var we *wasm.Error
				if !errors.As(derr, &we) || we.Kind != wasm.Malformed {
					t.Errorf("%s: got %v, want a Malformed *wasm.Error", where, derr)
					continue
				}
				if !strings.Contains(we.Msg, c.Text) {
					textMismatch++
					t.Logf("%s: message %q, spec says %q", where, we.Msg, c.Text)
				}
			default:
				continue
			}
			counts[c.Type]++
		}
	}
	t.Logf("spec suite: %d files; passed module=%d assert_malformed(binary)=%d assert_invalid=%d assert_unlinkable=%d assert_uninstantiable=%d; malformed with different wording: %d",
		len(files), counts["module"], counts["assert_malformed"], counts["assert_invalid"],
		counts["assert_unlinkable"], counts["assert_uninstantiable"], textMismatch)
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}
