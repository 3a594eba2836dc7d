// Package engine is the seam between the public package and the engines that
// run code (the interpreter, internal/interp, and the compiler,
// internal/compiler): an engine turns a validated module into code, and
// binds that code to each new instance.
package engine
