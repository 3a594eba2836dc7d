// Package abi is the contract between code that runs WebAssembly (the
// interpreter, and generated machine code) and the runtime around it: trap
// codes, the execution-context layout (context.go: field offsets that
// generated code uses and internal/vm's Context matches, checked by a test),
// exit codes, and the amd64 register and stack conventions of entries and
// exits (amd64.go). It is a leaf: it imports nothing of moat.
package abi
