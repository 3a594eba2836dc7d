package backend

// Frame is a function's stack frame below the return address, described
// without reference to any machine: offsets are in bytes from the stack
// pointer after the prologue, growing towards the caller. From the bottom:
//
//	[0, OutgoingArgs)           arguments passed on the stack to callees
//	SlotOffsets[i]              spill slot i (aligned to its size)
//	CalleeSavedOffsets[i]       save area of CalleeSaved[i]
//	Size                        total, a multiple of the requested alignment
//
// The target prints the prologue (allocate Size, store the callee-saved
// registers) and the epilogue; it may also push callee-saved registers
// itself and pass no registers here.
type Frame struct {
	OutgoingArgs       int
	SlotOffsets        []int
	CalleeSaved        []PReg
	CalleeSavedOffsets []int
	Size               int
}

// LayoutFrame places the spill slots of res (sizes from env), a save slot
// for each register of saved (in increasing order, sized like a spill slot
// of its class), above an outgoing-argument area of outgoingArgs bytes,
// and rounds the total up to align (a power of two; 16 on amd64 and arm64).
func LayoutFrame(res *Result, env *MachineEnv, saved RegSet, outgoingArgs, align int) Frame {
	if align <= 0 {
		align = 1
	}
	fr := Frame{OutgoingArgs: outgoingArgs}
	off := outgoingArgs
	place := func(size int) int {
		if size <= 0 {
			size = 8
		}
		off = (off + size - 1) / size * size
		at := off
		off += size
		return at
	}
	// Larger slots first keeps padding to a minimum.
	for _, big := range []bool{true, false} {
		for i, c := range res.SlotClass {
			if (env.SlotSize[c] > 8) != big {
				continue
			}
			if fr.SlotOffsets == nil {
				fr.SlotOffsets = make([]int, len(res.SlotClass))
			}
			fr.SlotOffsets[i] = place(env.SlotSize[c])
		}
	}
	for r := range regsOf(saved) {
		fr.CalleeSaved = append(fr.CalleeSaved, r)
		fr.CalleeSavedOffsets = append(fr.CalleeSavedOffsets, place(env.SlotSize[r.Class()]))
	}
	fr.Size = (off + align - 1) / align * align
	return fr
}
