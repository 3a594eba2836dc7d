package wasm

import "testing"

func TestOpcodeTable(t *testing.T) {
	count := map[Opcode]int{}
	for _, prefix := range []Opcode{0, 0xFC00, 0xFD00} {
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
	// Wasm 2.0: 18 0xFC instructions and 236 fixed-width SIMD instructions.
	if count[0xFC00] != 18 || count[0xFD00] != 236 {
		t.Fatalf("0xFC ops = %d (want 18), 0xFD ops = %d (want 236)", count[0xFC00], count[0xFD00])
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
