package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/moat-run/moat/internal/binary"
	"github.com/moat-run/moat/internal/validate"
	"github.com/moat-run/moat/internal/wasm"
)

const inspectUsage = `Usage: moat inspect [--asm FUNC] [-O KEY=VALUE]... MODULE

Prints the module's sections (id, name, offset of the contents, size in
bytes), its imports and exports with their types, and a count of what it
defines. Works on any module the decoder accepts, valid or not; a module
that does not decode prints the error and exits 1.

On an artifact from 'moat compile', prints its header instead (the moat
build, processor and configuration it was made for, its sections and its
signer) after checking its digest, and whether this moat could load it
with the -O options of moat run (signals-based-traps=n: in an engine with
explicit bounds checks).

With --asm FUNC (a function index, or a name from the name section or the
exports), prints instead that function's optimised SSA and the amd64
assembly the compiler makes of it, with the -O options of moat run
(signals-based-traps=n shows the explicit bounds checks that guard pages
make unnecessary). The module must validate.
`

func inspectCommand(args []string, stdout, stderr io.Writer) int {
	asmFunc := ""
	var opts runOptions
	var modules []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case isHelpFlag(a):
			fmt.Fprint(stdout, inspectUsage)
			return exitOK
		case a == "--asm" || a == "-asm":
			if i+1 >= len(args) {
				return usageError(stderr, "inspect", "--asm needs a function")
			}
			i++
			asmFunc = args[i]
		case strings.HasPrefix(a, "--asm=") || strings.HasPrefix(a, "-asm="):
			_, asmFunc, _ = strings.Cut(a, "=")
			if asmFunc == "" {
				return usageError(stderr, "inspect", "--asm needs a function")
			}
		case a == "-O" || strings.HasPrefix(a, "-O="):
			value, ok := strings.CutPrefix(a, "-O=")
			if !ok {
				if i+1 >= len(args) {
					return usageError(stderr, "inspect", "-O needs KEY=VALUE")
				}
				i++
				value = args[i]
			}
			if err := applyOptions(&opts, "-O", codegenOptions, value); err != nil {
				return usageError(stderr, "inspect", "%v", err)
			}
		case strings.HasPrefix(a, "-") && a != "-":
			return usageError(stderr, "inspect", "unknown flag %s", a)
		default:
			modules = append(modules, a)
		}
	}
	if len(modules) != 1 {
		return usageError(stderr, "inspect", "expected exactly one MODULE, got %d argument(s)", len(modules))
	}
	args = modules
	path := args[0]
	if precompiled, _, _ := peekArtifact(path); precompiled && asmFunc == "" {
		return inspectArtifact(stdout, stderr, path, opts.config)
	}
	file, err := readModule(path)
	if err != nil {
		fmt.Fprintf(stderr, "moat inspect: %v\n", err)
		return exitFailure
	}
	m, err := decodeModule(file.bin)
	if err != nil {
		fmt.Fprintf(stderr, "moat inspect: %s: %v\n", path, err)
		return exitFailure
	}
	if asmFunc != "" {
		return inspectAsm(stdout, stderr, file, m, asmFunc, opts.config)
	}
	writeInspection(stdout, path, len(file.bin), m)
	if err := validateModule(m); err != nil {
		fmt.Fprintf(stdout, "\nnote: the module decodes but does not validate: %s\n", file.describe(err))
	}
	return exitOK
}

// decodeModule and validateModule turn a decoder panic, which would be a bug,
// into an error so inspecting a hostile file never crashes the command.
func decodeModule(b []byte) (m *wasm.Module, err error) {
	defer func() {
		if r := recover(); r != nil {
			m, err = nil, fmt.Errorf("internal error while decoding: %v", r)
		}
	}()
	return binary.Decode(b)
}

func validateModule(m *wasm.Module) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("internal error while validating: %v", r)
		}
	}()
	return validate.Module(m)
}

func writeInspection(w io.Writer, path string, size int, m *wasm.Module) {
	fmt.Fprintf(w, "module %s: %d bytes", path, size)
	if m.Names.Module != "" {
		fmt.Fprintf(w, ", name $%s", m.Names.Module)
	}
	fmt.Fprintln(w)

	fmt.Fprintf(w, "\nsections (%d):\n", len(m.Sections))
	tw := newTable(w)
	fmt.Fprintln(tw, "  id\tname\toffset\tsize")
	for _, s := range m.Sections {
		name := s.Name
		if s.ID == 0 {
			name = fmt.Sprintf("custom %q", s.Name)
		}
		fmt.Fprintf(tw, "  %d\t%s\t0x%x\t%d\n", s.ID, name, s.Offset, s.Size)
	}
	tw.Flush()

	fmt.Fprintf(w, "\nimports (%d):\n", len(m.Imports))
	if len(m.Imports) > 0 {
		tw = newTable(w)
		fmt.Fprintln(tw, "  module\tname\tkind\ttype")
		for _, im := range m.Imports {
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", quote(im.Module), quote(im.Name), im.Kind, importType(m, im))
		}
		tw.Flush()
	}

	fmt.Fprintf(w, "\nexports (%d):\n", len(m.Exports))
	if len(m.Exports) > 0 {
		tw = newTable(w)
		fmt.Fprintln(tw, "  name\tkind\tindex\ttype")
		for _, ex := range m.Exports {
			fmt.Fprintf(tw, "  %s\t%s\t%d\t%s\n", quote(ex.Name), ex.Kind, ex.Index, exportType(m, ex))
		}
		tw.Flush()
	}

	fmt.Fprintf(w, "\ndefines: %d types, %d functions, %d tables, %d memories, %d globals, %d element and %d data segments",
		len(m.Types), len(m.Funcs), len(m.Tables), len(m.Memories), len(m.Globals), len(m.Elems), len(m.Datas))
	if m.HasStart {
		fmt.Fprintf(w, "; start function %d", m.Start)
		if n := m.FuncName(m.Start); n != "" {
			fmt.Fprintf(w, " ($%s)", n)
		}
	}
	fmt.Fprintln(w)
}

func newTable(w io.Writer) *tabwriter.Writer {
	return tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
}

// quote shows a name as is when it is plain, else Go-quoted, so that odd
// bytes in import and export names cannot garble the table.
func quote(s string) string {
	if s == "" {
		return `""`
	}
	for _, r := range s {
		if r <= ' ' || r == 0x7f || r == '"' || r == '\\' || r == '\t' || r == 0xfffd {
			return fmt.Sprintf("%q", s)
		}
	}
	return s
}

func importType(m *wasm.Module, im wasm.Import) string {
	switch im.Kind {
	case wasm.ExternFunc:
		if ft := m.FuncType(im.Func); ft != nil {
			return funcTypeText(ft)
		}
		return fmt.Sprintf("(func (type %d))  ; no such type", im.Func)
	case wasm.ExternTable:
		return tableTypeText(im.Table)
	case wasm.ExternMemory:
		return memoryTypeText(im.Memory)
	case wasm.ExternGlobal:
		return globalTypeText(im.Global)
	case wasm.ExternTag:
		if ft := m.FuncType(im.Tag.Type); ft != nil {
			return "(tag " + funcTypeText(ft) + ")"
		}
	}
	return "?"
}

// exportType looks the export's index up in its index space; an out-of-range
// index (invalid, but decodable) is shown rather than rejected.
func exportType(m *wasm.Module, ex wasm.Export) string {
	switch ex.Kind {
	case wasm.ExternFunc:
		t := m.FuncTypeOf(ex.Index)
		if t == nil {
			return "(func)  ; no such function"
		}
		s := funcTypeText(t)
		if n := m.FuncName(ex.Index); n != "" {
			s += "  ; $" + n
		}
		return s
	case wasm.ExternTable:
		if t, ok := nthImport(m, wasm.ExternTable, ex.Index); ok {
			return tableTypeText(t.Table)
		}
		if i := ex.Index - m.NumImportedTables; ex.Index >= m.NumImportedTables && int(i) < len(m.Tables) {
			return tableTypeText(m.Tables[i].Type)
		}
	case wasm.ExternMemory:
		if t, ok := nthImport(m, wasm.ExternMemory, ex.Index); ok {
			return memoryTypeText(t.Memory)
		}
		if i := ex.Index - m.NumImportedMemories; ex.Index >= m.NumImportedMemories && int(i) < len(m.Memories) {
			return memoryTypeText(m.Memories[i])
		}
	case wasm.ExternGlobal:
		if t, ok := nthImport(m, wasm.ExternGlobal, ex.Index); ok {
			return globalTypeText(t.Global)
		}
		if i := ex.Index - m.NumImportedGlobals; ex.Index >= m.NumImportedGlobals && int(i) < len(m.Globals) {
			return globalTypeText(m.Globals[i].Type)
		}
	}
	return "?  ; index out of range"
}

// nthImport finds the n-th import of a kind.
func nthImport(m *wasm.Module, kind wasm.ExternKind, n uint32) (wasm.Import, bool) {
	for _, im := range m.Imports {
		if im.Kind != kind {
			continue
		}
		if n == 0 {
			return im, true
		}
		n--
	}
	return wasm.Import{}, false
}

func funcTypeText(t *wasm.FuncType) string {
	var b strings.Builder
	b.WriteString("(func")
	if len(t.Params) > 0 {
		b.WriteString(" (param")
		for _, p := range t.Params {
			b.WriteString(" " + p.String())
		}
		b.WriteString(")")
	}
	if len(t.Results) > 0 {
		b.WriteString(" (result")
		for _, r := range t.Results {
			b.WriteString(" " + r.String())
		}
		b.WriteString(")")
	}
	b.WriteString(")")
	return b.String()
}

func limitsText(l wasm.Limits) string {
	if l.HasMax {
		return fmt.Sprintf("%d %d", l.Min, l.Max)
	}
	return fmt.Sprint(l.Min)
}

func tableTypeText(t wasm.TableType) string {
	if t.Is64 {
		return fmt.Sprintf("(table i64 %s %s)", limitsText(t.Limits), t.Elem)
	}
	return fmt.Sprintf("(table %s %s)", limitsText(t.Limits), t.Elem)
}

func memoryTypeText(t wasm.MemoryType) string {
	if t.Is64 {
		return fmt.Sprintf("(memory i64 %s)", limitsText(t.Limits))
	}
	return fmt.Sprintf("(memory %s)", limitsText(t.Limits))
}

func globalTypeText(t wasm.GlobalType) string {
	if t.Mutable {
		return fmt.Sprintf("(global (mut %s))", t.Val)
	}
	return fmt.Sprintf("(global %s)", t.Val)
}
