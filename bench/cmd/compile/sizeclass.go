package main

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/moat-run/moat/bench/peers"
)

// bySizeClass replaces each module by copies that keep only the function
// bodies of one size class, every other body becoming `unreachable`, and
// one copy that keeps none: each copy's time is the module's fixed work
// (decoding, data segments, the stubs' compilation, the link) plus that
// class's functions, so subtracting the "none" row gives what each engine
// spends per byte of code by function size. bounds are the classes'
// limits in body bytes, increasing.
func bySizeClass(mods []peers.NamedModule, bounds []int) ([]peers.NamedModule, error) {
	var out []peers.NamedModule
	edges := append(append([]int{0}, bounds...), 1<<62)
	for _, m := range mods {
		none, _, _, err := keepBodies(m.Wasm, 0, 0)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", m.Name, err)
		}
		out = append(out, peers.NamedModule{Name: m.Name + " none", Wasm: none})
		for k := 1; k < len(edges); k++ {
			lo, hi := edges[k-1], edges[k]
			kept, n, bytes, err := keepBodies(m.Wasm, lo, hi)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", m.Name, err)
			}
			if n == 0 {
				continue
			}
			name := fmt.Sprintf("%s [%d,%d) %d fns %d B", m.Name, lo, hi, n, bytes)
			if k == len(edges)-1 {
				name = fmt.Sprintf("%s >=%d %d fns %d B", m.Name, lo, n, bytes)
			}
			out = append(out, peers.NamedModule{Name: name, Wasm: kept})
		}
	}
	return out, nil
}

// parseBounds reads -size-classes.
func parseBounds(s string) ([]int, error) {
	var bounds []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 || (len(bounds) > 0 && n <= bounds[len(bounds)-1]) {
			return nil, fmt.Errorf("-size-classes: %q is not a list of increasing byte counts", s)
		}
		bounds = append(bounds, n)
	}
	return bounds, nil
}

// keepBodies copies the module wasm with the bodies of lo <= size < hi
// bytes kept and every other replaced by one without locals whose code is
// `unreachable` (valid whatever the function's type), and says how many
// bodies and bytes it kept.
func keepBodies(wasm []byte, lo, hi int) (out []byte, kept, keptBytes int, err error) {
	if len(wasm) < 8 {
		return nil, 0, 0, errors.New("not a wasm module")
	}
	out = append(out, wasm[:8]...)
	for p := 8; p < len(wasm); {
		id := wasm[p]
		size, n := binary.Uvarint(wasm[p+1:])
		start := p + 1 + n
		if n <= 0 || size > uint64(len(wasm)-start) {
			return nil, 0, 0, fmt.Errorf("bad section at byte %d", p)
		}
		body := wasm[start : start+int(size)]
		p = start + int(size)
		if id != 10 { // not the code section: copied as it is
			out = append(out, wasm[p-len(body)-n-1:p]...)
			continue
		}
		count, k := binary.Uvarint(body)
		if k <= 0 {
			return nil, 0, 0, errors.New("bad code section")
		}
		sec := binary.AppendUvarint(nil, count)
		for q, i := k, uint64(0); i < count; i++ {
			bs, m := binary.Uvarint(body[q:])
			if m <= 0 || bs > uint64(len(body)-q-m) {
				return nil, 0, 0, fmt.Errorf("bad body %d", i)
			}
			b := body[q : q+m+int(bs)]
			q += m + int(bs)
			if int(bs) >= lo && int(bs) < hi {
				sec = append(sec, b...)
				kept++
				keptBytes += int(bs)
				continue
			}
			sec = append(sec, 3, 0, 0x00, 0x0b) // 3 bytes: no locals, unreachable, end
		}
		out = append(out, 10)
		out = binary.AppendUvarint(out, uint64(len(sec)))
		out = append(out, sec...)
	}
	return out, kept, keptBytes, nil
}
