// threaded: a bytecode interpreter whose instruction handlers end in tail
// calls ([[clang::musttail]], compiled with -mtail-call): each handler
// jumps straight to the next instruction's handler, as direct-threaded
// interpreters do. It runs millions of bytecode instructions; compiled
// without tail calls, every instruction would leave a native frame behind
// and the program would exhaust any stack long before it finished.
//
// Usage: threaded [N]   (default 2000000)
//
// threaded_plain.wasm is built from the same source with -DPLAIN_CALLS and
// without tail calls, to show what they are for: it traps with the call
// stack exhausted.
//
// The bytecode program sums i*i for i from 1 to N and counts the steps of
// the Collatz sequences of 1..N/1000, then prints both and how many
// bytecode instructions ran.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

enum op { HALT, PUSH, DUP, DROP, ADD, MUL, DEC, JMP, JZ, ODD, HALVE, TRIPLE1, STORE, LOAD, INCR };

typedef struct vm {
  int64_t stack[64];
  int64_t regs[8];
  uint64_t steps;
} vm;

// A handler gets the machine, the next instruction and the stack top.
typedef int64_t *(*handler)(vm *m, const int32_t *pc, int64_t *sp);

static handler table[];

#ifndef PLAIN_CALLS
#define NEXT(m, pc, sp)                                                                                        \
  do {                                                                                                         \
    (m)->steps++;                                                                                              \
    __attribute__((musttail)) return table[*(pc)]((m), (pc), (sp));                                             \
  } while (0)
#else
// The same handlers with ordinary calls (threaded_plain.wasm): each
// instruction leaves a frame behind, and the program runs out of stack.
#define NEXT(m, pc, sp)                                                                                        \
  do {                                                                                                         \
    (m)->steps++;                                                                                              \
    return table[*(pc)]((m), (pc), (sp));                                                                      \
  } while (0)
#endif

static int64_t *op_halt(vm *m, const int32_t *pc, int64_t *sp) { return sp; }
static int64_t *op_push(vm *m, const int32_t *pc, int64_t *sp) { *++sp = pc[1]; NEXT(m, pc + 2, sp); }
static int64_t *op_dup(vm *m, const int32_t *pc, int64_t *sp) { sp[1] = sp[0]; NEXT(m, pc + 1, sp + 1); }
static int64_t *op_drop(vm *m, const int32_t *pc, int64_t *sp) { NEXT(m, pc + 1, sp - 1); }
static int64_t *op_add(vm *m, const int32_t *pc, int64_t *sp) { sp[-1] += sp[0]; NEXT(m, pc + 1, sp - 1); }
static int64_t *op_mul(vm *m, const int32_t *pc, int64_t *sp) { sp[-1] *= sp[0]; NEXT(m, pc + 1, sp - 1); }
static int64_t *op_dec(vm *m, const int32_t *pc, int64_t *sp) { sp[0]--; NEXT(m, pc + 1, sp); }
// JMP off jumps by off (relative to the jump); JZ off too when the top of
// the stack is zero, which stays.
static int64_t *op_jmp(vm *m, const int32_t *pc, int64_t *sp) { NEXT(m, pc + pc[1], sp); }
static int64_t *op_jz(vm *m, const int32_t *pc, int64_t *sp) { NEXT(m, sp[0] == 0 ? pc + pc[1] : pc + 2, sp); }
static int64_t *op_odd(vm *m, const int32_t *pc, int64_t *sp) { sp[1] = sp[0] & 1; NEXT(m, pc + 1, sp + 1); }
static int64_t *op_halve(vm *m, const int32_t *pc, int64_t *sp) { sp[0] >>= 1; NEXT(m, pc + 1, sp); }
static int64_t *op_triple1(vm *m, const int32_t *pc, int64_t *sp) { sp[0] = 3 * sp[0] + 1; NEXT(m, pc + 1, sp); }
static int64_t *op_store(vm *m, const int32_t *pc, int64_t *sp) { m->regs[pc[1]] = *sp; NEXT(m, pc + 2, sp - 1); }
static int64_t *op_load(vm *m, const int32_t *pc, int64_t *sp) { *++sp = m->regs[pc[1]]; NEXT(m, pc + 2, sp); }
static int64_t *op_incr(vm *m, const int32_t *pc, int64_t *sp) { m->regs[pc[1]]++; NEXT(m, pc + 2, sp); }

static handler table[] = {op_halt, op_push, op_dup, op_drop, op_add, op_mul, op_dec, op_jmp,
                          op_jz, op_odd, op_halve, op_triple1, op_store, op_load, op_incr};

// squares: r0 = sum of i*i for i = n down to 1 (n on the stack).
static const int32_t squares[] = {
    /* 0 */ PUSH, 0, STORE, 0, // r0 = 0
    /* 4 */ JZ, 13,            // while n != 0 {
    /* 6 */ DUP, DUP, MUL,     //   n*n
    /* 9 */ LOAD, 0, ADD,      //   + r0
    /* 12 */ STORE, 0, DEC,    //   -> r0; n--
    /* 15 */ JMP, -11,         // }
    /* 17 */ DROP, HALT,
};

// collatz: r1 = the Collatz steps of every k from n down to 1 (n on the
// stack), added up.
static const int32_t collatz[] = {
    /* 0 */ PUSH, 0, STORE, 1, // r1 = 0
    /* 4 */ JZ, 26,            // while k != 0 {
    /* 6 */ DUP,               //   x = k
    /* 7 */ DUP, DEC, JZ, 16,  //   until x == 1 {
    /* 11 */ DROP, INCR, 1,    //     r1++
    /* 14 */ ODD, JZ, 6,       //     if x is odd {
    /* 17 */ DROP, TRIPLE1,    //       x = 3x + 1
    /* 19 */ JMP, -12,         //     } else {
    /* 21 */ DROP, HALVE,      //       x = x / 2
    /* 23 */ JMP, -16,         //   } }
    /* 25 */ DROP, DROP, DEC,  //   k--
    /* 28 */ JMP, -24,         // }
    /* 30 */ DROP, HALT,
};

static int64_t run(vm *m, const int32_t *prog, int64_t arg) {
  int64_t *sp = m->stack;
  *sp = arg;
  table[prog[0]](m, prog, sp);
  return 0;
}

int main(int argc, char **argv) {
  int64_t n = argc > 1 ? atoll(argv[1]) : 2000000;
  vm m = {0};
  run(&m, squares, n);
  printf("sum of squares 1..%lld: %lld\n", (long long)n, (long long)m.regs[0]);
  run(&m, collatz, n / 1000);
  printf("collatz steps 1..%lld: %lld\n", (long long)(n / 1000), (long long)m.regs[1]);
  printf("bytecode instructions: %llu\n", (unsigned long long)m.steps);
  return 0;
}
