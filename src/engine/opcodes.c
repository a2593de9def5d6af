/*
** opcodes.c: the per-opcode fact table, generated from WASM_OPS.
*/
#include "opcodes.h"

#define N_(t) (WASM_T_##t != WASM_T__)
#define T_(t) (WASM_T_##t == WASM_T_x ? 0 : WASM_T_##t)

const wasm_opinfo wasm_opinfo_table[WASM_OP_COUNT] = {
#define X(sym, pfx, code, text, imm, p1, p2, p3, r)                                                \
  [WASM_OP_FLAT(pfx, code)] = {text,                                                               \
                               WASM_IMM_##imm,                                                     \
                               WASM_T_##p1 == WASM_T_x,                                            \
                               WASM_T_##p1 == WASM_T_x ? 0 : N_(p1) + N_(p2) + N_(p3),             \
                               {T_(p1), T_(p2), T_(p3)},                                           \
                               T_(r)},
    WASM_OPS(X)
#undef X
};

const char *wasm_op_name(unsigned op) {
  if (op >= WASM_OP_COUNT || !wasm_opinfo_table[op].name) return "<illegal>";
  return wasm_opinfo_table[op].name;
}
