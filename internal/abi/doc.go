// Package abi is the contract between code that runs WebAssembly (the
// interpreter today, generated machine code later) and the runtime around it:
// trap codes now, and the execution-context layout and exit codes that the
// compiler and internal/vm will share. It is a leaf: it imports nothing of moat.
package abi
