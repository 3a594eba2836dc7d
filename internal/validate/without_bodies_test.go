package validate

import (
	"testing"

	"github.com/moat-run/moat/internal/text"
)

// TestModuleWithoutBodies: a body that does not validate is not looked at;
// every module-level rule still holds.
func TestModuleWithoutBodies(t *testing.T) {
	badBody := `(module (func (result i32) (i64.const 1)))`
	m, err := text.ParseModule([]byte(badBody))
	if err != nil {
		t.Fatal(err)
	}
	if Module(m) == nil {
		t.Fatal("Module accepted a body of the wrong type")
	}
	if err := ModuleWithoutBodies(m); err != nil {
		t.Errorf("ModuleWithoutBodies checked the body: %v", err)
	}
	for _, bad := range []string{
		`(module (func) (export "f" (func 3)))`,
		`(module (global i32 (i64.const 0)))`,
		`(module (func) (start 5))`,
		`(module (table 1 funcref) (elem (i32.const 0) 7))`,
		`(module (func) (export "f" (func 0)) (export "f" (func 0)))`,
	} {
		m, err := text.ParseModule([]byte(bad))
		if err != nil {
			t.Fatalf("%s: %v", bad, err)
		}
		if ModuleWithoutBodies(m) == nil {
			t.Errorf("%s: accepted", bad)
		}
	}
}
