package spectest

import (
	"context"

	"github.com/moat-run/moat"
)

// defineSpectest defines the spec suite's "spectest" host module: print
// functions that do nothing, four constant globals, two tables (32- and
// 64-bit) and a memory.
func defineSpectest(s *moat.Store, l *moat.Linker) error {
	nop := func(context.Context, *moat.Caller, []uint64) error { return nil }
	prints := []struct {
		name   string
		params []moat.ValueType
	}{
		{"print", nil},
		{"print_i32", []moat.ValueType{moat.ValueI32}},
		{"print_i64", []moat.ValueType{moat.ValueI64}},
		{"print_f32", []moat.ValueType{moat.ValueF32}},
		{"print_f64", []moat.ValueType{moat.ValueF64}},
		{"print_i32_f32", []moat.ValueType{moat.ValueI32, moat.ValueF32}},
		{"print_f64_f64", []moat.ValueType{moat.ValueF64, moat.ValueF64}},
	}
	for _, p := range prints {
		if err := l.DefineHostFunc("spectest", p.name, moat.FuncType{Params: p.params}, nop); err != nil {
			return err
		}
	}
	globals := []struct {
		name string
		typ  moat.ValueType
		val  uint64
	}{
		{"global_i32", moat.ValueI32, moat.EncodeI32(666)},
		{"global_i64", moat.ValueI64, moat.EncodeI64(666)},
		{"global_f32", moat.ValueF32, moat.EncodeF32(666.6)},
		{"global_f64", moat.ValueF64, moat.EncodeF64(666.6)},
	}
	for _, g := range globals {
		gl, err := moat.NewGlobal(s, moat.GlobalType{Value: g.typ}, g.val)
		if err != nil {
			return err
		}
		if err := l.Define("spectest", g.name, gl); err != nil {
			return err
		}
	}
	tab, err := moat.NewTable(s, moat.TableType{Elem: moat.ValueFuncRef, Limits: moat.Limits{Min: 10, Max: 20, HasMax: true}}, 0)
	if err != nil {
		return err
	}
	if err := l.Define("spectest", "table", tab); err != nil {
		return err
	}
	tab64, err := moat.NewTable(s, moat.TableType{Elem: moat.ValueFuncRef, Limits: moat.Limits{Min: 10, Max: 20, HasMax: true}, Is64: true}, 0)
	if err != nil {
		return err
	}
	if err := l.Define("spectest", "table64", tab64); err != nil {
		return err
	}
	mem, err := moat.NewMemory(s, moat.MemoryType{Limits: moat.Limits{Min: 1, Max: 2, HasMax: true}})
	if err != nil {
		return err
	}
	return l.Define("spectest", "memory", mem)
}
