package stress

import "testing"

// The shapes are as small per repetition as their docs say, and the
// results' reference functions follow the code they describe.
func TestShapeSizes(t *testing.T) {
	for _, tt := range []struct {
		name     string
		wasm     []byte
		min, max int
	}{
		{"IfChain(1000)", IfChain(1000), 9000, 9100},
		{"NestedBlocks(1000)", NestedBlocks(1000), 3000, 3100},
		{"BrTable(1000)", BrTable(1000), 1000, 1100},
		{"ManyLocals(50000)", ManyLocals(50000), 30, 50},
		{"SelectChain(1000)", SelectChain(1000), 5000, 7100},
		{"BrTableDepths(100, 1000)", BrTableDepths(100, 1000), 1600, 1700},
		{"Globals(1000)", Globals(1000), 5000, 5100},
		{"ElemFuncs(1000)", ElemFuncs(1000), 1000, 1100},
		{"ElemExprs(1000)", ElemExprs(1000), 3000, 3100},
		{"ElemNulls(1000)", ElemNulls(1000), 3000, 3100},
		{"ElemGlobalGets(1000)", ElemGlobalGets(1000), 3000, 3100},
		{"ElemTypedFuncs(1000)", ElemTypedFuncs(1000), 3000, 3100},
		{"ElemI31s(1000)", ElemI31s(1000), 5000, 5100},
		{"ElemStructs(1000)", ElemStructs(1000), 4000, 4100},
		{"Tables(10, 1_000_000)", Tables(10, 1_000_000), 50, 70},
	} {
		if n := len(tt.wasm); n < tt.min || n > tt.max {
			t.Errorf("%s is %d bytes, want %d-%d", tt.name, n, tt.min, tt.max)
		}
	}
	if got := IfChainResult(70, 5); got != 69&62+1 {
		t.Errorf("IfChainResult(70, 5) = %d, want %d", got, 69&62+1)
	}
	if got := IfChainResult(70, 0); got != 0 {
		t.Errorf("IfChainResult(70, 0) = %d, want 0", got)
	}
	if got := SelectChainResult(70, 0); got != 69&63 {
		t.Errorf("SelectChainResult(70, 0) = %d, want %d", got, 69&63)
	}
	if got := BrTableDepthsResult(10, 25, 3); got != 7 {
		t.Errorf("BrTableDepthsResult(10, 25, 3) = %d, want 7 (a branch out of depth 3)", got)
	}
	if got := BrTableDepthsResult(10, 25, 99); got != 5 {
		t.Errorf("BrTableDepthsResult(10, 25, 99) = %d, want 5 (the default, depth 25%%10)", got)
	}
	if got := SelectChainResult(70, 9); got != 9 {
		t.Errorf("SelectChainResult(70, 9) = %d, want 9", got)
	}
}
