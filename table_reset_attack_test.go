package moat_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/moat-run/moat"
)

// tableWat is a module with a 4-element funcref table (up to 64) of the
// spy's type, body in between, and the functions that look into the
// table: probe calls an element, isnull tests it, grow adds 20 nulls.
func tableWat(body string) string {
	return `(module
  (type $t (func (result i32)))
  (table (export "tab") 4 64 funcref)` + body + `
  (func (export "probe") (param i32) (result i32)
    (call_indirect (type $t) (local.get 0)))
  (func (export "isnull") (param i32) (result i32)
    (ref.is_null (table.get (local.get 0))))
  (func (export "grow") (result i32)
    (table.grow (ref.null func) (i32.const 20))))`
}

// tableSpyWat leaves references to its secret function in every element
// of its table it can reach: an element segment, table.fill, table.set,
// and elements it grows, up to 24 of 64.
var tableSpyWat = tableWat(`
  (func $secret (export "secret") (result i32) (i32.const 0x5ec7e7))
  (elem (i32.const 0) func $secret)
  (func (export "spray")
    (drop (table.grow (ref.func $secret) (i32.const 20)))
    (table.fill (i32.const 1) (ref.func $secret) (i32.const 3))
    (table.set (i32.const 23) (ref.func $secret)))`)

// tableVictimWat is another module with a table of the spy's type and
// size and nothing in it: what it finds there, before and after growing,
// is the last tenant's if anything.
var tableVictimWat = tableWat("")

// A table's elements are kept with its instance's state from one store to
// the next (PoolingConfig.TableKeepResident) and cleared when its store
// closes: a reference the last tenant left there, through its element
// segment, table.fill, table.set, grown elements or the host's Table.Set,
// is never callable, nor even readable, by the next tenant, whether the
// next one is another module or the spy's own module (whose descriptors
// are recycled too, so a stale element would call the new instance's
// function): every element reads null and call_indirect traps, before and
// after growing the table again; on both engines, in each bounds-check
// mode, keeping the default, none, less than the table and more.
func TestTableResetAttack(t *testing.T) {
	ctx := context.Background()
	for _, keep := range []int64{0, -1, 8 * 4, 1 << 20} {
		pc := moat.PoolingConfig{TotalMemories: 1, MaxMemorySize: 1 << 20, TableKeepResident: keep}
		t.Run(fmt.Sprintf("keep=%d", keep), func(t *testing.T) {
			poolingModes(t, pc, func(t *testing.T, e *moat.Engine) {
				spy, other := prepare(t, e, tableSpyWat), prepare(t, e, tableVictimWat)
				for round := range 3 {
					for _, v := range []struct {
						name  string
						pre   *moat.InstancePre
						first uint32 // elements below are the module's own
					}{{"another module", other, 0}, {"the spy's module", spy, 1}} {
						s := moat.NewStore(e)
						inst := instantiateIn(t, ctx, s, spy)
						if _, err := inst.Func("spray").Call(ctx); err != nil {
							t.Fatal(err)
						}
						tab := inst.Table("tab")
						secret := inst.Func("secret").Ref()
						for _, i := range []uint32{2, 10, 22} {
							if err := tab.Set(i, secret); err != nil {
								t.Fatal(err)
							}
						}
						s.Close()
						tableVictim(t, ctx, e, v.pre, v.first, fmt.Sprintf("%s, round %d", v.name, round))
					}
				}
			})
		})
	}
}

// tableVictim instantiates pre and checks that every element of its table
// from first on is null, before and after growing it by 20, from the
// guest's side (table.get, call_indirect) and the host's (Table.Get).
func tableVictim(t *testing.T, ctx context.Context, e *moat.Engine, pre *moat.InstancePre, first uint32, what string) {
	t.Helper()
	s := moat.NewStore(e)
	defer s.Close()
	inst := instantiateIn(t, ctx, s, pre)
	check := func(n uint32) {
		t.Helper()
		for i := first; i < n; i++ {
			if got, err := inst.Func("isnull").Call(ctx, uint64(i)); err != nil || got[0] != 1 {
				t.Fatalf("%s: element %d is not null (%v, %v)", what, i, got, err)
			}
			if w, err := inst.Table("tab").Get(i); err != nil || w != 0 {
				t.Fatalf("%s: the host reads element %d as %#x (%v), want null", what, i, w, err)
			}
			got, err := inst.Func("probe").Call(ctx, uint64(i))
			var trap *moat.Trap
			if !errors.As(err, &trap) || trap.Code != moat.TrapUninitializedElement {
				t.Fatalf("%s: call_indirect of element %d gave %v, %v; want the uninitialized-element trap", what, i, got, err)
			}
		}
	}
	check(4)
	if got, err := inst.Func("grow").Call(ctx); err != nil || got[0] != 4 {
		t.Fatalf("%s: table.grow gave %v, %v; want 4", what, got, err)
	}
	check(24)
}
