package vm

import (
	"testing"

	"github.com/moat-run/moat/internal/wasm"
)

// A segment's compact items (wasm.ElemSegment.Funcs) serve as FuncRefs'
// indices as they are: their null is FuncRefs' null.
func TestNullItemIsNullFuncItem(t *testing.T) {
	if NullItem != wasm.NullFuncItem {
		t.Fatalf("NullItem %#x, wasm.NullFuncItem %#x", NullItem, wasm.NullFuncItem)
	}
}
