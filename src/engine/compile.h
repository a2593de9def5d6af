/*
** compile.h: the engine's internal code, shared by the translator (compile.c)
** and the interpreter (interp.c).
**
** Each Wasm function becomes an array of 32-bit words: an internal opcode
** followed by its operands. Operands are frame-slot indices (8-byte slots
** relative to the frame pointer), immediates, or branch offsets (signed,
** in words, relative to the opcode word of the branching instruction).
** Frame layout: [params | locals | consts | scratch | temps (operand stack)].
** Locals are addressed directly and constants are immediates of the ops
** that use them (the _I forms; a frame slot only where no such form
** exists), so local.get and *.const emit nothing; the translator copies a
** value only when a local.set would clobber a still-referenced local, or
** when a block/call/return needs its values in canonical slots.
**
** Every internal opcode is listed once in CMP_OPS; the numeric families
** carry their Wasm opcode and their C expression so the translator's
** mapping and the interpreter's handlers come from the same table.
*/
#ifndef RUSM_ENGINE_COMPILE_H
#define RUSM_ENGINE_COMPILE_H

#include <stdbool.h>
#include <stdint.h>

#include "rusm/engine.h"

/* Operand kinds for the numeric families: how a slot is read or written. */
/* I32/U32/I64/U64/F32/F64; see interp.c's RD_/WR_ macros. */

/* clang-format off */
/* Unary numeric ops: X(name, wasm opcode, in kind, out kind, expr of a). */
#define CMP_UNOPS(X)                                                                       \
  X(I32_EQZ, 0x45, U32, I32, a == 0)                                                       \
  X(I64_EQZ, 0x50, U64, I32, a == 0)                                                       \
  X(I32_CLZ, 0x67, U32, I32, a ? __builtin_clz(a) : 32)                                    \
  X(I32_CTZ, 0x68, U32, I32, a ? __builtin_ctz(a) : 32)                                    \
  X(I32_POPCNT, 0x69, U32, I32, __builtin_popcount(a))                                     \
  X(I64_CLZ, 0x79, U64, I64, a ? __builtin_clzll(a) : 64)                                  \
  X(I64_CTZ, 0x7a, U64, I64, a ? __builtin_ctzll(a) : 64)                                  \
  X(I64_POPCNT, 0x7b, U64, I64, __builtin_popcountll(a))                                   \
  X(F32_ABS, 0x8b, U32, I32, a & 0x7fffffffu)                                              \
  X(F32_NEG, 0x8c, U32, I32, a ^ 0x80000000u)                                              \
  X(F32_CEIL, 0x8d, F32, F32, fround32(ceilf, a))                                                    \
  X(F32_FLOOR, 0x8e, F32, F32, fround32(floorf, a))                                                  \
  X(F32_TRUNC, 0x8f, F32, F32, fround32(truncf, a))                                                  \
  X(F32_NEAREST, 0x90, F32, F32, fround32(rintf, a))                                                 \
  X(F32_SQRT, 0x91, F32, F32, sqrtf(a))                                                    \
  X(F64_ABS, 0x99, U64, I64, a & 0x7fffffffffffffffull)                                    \
  X(F64_NEG, 0x9a, U64, I64, a ^ 0x8000000000000000ull)                                    \
  X(F64_CEIL, 0x9b, F64, F64, fround64(ceil, a))                                                     \
  X(F64_FLOOR, 0x9c, F64, F64, fround64(floor, a))                                                   \
  X(F64_TRUNC, 0x9d, F64, F64, fround64(trunc, a))                                                   \
  X(F64_NEAREST, 0x9e, F64, F64, fround64(rint, a))                                                  \
  X(F64_SQRT, 0x9f, F64, F64, sqrt(a))                                                     \
  X(I64_EXTEND_I32_S, 0xac, I32, I64, (int64_t)a)                                          \
  X(I64_EXTEND_I32_U, 0xad, U32, I64, (int64_t)a)                                          \
  X(F32_CONVERT_I32_S, 0xb2, I32, F32, (float)a)                                           \
  X(F32_CONVERT_I32_U, 0xb3, U32, F32, (float)a)                                           \
  X(F32_CONVERT_I64_S, 0xb4, I64, F32, (float)a)                                           \
  X(F32_CONVERT_I64_U, 0xb5, U64, F32, (float)a)                                           \
  X(F32_DEMOTE_F64, 0xb6, F64, F32, (float)a)                                              \
  X(F64_CONVERT_I32_S, 0xb7, I32, F64, (double)a)                                          \
  X(F64_CONVERT_I32_U, 0xb8, U32, F64, (double)a)                                          \
  X(F64_CONVERT_I64_S, 0xb9, I64, F64, (double)a)                                          \
  X(F64_CONVERT_I64_U, 0xba, U64, F64, (double)a)                                          \
  X(F64_PROMOTE_F32, 0xbb, F32, F64, (double)a)                                            \
  X(I32_EXTEND8_S, 0xc0, U32, I32, (int32_t)(int8_t)a)                                     \
  X(I32_EXTEND16_S, 0xc1, U32, I32, (int32_t)(int16_t)a)                                   \
  X(I64_EXTEND8_S, 0xc2, U64, I64, (int64_t)(int8_t)a)                                     \
  X(I64_EXTEND16_S, 0xc3, U64, I64, (int64_t)(int16_t)a)                                   \
  X(I64_EXTEND32_S, 0xc4, U64, I64, (int64_t)(int32_t)a)                                   \
  X(I32_TRUNC_SAT_F32_S, 0x100, F32, I32, sat_i32_f(a))                                   \
  X(I32_TRUNC_SAT_F32_U, 0x101, F32, I32, sat_u32_f(a))                                   \
  X(I32_TRUNC_SAT_F64_S, 0x102, F64, I32, sat_i32_f(a))                                   \
  X(I32_TRUNC_SAT_F64_U, 0x103, F64, I32, sat_u32_f(a))                                   \
  X(I64_TRUNC_SAT_F32_S, 0x104, F32, I64, sat_i64_f(a))                                   \
  X(I64_TRUNC_SAT_F32_U, 0x105, F32, I64, sat_u64_f(a))                                   \
  X(I64_TRUNC_SAT_F64_S, 0x106, F64, I64, sat_i64_f(a))                                   \
  X(I64_TRUNC_SAT_F64_U, 0x107, F64, I64, sat_u64_f(a))

/* Binary numeric ops that cannot trap: X(name, wasm opcode, in, out, expr of a, b).
** Each row gives <name> dst a b and <name>_I dst a imm, whose b is an
** immediate (one word for 32-bit kinds, two for 64-bit: lo, hi), so constant
** operands need no frame slot. */
#define CMP_BINOPS(X)                                                                      \
  X(I32_EQ, 0x46, U32, I32, a == b)                                                        \
  X(I32_NE, 0x47, U32, I32, a != b)                                                        \
  X(I32_LT_S, 0x48, I32, I32, a < b)                                                       \
  X(I32_LT_U, 0x49, U32, I32, a < b)                                                       \
  X(I32_GT_S, 0x4a, I32, I32, a > b)                                                       \
  X(I32_GT_U, 0x4b, U32, I32, a > b)                                                       \
  X(I32_LE_S, 0x4c, I32, I32, a <= b)                                                      \
  X(I32_LE_U, 0x4d, U32, I32, a <= b)                                                      \
  X(I32_GE_S, 0x4e, I32, I32, a >= b)                                                      \
  X(I32_GE_U, 0x4f, U32, I32, a >= b)                                                      \
  X(I64_EQ, 0x51, U64, I32, a == b)                                                        \
  X(I64_NE, 0x52, U64, I32, a != b)                                                        \
  X(I64_LT_S, 0x53, I64, I32, a < b)                                                       \
  X(I64_LT_U, 0x54, U64, I32, a < b)                                                       \
  X(I64_GT_S, 0x55, I64, I32, a > b)                                                       \
  X(I64_GT_U, 0x56, U64, I32, a > b)                                                       \
  X(I64_LE_S, 0x57, I64, I32, a <= b)                                                      \
  X(I64_LE_U, 0x58, U64, I32, a <= b)                                                      \
  X(I64_GE_S, 0x59, I64, I32, a >= b)                                                      \
  X(I64_GE_U, 0x5a, U64, I32, a >= b)                                                      \
  X(F32_EQ, 0x5b, F32, I32, a == b)                                                        \
  X(F32_NE, 0x5c, F32, I32, a != b)                                                        \
  X(F32_LT, 0x5d, F32, I32, a < b)                                                         \
  X(F32_GT, 0x5e, F32, I32, a > b)                                                         \
  X(F32_LE, 0x5f, F32, I32, a <= b)                                                        \
  X(F32_GE, 0x60, F32, I32, a >= b)                                                        \
  X(F64_EQ, 0x61, F64, I32, a == b)                                                        \
  X(F64_NE, 0x62, F64, I32, a != b)                                                        \
  X(F64_LT, 0x63, F64, I32, a < b)                                                         \
  X(F64_GT, 0x64, F64, I32, a > b)                                                         \
  X(F64_LE, 0x65, F64, I32, a <= b)                                                        \
  X(F64_GE, 0x66, F64, I32, a >= b)                                                        \
  X(I32_ADD, 0x6a, U32, I32, a + b)                                                        \
  X(I32_SUB, 0x6b, U32, I32, a - b)                                                        \
  X(I32_MUL, 0x6c, U32, I32, a *b)                                                         \
  X(I32_AND, 0x71, U32, I32, a &b)                                                         \
  X(I32_OR, 0x72, U32, I32, a | b)                                                         \
  X(I32_XOR, 0x73, U32, I32, a ^ b)                                                        \
  X(I32_SHL, 0x74, U32, I32, a << (b & 31))                                                \
  X(I32_SHR_S, 0x75, I32, I32, a >> (b & 31))                                              \
  X(I32_SHR_U, 0x76, U32, I32, a >> (b & 31))                                              \
  X(I32_ROTL, 0x77, U32, I32, rotl32(a, b))                                                \
  X(I32_ROTR, 0x78, U32, I32, rotr32(a, b))                                                \
  X(I64_ADD, 0x7c, U64, I64, a + b)                                                        \
  X(I64_SUB, 0x7d, U64, I64, a - b)                                                        \
  X(I64_MUL, 0x7e, U64, I64, a *b)                                                         \
  X(I64_AND, 0x83, U64, I64, a &b)                                                         \
  X(I64_OR, 0x84, U64, I64, a | b)                                                         \
  X(I64_XOR, 0x85, U64, I64, a ^ b)                                                        \
  X(I64_SHL, 0x86, U64, I64, a << (b & 63))                                                \
  X(I64_SHR_S, 0x87, I64, I64, a >> (b & 63))                                              \
  X(I64_SHR_U, 0x88, U64, I64, a >> (b & 63))                                              \
  X(I64_ROTL, 0x89, U64, I64, rotl64(a, b))                                                \
  X(I64_ROTR, 0x8a, U64, I64, rotr64(a, b))                                                \
  X(F32_ADD, 0x92, F32, F32, a + b)                                                        \
  X(F32_SUB, 0x93, F32, F32, a - b)                                                        \
  X(F32_MUL, 0x94, F32, F32, a *b)                                                         \
  X(F32_DIV, 0x95, F32, F32, a / b)                                                        \
  X(F32_MIN, 0x96, F32, F32, fmin32(a, b))                                                 \
  X(F32_MAX, 0x97, F32, F32, fmax32(a, b))                                                 \
  X(F32_COPYSIGN, 0x98, U32, I32, (a & 0x7fffffffu) | (b & 0x80000000u))                   \
  X(F64_ADD, 0xa0, F64, F64, a + b)                                                        \
  X(F64_SUB, 0xa1, F64, F64, a - b)                                                        \
  X(F64_MUL, 0xa2, F64, F64, a *b)                                                         \
  X(F64_DIV, 0xa3, F64, F64, a / b)                                                        \
  X(F64_MIN, 0xa4, F64, F64, fmin64(a, b))                                                 \
  X(F64_MAX, 0xa5, F64, F64, fmax64(a, b))                                                 \
  X(F64_COPYSIGN, 0xa6, U64, I64,                                                          \
    (a & 0x7fffffffffffffffull) | (b & 0x8000000000000000ull))

/* Ops that may trap with a fixed shape (dst, a[, b]); hand-written handlers. */
#define CMP_TRAPOPS(X)                                                                     \
  X(I32_DIV_S, 0x6d, 2)                                                                    \
  X(I32_DIV_U, 0x6e, 2)                                                                    \
  X(I32_REM_S, 0x6f, 2)                                                                    \
  X(I32_REM_U, 0x70, 2)                                                                    \
  X(I64_DIV_S, 0x7f, 2)                                                                    \
  X(I64_DIV_U, 0x80, 2)                                                                    \
  X(I64_REM_S, 0x81, 2)                                                                    \
  X(I64_REM_U, 0x82, 2)                                                                    \
  X(I32_TRUNC_F32_S, 0xa8, 1)                                                              \
  X(I32_TRUNC_F32_U, 0xa9, 1)                                                              \
  X(I32_TRUNC_F64_S, 0xaa, 1)                                                              \
  X(I32_TRUNC_F64_U, 0xab, 1)                                                              \
  X(I64_TRUNC_F32_S, 0xae, 1)                                                              \
  X(I64_TRUNC_F32_U, 0xaf, 1)                                                              \
  X(I64_TRUNC_F64_S, 0xb0, 1)                                                              \
  X(I64_TRUNC_F64_U, 0xb1, 1)

/* Reinterpretations are plain slot copies (floats live in slots as bits). */
/* i32.wrap_i64 too: i32 reads only look at a slot's low half. */
#define CMP_REINTERPRETS(X) X(0xa7) X(0xbc) X(0xbd) X(0xbe) X(0xbf)

/* Loads: X(name, wasm opcode, C type read, out kind). Operands: dst, addr, offset.
** Each row also gives <name>_A dst, a, k, offset: the load of address
** (u32)(a + k), i.e. a fused `i32.add` of a constant (clang's usual address). */
#define CMP_LOADS(X)                                                                       \
  X(I32_LOAD, 0x28, uint32_t, U32)                                                         \
  X(I64_LOAD, 0x29, uint64_t, U64)                                                         \
  X(F32_LOAD, 0x2a, uint32_t, U32)                                                         \
  X(F64_LOAD, 0x2b, uint64_t, U64)                                                         \
  X(I32_LOAD8_S, 0x2c, int8_t, I32)                                                        \
  X(I32_LOAD8_U, 0x2d, uint8_t, U32)                                                       \
  X(I32_LOAD16_S, 0x2e, int16_t, I32)                                                      \
  X(I32_LOAD16_U, 0x2f, uint16_t, U32)                                                     \
  X(I64_LOAD8_S, 0x30, int8_t, I64)                                                        \
  X(I64_LOAD8_U, 0x31, uint8_t, U64)                                                       \
  X(I64_LOAD16_S, 0x32, int16_t, I64)                                                      \
  X(I64_LOAD16_U, 0x33, uint16_t, U64)                                                     \
  X(I64_LOAD32_S, 0x34, int32_t, I64)                                                      \
  X(I64_LOAD32_U, 0x35, uint32_t, U64)

/* Stores: X(name, wasm opcode, C type written). Operands: addr, value, offset. */
#define CMP_STORES(X)                                                                      \
  X(I32_STORE, 0x36, uint32_t)                                                             \
  X(I64_STORE, 0x37, uint64_t)                                                             \
  X(F32_STORE, 0x38, uint32_t)                                                             \
  X(F64_STORE, 0x39, uint64_t)                                                             \
  X(I32_STORE8, 0x3a, uint8_t)                                                             \
  X(I32_STORE16, 0x3b, uint16_t)                                                           \
  X(I64_STORE8, 0x3c, uint8_t)                                                             \
  X(I64_STORE16, 0x3d, uint16_t)                                                           \
  X(I64_STORE32, 0x3e, uint32_t)

/* Loads fused with a branch on the loaded value (list walks, flag tests):
** X(load, C type). Gives <load>_BR_IF and <load>_BR_UNLESS dst addr offset off;
** the value is still written to dst (it may be a local.tee'd local). */
#define CMP_LOADBRS(X)                                                                     \
  X(I32_LOAD, uint32_t)                                                                    \
  X(I32_LOAD8_U, uint8_t)

/* Fused compare + branch: X(compare op, kind, C operator). Each row gives
** BR_IF_<op> a b off, BR_UNLESS_<op> a b off, and the _I forms whose b is an
** immediate (one code word for 32-bit kinds, two for 64-bit: lo, hi). */
#define CMP_BRCMPS(X)                                                                      \
  X(I32_EQ, U32, ==)                                                                       \
  X(I32_NE, U32, !=)                                                                       \
  X(I32_LT_S, I32, <)                                                                      \
  X(I32_LT_U, U32, <)                                                                      \
  X(I32_GT_S, I32, >)                                                                      \
  X(I32_GT_U, U32, >)                                                                      \
  X(I32_LE_S, I32, <=)                                                                     \
  X(I32_LE_U, U32, <=)                                                                     \
  X(I32_GE_S, I32, >=)                                                                     \
  X(I32_GE_U, U32, >=)                                                                     \
  X(I64_EQ, U64, ==)                                                                       \
  X(I64_NE, U64, !=)                                                                       \
  X(I64_LT_S, I64, <)                                                                      \
  X(I64_LT_U, U64, <)                                                                      \
  X(I64_GT_S, I64, >)                                                                      \
  X(I64_GT_U, U64, >)                                                                      \
  X(I64_LE_S, I64, <=)                                                                     \
  X(I64_LE_U, U64, <=)                                                                     \
  X(I64_GE_S, I64, >=)                                                                     \
  X(I64_GE_U, U64, >=)                                                                     \
  X(F32_EQ, F32, ==)                                                                       \
  X(F32_NE, F32, !=)                                                                       \
  X(F32_LT, F32, <)                                                                        \
  X(F32_GT, F32, >)                                                                        \
  X(F32_LE, F32, <=)                                                                       \
  X(F32_GE, F32, >=)                                                                       \
  X(F64_EQ, F64, ==)                                                                       \
  X(F64_NE, F64, !=)                                                                       \
  X(F64_LT, F64, <)                                                                        \
  X(F64_GT, F64, >)                                                                        \
  X(F64_LE, F64, <=)                                                                       \
  X(F64_GE, F64, >=)

/* Control, data movement and runtime ops: X(name, operand words or -1 if variable). */
#define CMP_MISC(X)                                                                        \
  X(UNREACHABLE, 0)                                                                        \
  X(COPY, 2)           /* dst src */                                                       \
  X(COPY2, 2)          /* dst src: a v128 (two slots) */                                   \
  X(COPY_PAIR, 4)      /* dst src dst src: two COPYs in order (register shuffles) */       \
  X(MOVES, -1)         /* n scratch (dst src width)*n: parallel move */                    \
  X(BR, 1)             /* off; every backward branch (a loop back-edge) charges the budget */ \
  X(BR_IF, 2)          /* cond off */                                                      \
  X(BR_UNLESS, 2)      /* cond off */                                                      \
  X(BR_TABLE, -1)      /* idx n off*(n+1) */                                               \
  X(CALL, 2)           /* defined-func index argbase */                                    \
  X(CALL_IMPORT, 2)    /* func index argbase */                                            \
  X(CALL_INDIRECT, 4)  /* type table argbase idx-slot */                                   \
  X(RETURN, 0)         /* results already in slots 0.. */                                  \
  X(SELECT, 4)         /* dst cond a b */                                                  \
  X(SELECT2, 4)        /* dst cond a b: v128 */                                            \
  X(GLOBAL_GET, 2)     /* dst global */                                                    \
  X(GLOBAL_SET, 2)     /* global src */                                                    \
  X(GLOBAL_GET2, 2)    /* v128 */                                                          \
  X(GLOBAL_SET2, 2)    /* v128 */                                                          \
  X(MEMORY_SIZE, 1)    /* dst */                                                           \
  X(MEMORY_GROW, 2)    /* dst delta */                                                     \
  X(MEMORY_FILL, 3)    /* d v n */                                                         \
  X(MEMORY_COPY, 3)    /* d s n */                                                         \
  X(MEMORY_INIT, 4)    /* seg d s n */                                                     \
  X(DATA_DROP, 1)      /* seg */                                                           \
  X(TABLE_GET, 3)      /* dst table idx */                                                 \
  X(TABLE_SET, 3)      /* table idx val */                                                 \
  X(TABLE_SIZE, 2)     /* dst table */                                                     \
  X(TABLE_GROW, 4)     /* dst table init n */                                              \
  X(TABLE_FILL, 4)     /* table i val n */                                                 \
  X(TABLE_COPY, 5)     /* dtable stable d s n */                                           \
  X(TABLE_INIT, 5)     /* table seg d s n */                                               \
  X(ELEM_DROP, 1)      /* seg */                                                           \
  X(REF_IS_NULL, 2)    /* dst a */                                                         \
  X(REF_FUNC, 2)       /* dst func index */                                                \
  X(BR_IF_EQZ, 2)      /* cond off: fused i32.eqz + br_if */                               \
  X(BR_IF_EQZ64, 2)    /* cond off: fused i64.eqz + br_if */                               \
  X(BR_IF_NEZ64, 2)    /* cond off: fused i64.eqz + if (branch unless) */                  \
  X(I32_SHR_U_AND_I, 4) /* dst a shift mask: fused i32.shr_u + i32.and by constants */      \
  X(I32_MUL_ADD, 4)    /* dst a b c: a * b + c (i32) */                                    \
  X(LOCAL_SET_IMM, 3)  /* dst lo hi: a constant into a slot */                          \
  X(SIMD, 7)           /* sub-op dst a b c lane offset: see interp_simd.c */

/* Superinstructions made of two adjacent instructions A, B: X(A, B). The
** translator's last step (cmp_thread_code) turns A's opcode word into
** CMP_OP_P_<A>__<B> where B follows A; the handler runs A's body and then
** jumps straight to B's handler, saving B's indirect dispatch. B keeps its
** own opcode word and operands, so a branch to B, a yield that resumes at
** B and a trap in B all behave as before. Chosen from the pair counts of the
** RUSM_INTERP_PROFILE build on CoreMark and the bench kernels; A must be
** one of the ops with a PAIR_BODY in interp.c. */
#define CMP_PAIRS(X)                                                                       \
  X(I32_ADD_I, I32_ADD_I)                                                                  \
  X(I32_ADD_I, I32_ADD)                                                                    \
  X(I32_ADD_I, BR_IF_I32_NE_I)                                                             \
  X(I32_ADD_I, CALL)                                                                       \
  X(I32_ADD_I, I32_STORE)                                                                  \
  X(I32_ADD_I, I32_AND_I)                                                                  \
  X(I32_ADD, I32_ADD_I)                                                                    \
  X(I32_ADD, RETURN)                                                                       \
  X(I32_ADD, I64_ADD)                                                                      \
  X(I32_STORE8, I32_ADD)                                                                   \
  X(I64_ADD, BR_IF_I64_LE_U)                                                               \
  X(F64_LOAD_A, F64_MUL)                                                                   \
  X(F64_LOAD_A, F64_LOAD_A)                                                                \
  X(F64_MUL, F64_LOAD_A)                                                                   \
  X(F64_ADD, F64_ADD)                                                                      \
  X(I32_STORE, COPY)                                                                       \
  X(I32_STORE, I32_ADD_I)                                                                  \
  X(COPY, BR_IF)                                                                           \
  X(COPY, I32_LOAD)                                                                        \
  X(COPY, BR_IF_I32_NE_I)                                                                  \
  X(COPY, I32_ADD_I)                                                                       \
  X(I32_LOAD, I32_STORE)                                                                   \
  X(I32_LOAD, I32_LOAD8_U)                                                                 \
  X(I32_LOAD, I32_ADD_I)                                                                   \
  X(I32_LOAD, COPY)                                                                        \
  X(LOCAL_SET_IMM, COPY)                                                                   \
  X(LOCAL_SET_IMM, I32_ADD_I)                                                              \
  X(I32_MUL_I, I32_ADD)                                                                    \
  X(COPY_PAIR, CALL)                                                                       \
  X(I32_XOR, I32_AND_I)                                                                    \
  X(I32_AND_I, SELECT)                                                                     \
  X(I32_SHR_U_I, I32_XOR)                                                                  \
  X(I32_ROTL_I, I32_XOR)                                                                   \
  X(I32_XOR, I32_ADD)                                                                      \
  X(I32_ADD, I32_ADD)                                                                      \
  X(I32_ADD, I32_XOR)                                                                      \
  X(I32_AND, I32_XOR)                                                                      \
  X(I32_XOR, I32_ROTL_I)                                                                   \
  X(I32_ROTL_I, I32_ROTL_I)                                                                \
  X(COPY_PAIR, COPY_PAIR)                                                                  \
  X(I32_SHL_I, I32_XOR)                                                                    \
  X(I32_LOAD_A, I32_ROTL_I)                                                                \
  X(I32_LOAD_A, I32_AND)                                                                   \
  X(I32_XOR_I, I32_AND)                                                                    \
  X(I32_ADD, BR_UNLESS_I32_NE_I)                                                           \
  X(I32_SHR_U_AND_I, I32_XOR_I)                                                            \
  X(I32_LOAD16_U, I32_AND_I)                                                               \
  X(I32_LOAD16_U, I32_MUL)                                                                 \
  X(I32_LOAD, I32_LOAD16_U)                                                                \
  X(I32_AND_I, BR_IF_I32_EQ)                                                               \
  X(I32_AND_I, I32_XOR)                                                                    \
  X(I32_XOR, BR_IF_EQZ)                                                                    \
  X(I32_ADD_I, BR_IF)                                                                      \
  X(I32_MUL, COPY_PAIR)                                                                    \
  X(I32_SHL_I, I32_ADD)                                                                    \
  X(BR_IF_I32_EQ_I, BR_TABLE)                                                              \
  X(BR_IF_I32_EQ, I32_LOAD_BR_IF)                                                          \
  X(BR_IF, COPY)                                                                           \
  X(BR_IF_EQZ, I32_LOAD_BR_IF)                                                             \
  X(I32_LOAD8_U_BR_UNLESS, COPY)                                                           \
  X(I32_LOAD_BR_IF, I32_LOAD)

/* clang-format on */

typedef enum {
#define X_UN(n, w, i, o, e) CMP_OP_##n,
#define X_BIN(n, w, i, o, e) CMP_OP_##n, CMP_OP_##n##_I,
#define X_TRAP(n, w, k) CMP_OP_##n,
#define X_LD(n, w, t, o) CMP_OP_##n, CMP_OP_##n##_A,
#define X_ST(n, w, t) CMP_OP_##n,
#define X_BRC(n, k, op)                                                                            \
  CMP_OP_BR_IF_##n, CMP_OP_BR_UNLESS_##n, CMP_OP_BR_IF_##n##_I, CMP_OP_BR_UNLESS_##n##_I,
#define X_MISC(n, k) CMP_OP_##n,
#define X_LDBR(n, t) CMP_OP_##n##_BR_IF, CMP_OP_##n##_BR_UNLESS,
#define X_PAIR(a, b) CMP_OP_P_##a##__##b,
  CMP_UNOPS(X_UN) CMP_BINOPS(X_BIN) CMP_TRAPOPS(X_TRAP) CMP_LOADS(X_LD) CMP_STORES(X_ST)
      CMP_BRCMPS(X_BRC) CMP_MISC(X_MISC) CMP_LOADBRS(X_LDBR) CMP_OP_PAIR_FIRST_,
  CMP_OP_PAIR_BEFORE_ = CMP_OP_PAIR_FIRST_ - 1, /* the pairs start at CMP_OP_PAIR_FIRST_ */
  CMP_PAIRS(X_PAIR)
#undef X_PAIR
#undef X_UN
#undef X_BIN
#undef X_TRAP
#undef X_LD
#undef X_ST
#undef X_BRC
#undef X_MISC
#undef X_LDBR
      CMP_OP_COUNT_
} cmp_op;

/* Words of an immediate of each operand kind (the _I forms): one for 32-bit
** kinds, two (lo, hi) for 64-bit ones. */
#define CMP_IMMW_U32 1
#define CMP_IMMW_I32 1
#define CMP_IMMW_F32 1
#define CMP_IMMW_U64 2
#define CMP_IMMW_I64 2
#define CMP_IMMW_F64 2

/* The number of code words of the instruction at pc (opcode included), read
** before its opcode word is threaded (see interp_op_offset). */
uint32_t cmp_op_words(const uint32_t *pc);

/* Direct threading: the interpreter dispatches on a handler's offset from
** a base address, so the translator's last step replaces each opcode word
** with interp_op_offset(op) and dispatch is one load and a jump instead of
** a load, a table load and a jump. Implemented in interp.c, which alone
** knows the handlers' addresses. Thread-safe. */
uint32_t interp_op_offset(cmp_op op);

/* Whether the interpreter has the CMP_PAIRS superinstructions (it leaves
** them out when they would slow it down, see interp.c). */
bool interp_pairs(void);

/* For a pair op, the words its handler steps over before running the second
** instruction (must equal cmp_op_words of the first); 0 otherwise or when
** the interpreter has no pairs. For tests/engine/test_pairs.c. */
uint32_t interp_pair_first_words(cmp_op op);

/* A translated function; immutable after load, shared by all instances. */
typedef struct cmp_func {
  uint32_t *code;         /* owned */
  uint32_t code_len;      /* words */
  uint32_t index;         /* in the module's function index space */
  uint32_t type_index;    /* in the module's type section */
  uint32_t n_param_slots; /* params occupy slots [0, n_param_slots) */
  uint32_t n_local_slots; /* zeroed on entry, after the params */
  uint32_t n_result_slots;
  uint32_t const_base; /* constants are copied to [const_base, +n_consts) on entry */
  uint32_t n_consts;
  uint32_t frame_slots; /* everything the frame may touch, for the stack check */
  uint64_t *consts;     /* owned */
} cmp_func;

#endif
