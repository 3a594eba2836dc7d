package wasm

import "testing"

func TestOpcodeTable(t *testing.T) {
	count := map[Opcode]int{}
	for _, prefix := range []Opcode{0, 0x100, 0xFB00, 0xFC00, 0xFD00} {
		for i := Opcode(0); i < 256; i++ {
			if prefix == 0 && (i == 0xFC || i == 0xFD) {
				continue
			}
			if info := (prefix | i).Info(); info != nil {
				count[prefix]++
				if !info.Special && info.Params == nil && info.Results == nil && info.Imm != ImmData && info.Imm != ImmElem && info.Imm != ImmNone {
					t.Errorf("%s: no signature", info.Name)
				}
			}
		}
	}
	// Wasm 3.0: 18 0xFC instructions, 236 fixed-width SIMD instructions,
	// 20 relaxed SIMD ones and 31 of garbage collection.
	if count[0xFC00] != 18 || count[0xFD00] != 236 || count[0x100] != 20 || count[0xFB00] != 31 {
		t.Fatalf("0xFC ops = %d (want 18), 0xFD ops = %d (want 236), relaxed %d (want 20), 0xFB ops %d (want 31)",
			count[0xFC00], count[0xFD00], count[0x100], count[0xFB00])
	}
	if OpI32Add.String() != "i32.add" || OpF64x2ConvertLowI32x4U != 0xFDFF || Opcode(0xFD9A).Info() != nil {
		t.Fatal("opcode table disagrees with the spec encoding")
	}
}

func TestFuncTypeKey(t *testing.T) {
	a := FuncType{Params: []ValType{I32, I64}, Results: []ValType{F32}}
	b := FuncType{Params: []ValType{I32}, Results: []ValType{I64, F32}}
	c := FuncType{Params: []ValType{I32, I64}, Results: []ValType{F32}}
	if a.Equal(&b) || !a.Equal(&c) {
		t.Fatal("FuncType equality must be structural and respect the params/results split")
	}
	if got := a.String(); got != "(i32, i64) -> (f32)" {
		t.Fatalf("String() = %q", got)
	}
}

func TestPrefixedOpcodes(t *testing.T) {
	for _, c := range []struct {
		op     Opcode
		prefix byte
		sub    uint32
	}{
		{OpI32Add, 0, 0x6a},
		{OpI32TruncSatF32S, 0xFC, 0},
		{OpF64x2ConvertLowI32x4U, 0xFD, 0xff},
		{OpI8x16RelaxedSwizzle, 0xFD, 0x100},
		{OpI32x4RelaxedDotI8x16I7x16AddS, 0xFD, 0x113},
		{OpStructNew, 0xFB, 0},
		{OpI31GetU, 0xFB, 30},
	} {
		if c.op.Prefix() != c.prefix || c.op.Sub() != c.sub {
			t.Errorf("%s: prefix %#x sub %#x, want %#x %#x", c.op, c.op.Prefix(), c.op.Sub(), c.prefix, c.sub)
		}
		if c.prefix != 0 {
			if op, ok := PrefixedOpcode(c.prefix, c.sub); !ok || op != c.op {
				t.Errorf("PrefixedOpcode(%#x, %#x) = %s, %v", c.prefix, c.sub, op, ok)
			}
		}
	}
	if _, ok := PrefixedOpcode(0xFC, 0x100); ok {
		t.Error("0xFC sub-opcodes stop at 0xff")
	}
	if _, ok := PrefixedOpcode(0xFD, 0x200); ok {
		t.Error("0xFD sub-opcodes stop at 0x1ff")
	}
}

func TestOpcodeFeatures(t *testing.T) {
	for op, want := range map[Opcode]Features{
		OpI32Add: 0, OpMemoryGrow: 0, OpSelectT: 0,
		OpReturnCall: FeatureTailCall, OpReturnCallRef: FeatureTailCall,
		OpCallRef: FeatureFunctionReferences, OpBrOnNonNull: FeatureFunctionReferences,
		OpThrow: FeatureExceptions, OpTryTable: FeatureExceptions,
		OpRefEq: FeatureGC, OpArrayLen: FeatureGC,
		OpF32x4RelaxedMadd: FeatureRelaxedSIMD,
	} {
		if got := op.Feature(); got != want {
			t.Errorf("%s: feature %s, want %s", op, got, want)
		}
	}
}
