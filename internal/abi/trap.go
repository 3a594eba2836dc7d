package abi

// TrapCode says why WebAssembly execution stopped abnormally. The set is
// fixed; engines report exactly these and the public package exposes them.
type TrapCode uint32

const (
	TrapNone                     TrapCode = iota
	TrapUnreachable                       // unreachable executed
	TrapMemoryOutOfBounds                 // load, store or bulk memory access outside the memory
	TrapTableOutOfBounds                  // table access outside the table
	TrapIndirectCallTypeMismatch          // call_indirect signature differs
	TrapUndefinedElement                  // call_indirect index past the table's end
	TrapUninitializedElement              // call_indirect through a null entry
	TrapNullReference                     // use of a null reference where one is not allowed
	TrapIntegerDivideByZero               // div or rem by zero
	TrapIntegerOverflow                   // signed division overflow
	TrapInvalidConversion                 // float to int of NaN or out of range
	TrapStackExhausted                    // call depth limit reached
	TrapInterrupted                       // context cancelled or deadline passed
	TrapOutOfFuel                         // fuel budget spent
	TrapHostError                         // a host function returned an error
	TrapNullFunctionReference             // call_ref or return_call_ref of a null reference
	TrapNullExceptionReference            // throw_ref of a null reference
	TrapCastFailure                       // ref.cast of a value not of the type
	TrapNullStructReference               // struct.get or struct.set of null
	TrapNullArrayReference                // an array instruction on null
	TrapNullI31Reference                  // i31.get_s or i31.get_u of null
	TrapArrayOutOfBounds                  // an array access or copy outside the array
	TrapAllocationTooLarge                // an object larger than the GC heap's limit
	TrapGCHeapOutOfMemory                 // the GC heap's live objects leave no room under its limit
)

var trapMessages = [...]string{
	TrapNone:                     "no trap",
	TrapUnreachable:              "unreachable",
	TrapMemoryOutOfBounds:        "out of bounds memory access",
	TrapTableOutOfBounds:         "out of bounds table access",
	TrapIndirectCallTypeMismatch: "indirect call type mismatch",
	TrapUndefinedElement:         "undefined element",
	TrapUninitializedElement:     "uninitialized element",
	TrapNullReference:            "null reference",
	TrapIntegerDivideByZero:      "integer divide by zero",
	TrapIntegerOverflow:          "integer overflow",
	TrapInvalidConversion:        "invalid conversion to integer",
	TrapStackExhausted:           "call stack exhausted",
	TrapInterrupted:              "interrupted",
	TrapOutOfFuel:                "out of fuel",
	TrapHostError:                "host function error",
	TrapNullFunctionReference:    "null function reference",
	TrapNullExceptionReference:   "null exception reference",
	TrapCastFailure:              "cast failure",
	TrapNullStructReference:      "null structure reference",
	TrapNullArrayReference:       "null array reference",
	TrapNullI31Reference:         "null i31 reference",
	TrapArrayOutOfBounds:         "out of bounds array access",
	TrapAllocationTooLarge:       "allocation size too large",
	TrapGCHeapOutOfMemory:        "GC heap out of memory",
}

// String is the spec interpreter's wording for the trap, which the spec
// tests' assert_trap texts begin with.
func (c TrapCode) String() string {
	if int(c) < len(trapMessages) {
		return trapMessages[c]
	}
	return "unknown trap"
}
