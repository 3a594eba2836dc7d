package backend

import (
	"fmt"
	"strings"
)

// String prints the function in vcode text form: blocks with parameters,
// instructions as the target prints them (fmt's %v), successors with their
// arguments.
func (f *Func) String() string { return f.Print(nil) }

// Print prints f; with res, every instruction is followed by its operands'
// locations and preceded by the edits that run before it.
func (f *Func) Print(res *Result) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "function %s {\n", f.Name)
	var vis OperandVisitor
	for bi := range f.Blocks {
		b := &f.Blocks[bi]
		fmt.Fprintf(&sb, "%v%s:", BlockID(bi), vregList(b.Params))
		if b.Stub {
			sb.WriteString(" ; split edge")
		}
		sb.WriteByte('\n')
		for i := b.Start; i < b.End && i < len(f.Insts); i++ {
			if res != nil {
				for _, e := range res.EditsBefore(i) {
					fmt.Fprintf(&sb, "    %v\n", e)
				}
			}
			fmt.Fprintf(&sb, "    %v", f.Insts[i])
			if res != nil {
				vis.Reset()
				f.Insts[i].Operands(&vis)
				locs := res.OperandLocs(i)
				if len(locs) > 0 {
					sb.WriteString("  ;")
					for k, op := range vis.List() {
						if k < len(locs) {
							fmt.Fprintf(&sb, " %v=%v", op.VReg, locs[k])
						}
					}
				}
			}
			sb.WriteByte('\n')
		}
		if len(b.Succs) > 0 {
			sb.WriteString("    ; succs")
			for k, s := range b.Succs {
				fmt.Fprintf(&sb, " %v%s", s, vregList(b.SuccArgs[k]))
			}
			sb.WriteByte('\n')
		}
	}
	if res != nil {
		fmt.Fprintf(&sb, "; slots %d, callee-saved used %v, moves %d, spills %d, reloads %d, edge blocks %d\n",
			len(res.SlotClass), res.CalleeSavedUsed, res.Stats.Moves, res.Stats.Spills, res.Stats.Reloads, res.Stats.EdgeBlocks)
	}
	sb.WriteString("}\n")
	return sb.String()
}

func vregList(vs []VReg) string {
	if len(vs) == 0 {
		return ""
	}
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = v.String()
	}
	return "(" + strings.Join(parts, ", ") + ")"
}
