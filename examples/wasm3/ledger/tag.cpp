// tag.cpp: the WebAssembly tag every C++ exception is thrown with, its
// payload the address of the exception's header (an i32 on wasm32). It has
// no spelling in C++: __builtin_wasm_throw(0, ...) and the catch clauses
// the compiler emits name it. clang 22 leaves its definition to the
// runtime (LLVM's libunwind has one), so this is the program's; clang 14
// defines it weakly in each object that uses it instead, and does not
// build this file (it crashes assembling it).
__asm__(".globl __cpp_exception\n"
        ".tagtype __cpp_exception i32\n"
        "__cpp_exception:\n");
