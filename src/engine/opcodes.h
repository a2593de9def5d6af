/*
** opcodes.h: every WebAssembly 2.0 instruction, defined once.
**
** One X-macro row per instruction:
**
**   X(SYM, prefix, code, "text", IMM, p1, p2, p3, r)
**
**   SYM     enum suffix: WASM_OP_<SYM>
**   prefix  0 for single-byte opcodes, 0xFC or 0xFD for prefixed ones
**   code    the opcode byte, or the u32 sub-opcode after the prefix
**   "text"  the text-format mnemonic
**   IMM     immediate kind: WASM_IMM_<IMM> (what follows the opcode)
**   p1..p3  operand types popped, in stack order (p1 deepest), `_` if unused
**   r       result type pushed, `_` if none
**
** Types are the tokens i32 i64 f32 f64 v128 (and `_`). A row whose p1 is
** `x` is *special*: its stack effect depends on context (control, locals,
** globals, references, drop/select, ...) and the validator types it by
** hand. Every other row is *simple*: after its immediates are checked, it
** pops p1..p3 and pushes r, so the validator and the translator can be
** driven by wasm_opinfo[] for it.
**
** Opcodes live in one flat space so that a decoded instruction is one
** integer (see WASM_OP_FLAT):
**
**   0x000..0x0FF  single-byte opcodes (value = the byte)
**   0x100..0x1FF  0xFC prefix (value = 0x100 + sub-opcode)
**   0x200..0x3FF  0xFD prefix, SIMD (value = 0x200 + sub-opcode)
*/
#ifndef RUSM_ENGINE_OPCODES_H
#define RUSM_ENGINE_OPCODES_H

#include <stdint.h>

#define WASM_OP_FLAT(prefix, code)                                                                 \
  ((prefix) == 0 ? (code) : (prefix) == 0xFC ? 0x100 + (code) : 0x200 + (code))
#define WASM_OP_COUNT 0x400

/* Immediate kinds. */
#define WASM_IMMS(X)                                                                               \
  X(NONE)          /* nothing */                                                                   \
  X(BLOCKTYPE)     /* 0x40 | valtype | s33 type index */                                           \
  X(LABEL)         /* u32 label depth */                                                           \
  X(BR_TABLE)      /* vec(u32 label) u32 default */                                                \
  X(FUNC)          /* u32 function index */                                                        \
  X(CALL_INDIRECT) /* u32 type index, u32 table index */                                           \
  X(LOCAL)         /* u32 local index */                                                           \
  X(GLOBAL)        /* u32 global index */                                                          \
  X(TABLE)         /* u32 table index */                                                           \
  X(MEMARG)        /* u32 align (log2), u32 offset; memory 0 */                                    \
  X(MEM)           /* 0x00 byte (memory index 0): memory.size / memory.grow */                     \
  X(I32)           /* s32 */                                                                       \
  X(I64)           /* s64 */                                                                       \
  X(F32)           /* 4 bytes little-endian */                                                     \
  X(F64)           /* 8 bytes little-endian */                                                     \
  X(V128)          /* 16 bytes */                                                                  \
  X(LANE)          /* 1 byte lane index */                                                         \
  X(SHUFFLE)       /* 16 bytes of lane indices < 32 */                                             \
  X(MEMARG_LANE)   /* memarg, then 1 byte lane index */                                            \
  X(SELECT_T)      /* vec(valtype), length 1 in 2.0 */                                             \
  X(REFTYPE)       /* 1 byte reftype: ref.null */                                                  \
  X(MEMORY_INIT)   /* u32 data index, 0x00 */                                                      \
  X(DATA)          /* u32 data index: data.drop */                                                 \
  X(MEMORY_COPY)   /* 0x00 0x00 */                                                                 \
  X(MEMORY_FILL)   /* 0x00 */                                                                      \
  X(TABLE_INIT)    /* u32 elem index, u32 table index */                                           \
  X(ELEM)          /* u32 elem index: elem.drop */                                                 \
  X(TABLE_COPY)    /* u32 dst table, u32 src table */

typedef enum {
#define X(k) WASM_IMM_##k,
  WASM_IMMS(X)
#undef X
} wasm_imm_kind;

/* Type tokens used in the table (valtype bytes, as rusm_valtype). */
#define WASM_T__ 0x00
#define WASM_T_i32 0x7f
#define WASM_T_i64 0x7e
#define WASM_T_f32 0x7d
#define WASM_T_f64 0x7c
#define WASM_T_v128 0x7b
#define WASM_T_x 0xff /* special: typed by hand */

/* clang-format off */
#define WASM_OPS_CONTROL(X) \
  X(UNREACHABLE,    0, 0x00, "unreachable",   NONE,          x, x, x, x) \
  X(NOP,            0, 0x01, "nop",           NONE,          _, _, _, _) \
  X(BLOCK,          0, 0x02, "block",         BLOCKTYPE,     x, x, x, x) \
  X(LOOP,           0, 0x03, "loop",          BLOCKTYPE,     x, x, x, x) \
  X(IF,             0, 0x04, "if",            BLOCKTYPE,     x, x, x, x) \
  X(ELSE,           0, 0x05, "else",          NONE,          x, x, x, x) \
  X(END,            0, 0x0B, "end",           NONE,          x, x, x, x) \
  X(BR,             0, 0x0C, "br",            LABEL,         x, x, x, x) \
  X(BR_IF,          0, 0x0D, "br_if",         LABEL,         x, x, x, x) \
  X(BR_TABLE,       0, 0x0E, "br_table",      BR_TABLE,      x, x, x, x) \
  X(RETURN,         0, 0x0F, "return",        NONE,          x, x, x, x) \
  X(CALL,           0, 0x10, "call",          FUNC,          x, x, x, x) \
  X(CALL_INDIRECT,  0, 0x11, "call_indirect", CALL_INDIRECT, x, x, x, x) \
  X(DROP,           0, 0x1A, "drop",          NONE,          x, x, x, x) \
  X(SELECT,         0, 0x1B, "select",        NONE,          x, x, x, x) \
  X(SELECT_T,       0, 0x1C, "select",        SELECT_T,      x, x, x, x) \
  X(LOCAL_GET,      0, 0x20, "local.get",     LOCAL,         x, x, x, x) \
  X(LOCAL_SET,      0, 0x21, "local.set",     LOCAL,         x, x, x, x) \
  X(LOCAL_TEE,      0, 0x22, "local.tee",     LOCAL,         x, x, x, x) \
  X(GLOBAL_GET,     0, 0x23, "global.get",    GLOBAL,        x, x, x, x) \
  X(GLOBAL_SET,     0, 0x24, "global.set",    GLOBAL,        x, x, x, x) \
  X(TABLE_GET,      0, 0x25, "table.get",     TABLE,         x, x, x, x) \
  X(TABLE_SET,      0, 0x26, "table.set",     TABLE,         x, x, x, x)

#define WASM_OPS_MEMORY(X) \
  X(I32_LOAD,       0, 0x28, "i32.load",      MEMARG, i32, _, _, i32) \
  X(I64_LOAD,       0, 0x29, "i64.load",      MEMARG, i32, _, _, i64) \
  X(F32_LOAD,       0, 0x2A, "f32.load",      MEMARG, i32, _, _, f32) \
  X(F64_LOAD,       0, 0x2B, "f64.load",      MEMARG, i32, _, _, f64) \
  X(I32_LOAD8_S,    0, 0x2C, "i32.load8_s",   MEMARG, i32, _, _, i32) \
  X(I32_LOAD8_U,    0, 0x2D, "i32.load8_u",   MEMARG, i32, _, _, i32) \
  X(I32_LOAD16_S,   0, 0x2E, "i32.load16_s",  MEMARG, i32, _, _, i32) \
  X(I32_LOAD16_U,   0, 0x2F, "i32.load16_u",  MEMARG, i32, _, _, i32) \
  X(I64_LOAD8_S,    0, 0x30, "i64.load8_s",   MEMARG, i32, _, _, i64) \
  X(I64_LOAD8_U,    0, 0x31, "i64.load8_u",   MEMARG, i32, _, _, i64) \
  X(I64_LOAD16_S,   0, 0x32, "i64.load16_s",  MEMARG, i32, _, _, i64) \
  X(I64_LOAD16_U,   0, 0x33, "i64.load16_u",  MEMARG, i32, _, _, i64) \
  X(I64_LOAD32_S,   0, 0x34, "i64.load32_s",  MEMARG, i32, _, _, i64) \
  X(I64_LOAD32_U,   0, 0x35, "i64.load32_u",  MEMARG, i32, _, _, i64) \
  X(I32_STORE,      0, 0x36, "i32.store",     MEMARG, i32, i32, _, _) \
  X(I64_STORE,      0, 0x37, "i64.store",     MEMARG, i32, i64, _, _) \
  X(F32_STORE,      0, 0x38, "f32.store",     MEMARG, i32, f32, _, _) \
  X(F64_STORE,      0, 0x39, "f64.store",     MEMARG, i32, f64, _, _) \
  X(I32_STORE8,     0, 0x3A, "i32.store8",    MEMARG, i32, i32, _, _) \
  X(I32_STORE16,    0, 0x3B, "i32.store16",   MEMARG, i32, i32, _, _) \
  X(I64_STORE8,     0, 0x3C, "i64.store8",    MEMARG, i32, i64, _, _) \
  X(I64_STORE16,    0, 0x3D, "i64.store16",   MEMARG, i32, i64, _, _) \
  X(I64_STORE32,    0, 0x3E, "i64.store32",   MEMARG, i32, i64, _, _) \
  X(MEMORY_SIZE,    0, 0x3F, "memory.size",   MEM,    _, _, _, i32)   \
  X(MEMORY_GROW,    0, 0x40, "memory.grow",   MEM,    i32, _, _, i32)

#define WASM_OPS_NUMERIC(X) \
  X(I32_CONST,      0, 0x41, "i32.const",     I32,  _, _, _, i32) \
  X(I64_CONST,      0, 0x42, "i64.const",     I64,  _, _, _, i64) \
  X(F32_CONST,      0, 0x43, "f32.const",     F32,  _, _, _, f32) \
  X(F64_CONST,      0, 0x44, "f64.const",     F64,  _, _, _, f64) \
  X(I32_EQZ,        0, 0x45, "i32.eqz",       NONE, i32, _, _, i32) \
  X(I32_EQ,         0, 0x46, "i32.eq",        NONE, i32, i32, _, i32) \
  X(I32_NE,         0, 0x47, "i32.ne",        NONE, i32, i32, _, i32) \
  X(I32_LT_S,       0, 0x48, "i32.lt_s",      NONE, i32, i32, _, i32) \
  X(I32_LT_U,       0, 0x49, "i32.lt_u",      NONE, i32, i32, _, i32) \
  X(I32_GT_S,       0, 0x4A, "i32.gt_s",      NONE, i32, i32, _, i32) \
  X(I32_GT_U,       0, 0x4B, "i32.gt_u",      NONE, i32, i32, _, i32) \
  X(I32_LE_S,       0, 0x4C, "i32.le_s",      NONE, i32, i32, _, i32) \
  X(I32_LE_U,       0, 0x4D, "i32.le_u",      NONE, i32, i32, _, i32) \
  X(I32_GE_S,       0, 0x4E, "i32.ge_s",      NONE, i32, i32, _, i32) \
  X(I32_GE_U,       0, 0x4F, "i32.ge_u",      NONE, i32, i32, _, i32) \
  X(I64_EQZ,        0, 0x50, "i64.eqz",       NONE, i64, _, _, i32) \
  X(I64_EQ,         0, 0x51, "i64.eq",        NONE, i64, i64, _, i32) \
  X(I64_NE,         0, 0x52, "i64.ne",        NONE, i64, i64, _, i32) \
  X(I64_LT_S,       0, 0x53, "i64.lt_s",      NONE, i64, i64, _, i32) \
  X(I64_LT_U,       0, 0x54, "i64.lt_u",      NONE, i64, i64, _, i32) \
  X(I64_GT_S,       0, 0x55, "i64.gt_s",      NONE, i64, i64, _, i32) \
  X(I64_GT_U,       0, 0x56, "i64.gt_u",      NONE, i64, i64, _, i32) \
  X(I64_LE_S,       0, 0x57, "i64.le_s",      NONE, i64, i64, _, i32) \
  X(I64_LE_U,       0, 0x58, "i64.le_u",      NONE, i64, i64, _, i32) \
  X(I64_GE_S,       0, 0x59, "i64.ge_s",      NONE, i64, i64, _, i32) \
  X(I64_GE_U,       0, 0x5A, "i64.ge_u",      NONE, i64, i64, _, i32) \
  X(F32_EQ,         0, 0x5B, "f32.eq",        NONE, f32, f32, _, i32) \
  X(F32_NE,         0, 0x5C, "f32.ne",        NONE, f32, f32, _, i32) \
  X(F32_LT,         0, 0x5D, "f32.lt",        NONE, f32, f32, _, i32) \
  X(F32_GT,         0, 0x5E, "f32.gt",        NONE, f32, f32, _, i32) \
  X(F32_LE,         0, 0x5F, "f32.le",        NONE, f32, f32, _, i32) \
  X(F32_GE,         0, 0x60, "f32.ge",        NONE, f32, f32, _, i32) \
  X(F64_EQ,         0, 0x61, "f64.eq",        NONE, f64, f64, _, i32) \
  X(F64_NE,         0, 0x62, "f64.ne",        NONE, f64, f64, _, i32) \
  X(F64_LT,         0, 0x63, "f64.lt",        NONE, f64, f64, _, i32) \
  X(F64_GT,         0, 0x64, "f64.gt",        NONE, f64, f64, _, i32) \
  X(F64_LE,         0, 0x65, "f64.le",        NONE, f64, f64, _, i32) \
  X(F64_GE,         0, 0x66, "f64.ge",        NONE, f64, f64, _, i32) \
  X(I32_CLZ,        0, 0x67, "i32.clz",       NONE, i32, _, _, i32) \
  X(I32_CTZ,        0, 0x68, "i32.ctz",       NONE, i32, _, _, i32) \
  X(I32_POPCNT,     0, 0x69, "i32.popcnt",    NONE, i32, _, _, i32) \
  X(I32_ADD,        0, 0x6A, "i32.add",       NONE, i32, i32, _, i32) \
  X(I32_SUB,        0, 0x6B, "i32.sub",       NONE, i32, i32, _, i32) \
  X(I32_MUL,        0, 0x6C, "i32.mul",       NONE, i32, i32, _, i32) \
  X(I32_DIV_S,      0, 0x6D, "i32.div_s",     NONE, i32, i32, _, i32) \
  X(I32_DIV_U,      0, 0x6E, "i32.div_u",     NONE, i32, i32, _, i32) \
  X(I32_REM_S,      0, 0x6F, "i32.rem_s",     NONE, i32, i32, _, i32) \
  X(I32_REM_U,      0, 0x70, "i32.rem_u",     NONE, i32, i32, _, i32) \
  X(I32_AND,        0, 0x71, "i32.and",       NONE, i32, i32, _, i32) \
  X(I32_OR,         0, 0x72, "i32.or",        NONE, i32, i32, _, i32) \
  X(I32_XOR,        0, 0x73, "i32.xor",       NONE, i32, i32, _, i32) \
  X(I32_SHL,        0, 0x74, "i32.shl",       NONE, i32, i32, _, i32) \
  X(I32_SHR_S,      0, 0x75, "i32.shr_s",     NONE, i32, i32, _, i32) \
  X(I32_SHR_U,      0, 0x76, "i32.shr_u",     NONE, i32, i32, _, i32) \
  X(I32_ROTL,       0, 0x77, "i32.rotl",      NONE, i32, i32, _, i32) \
  X(I32_ROTR,       0, 0x78, "i32.rotr",      NONE, i32, i32, _, i32) \
  X(I64_CLZ,        0, 0x79, "i64.clz",       NONE, i64, _, _, i64) \
  X(I64_CTZ,        0, 0x7A, "i64.ctz",       NONE, i64, _, _, i64) \
  X(I64_POPCNT,     0, 0x7B, "i64.popcnt",    NONE, i64, _, _, i64) \
  X(I64_ADD,        0, 0x7C, "i64.add",       NONE, i64, i64, _, i64) \
  X(I64_SUB,        0, 0x7D, "i64.sub",       NONE, i64, i64, _, i64) \
  X(I64_MUL,        0, 0x7E, "i64.mul",       NONE, i64, i64, _, i64) \
  X(I64_DIV_S,      0, 0x7F, "i64.div_s",     NONE, i64, i64, _, i64) \
  X(I64_DIV_U,      0, 0x80, "i64.div_u",     NONE, i64, i64, _, i64) \
  X(I64_REM_S,      0, 0x81, "i64.rem_s",     NONE, i64, i64, _, i64) \
  X(I64_REM_U,      0, 0x82, "i64.rem_u",     NONE, i64, i64, _, i64) \
  X(I64_AND,        0, 0x83, "i64.and",       NONE, i64, i64, _, i64) \
  X(I64_OR,         0, 0x84, "i64.or",        NONE, i64, i64, _, i64) \
  X(I64_XOR,        0, 0x85, "i64.xor",       NONE, i64, i64, _, i64) \
  X(I64_SHL,        0, 0x86, "i64.shl",       NONE, i64, i64, _, i64) \
  X(I64_SHR_S,      0, 0x87, "i64.shr_s",     NONE, i64, i64, _, i64) \
  X(I64_SHR_U,      0, 0x88, "i64.shr_u",     NONE, i64, i64, _, i64) \
  X(I64_ROTL,       0, 0x89, "i64.rotl",      NONE, i64, i64, _, i64) \
  X(I64_ROTR,       0, 0x8A, "i64.rotr",      NONE, i64, i64, _, i64) \
  X(F32_ABS,        0, 0x8B, "f32.abs",       NONE, f32, _, _, f32) \
  X(F32_NEG,        0, 0x8C, "f32.neg",       NONE, f32, _, _, f32) \
  X(F32_CEIL,       0, 0x8D, "f32.ceil",      NONE, f32, _, _, f32) \
  X(F32_FLOOR,      0, 0x8E, "f32.floor",     NONE, f32, _, _, f32) \
  X(F32_TRUNC,      0, 0x8F, "f32.trunc",     NONE, f32, _, _, f32) \
  X(F32_NEAREST,    0, 0x90, "f32.nearest",   NONE, f32, _, _, f32) \
  X(F32_SQRT,       0, 0x91, "f32.sqrt",      NONE, f32, _, _, f32) \
  X(F32_ADD,        0, 0x92, "f32.add",       NONE, f32, f32, _, f32) \
  X(F32_SUB,        0, 0x93, "f32.sub",       NONE, f32, f32, _, f32) \
  X(F32_MUL,        0, 0x94, "f32.mul",       NONE, f32, f32, _, f32) \
  X(F32_DIV,        0, 0x95, "f32.div",       NONE, f32, f32, _, f32) \
  X(F32_MIN,        0, 0x96, "f32.min",       NONE, f32, f32, _, f32) \
  X(F32_MAX,        0, 0x97, "f32.max",       NONE, f32, f32, _, f32) \
  X(F32_COPYSIGN,   0, 0x98, "f32.copysign",  NONE, f32, f32, _, f32) \
  X(F64_ABS,        0, 0x99, "f64.abs",       NONE, f64, _, _, f64) \
  X(F64_NEG,        0, 0x9A, "f64.neg",       NONE, f64, _, _, f64) \
  X(F64_CEIL,       0, 0x9B, "f64.ceil",      NONE, f64, _, _, f64) \
  X(F64_FLOOR,      0, 0x9C, "f64.floor",     NONE, f64, _, _, f64) \
  X(F64_TRUNC,      0, 0x9D, "f64.trunc",     NONE, f64, _, _, f64) \
  X(F64_NEAREST,    0, 0x9E, "f64.nearest",   NONE, f64, _, _, f64) \
  X(F64_SQRT,       0, 0x9F, "f64.sqrt",      NONE, f64, _, _, f64) \
  X(F64_ADD,        0, 0xA0, "f64.add",       NONE, f64, f64, _, f64) \
  X(F64_SUB,        0, 0xA1, "f64.sub",       NONE, f64, f64, _, f64) \
  X(F64_MUL,        0, 0xA2, "f64.mul",       NONE, f64, f64, _, f64) \
  X(F64_DIV,        0, 0xA3, "f64.div",       NONE, f64, f64, _, f64) \
  X(F64_MIN,        0, 0xA4, "f64.min",       NONE, f64, f64, _, f64) \
  X(F64_MAX,        0, 0xA5, "f64.max",       NONE, f64, f64, _, f64) \
  X(F64_COPYSIGN,   0, 0xA6, "f64.copysign",  NONE, f64, f64, _, f64) \
  X(I32_WRAP_I64,        0, 0xA7, "i32.wrap_i64",        NONE, i64, _, _, i32) \
  X(I32_TRUNC_F32_S,     0, 0xA8, "i32.trunc_f32_s",     NONE, f32, _, _, i32) \
  X(I32_TRUNC_F32_U,     0, 0xA9, "i32.trunc_f32_u",     NONE, f32, _, _, i32) \
  X(I32_TRUNC_F64_S,     0, 0xAA, "i32.trunc_f64_s",     NONE, f64, _, _, i32) \
  X(I32_TRUNC_F64_U,     0, 0xAB, "i32.trunc_f64_u",     NONE, f64, _, _, i32) \
  X(I64_EXTEND_I32_S,    0, 0xAC, "i64.extend_i32_s",    NONE, i32, _, _, i64) \
  X(I64_EXTEND_I32_U,    0, 0xAD, "i64.extend_i32_u",    NONE, i32, _, _, i64) \
  X(I64_TRUNC_F32_S,     0, 0xAE, "i64.trunc_f32_s",     NONE, f32, _, _, i64) \
  X(I64_TRUNC_F32_U,     0, 0xAF, "i64.trunc_f32_u",     NONE, f32, _, _, i64) \
  X(I64_TRUNC_F64_S,     0, 0xB0, "i64.trunc_f64_s",     NONE, f64, _, _, i64) \
  X(I64_TRUNC_F64_U,     0, 0xB1, "i64.trunc_f64_u",     NONE, f64, _, _, i64) \
  X(F32_CONVERT_I32_S,   0, 0xB2, "f32.convert_i32_s",   NONE, i32, _, _, f32) \
  X(F32_CONVERT_I32_U,   0, 0xB3, "f32.convert_i32_u",   NONE, i32, _, _, f32) \
  X(F32_CONVERT_I64_S,   0, 0xB4, "f32.convert_i64_s",   NONE, i64, _, _, f32) \
  X(F32_CONVERT_I64_U,   0, 0xB5, "f32.convert_i64_u",   NONE, i64, _, _, f32) \
  X(F32_DEMOTE_F64,      0, 0xB6, "f32.demote_f64",      NONE, f64, _, _, f32) \
  X(F64_CONVERT_I32_S,   0, 0xB7, "f64.convert_i32_s",   NONE, i32, _, _, f64) \
  X(F64_CONVERT_I32_U,   0, 0xB8, "f64.convert_i32_u",   NONE, i32, _, _, f64) \
  X(F64_CONVERT_I64_S,   0, 0xB9, "f64.convert_i64_s",   NONE, i64, _, _, f64) \
  X(F64_CONVERT_I64_U,   0, 0xBA, "f64.convert_i64_u",   NONE, i64, _, _, f64) \
  X(F64_PROMOTE_F32,     0, 0xBB, "f64.promote_f32",     NONE, f32, _, _, f64) \
  X(I32_REINTERPRET_F32, 0, 0xBC, "i32.reinterpret_f32", NONE, f32, _, _, i32) \
  X(I64_REINTERPRET_F64, 0, 0xBD, "i64.reinterpret_f64", NONE, f64, _, _, i64) \
  X(F32_REINTERPRET_I32, 0, 0xBE, "f32.reinterpret_i32", NONE, i32, _, _, f32) \
  X(F64_REINTERPRET_I64, 0, 0xBF, "f64.reinterpret_i64", NONE, i64, _, _, f64) \
  X(I32_EXTEND8_S,       0, 0xC0, "i32.extend8_s",       NONE, i32, _, _, i32) \
  X(I32_EXTEND16_S,      0, 0xC1, "i32.extend16_s",      NONE, i32, _, _, i32) \
  X(I64_EXTEND8_S,       0, 0xC2, "i64.extend8_s",       NONE, i64, _, _, i64) \
  X(I64_EXTEND16_S,      0, 0xC3, "i64.extend16_s",      NONE, i64, _, _, i64) \
  X(I64_EXTEND32_S,      0, 0xC4, "i64.extend32_s",      NONE, i64, _, _, i64)

#define WASM_OPS_REF(X) \
  X(REF_NULL,       0, 0xD0, "ref.null",      REFTYPE, x, x, x, x) \
  X(REF_IS_NULL,    0, 0xD1, "ref.is_null",   NONE,    x, x, x, x) \
  X(REF_FUNC,       0, 0xD2, "ref.func",      FUNC,    x, x, x, x)

#define WASM_OPS_FC(X) \
  X(I32_TRUNC_SAT_F32_S, 0xFC, 0,  "i32.trunc_sat_f32_s", NONE, f32, _, _, i32) \
  X(I32_TRUNC_SAT_F32_U, 0xFC, 1,  "i32.trunc_sat_f32_u", NONE, f32, _, _, i32) \
  X(I32_TRUNC_SAT_F64_S, 0xFC, 2,  "i32.trunc_sat_f64_s", NONE, f64, _, _, i32) \
  X(I32_TRUNC_SAT_F64_U, 0xFC, 3,  "i32.trunc_sat_f64_u", NONE, f64, _, _, i32) \
  X(I64_TRUNC_SAT_F32_S, 0xFC, 4,  "i64.trunc_sat_f32_s", NONE, f32, _, _, i64) \
  X(I64_TRUNC_SAT_F32_U, 0xFC, 5,  "i64.trunc_sat_f32_u", NONE, f32, _, _, i64) \
  X(I64_TRUNC_SAT_F64_S, 0xFC, 6,  "i64.trunc_sat_f64_s", NONE, f64, _, _, i64) \
  X(I64_TRUNC_SAT_F64_U, 0xFC, 7,  "i64.trunc_sat_f64_u", NONE, f64, _, _, i64) \
  X(MEMORY_INIT,         0xFC, 8,  "memory.init",  MEMORY_INIT, i32, i32, i32, _) \
  X(DATA_DROP,           0xFC, 9,  "data.drop",    DATA,        _, _, _, _)       \
  X(MEMORY_COPY,         0xFC, 10, "memory.copy",  MEMORY_COPY, i32, i32, i32, _) \
  X(MEMORY_FILL,         0xFC, 11, "memory.fill",  MEMORY_FILL, i32, i32, i32, _) \
  X(TABLE_INIT,          0xFC, 12, "table.init",   TABLE_INIT,  i32, i32, i32, _) \
  X(ELEM_DROP,           0xFC, 13, "elem.drop",    ELEM,        _, _, _, _)       \
  X(TABLE_COPY,          0xFC, 14, "table.copy",   TABLE_COPY,  i32, i32, i32, _) \
  X(TABLE_GROW,          0xFC, 15, "table.grow",   TABLE,       x, x, x, x)       \
  X(TABLE_SIZE,          0xFC, 16, "table.size",   TABLE,       _, _, _, i32)     \
  X(TABLE_FILL,          0xFC, 17, "table.fill",   TABLE,       x, x, x, x)

#define WASM_OPS_SIMD(X) \
  X(V128_LOAD,             0xFD, 0x00, "v128.load",          MEMARG, i32, _, _, v128) \
  X(V128_LOAD8X8_S,        0xFD, 0x01, "v128.load8x8_s",     MEMARG, i32, _, _, v128) \
  X(V128_LOAD8X8_U,        0xFD, 0x02, "v128.load8x8_u",     MEMARG, i32, _, _, v128) \
  X(V128_LOAD16X4_S,       0xFD, 0x03, "v128.load16x4_s",    MEMARG, i32, _, _, v128) \
  X(V128_LOAD16X4_U,       0xFD, 0x04, "v128.load16x4_u",    MEMARG, i32, _, _, v128) \
  X(V128_LOAD32X2_S,       0xFD, 0x05, "v128.load32x2_s",    MEMARG, i32, _, _, v128) \
  X(V128_LOAD32X2_U,       0xFD, 0x06, "v128.load32x2_u",    MEMARG, i32, _, _, v128) \
  X(V128_LOAD8_SPLAT,      0xFD, 0x07, "v128.load8_splat",   MEMARG, i32, _, _, v128) \
  X(V128_LOAD16_SPLAT,     0xFD, 0x08, "v128.load16_splat",  MEMARG, i32, _, _, v128) \
  X(V128_LOAD32_SPLAT,     0xFD, 0x09, "v128.load32_splat",  MEMARG, i32, _, _, v128) \
  X(V128_LOAD64_SPLAT,     0xFD, 0x0A, "v128.load64_splat",  MEMARG, i32, _, _, v128) \
  X(V128_STORE,            0xFD, 0x0B, "v128.store",         MEMARG, i32, v128, _, _) \
  X(V128_CONST,            0xFD, 0x0C, "v128.const",         V128,    _, _, _, v128)  \
  X(I8X16_SHUFFLE,         0xFD, 0x0D, "i8x16.shuffle",      SHUFFLE, v128, v128, _, v128) \
  X(I8X16_SWIZZLE,         0xFD, 0x0E, "i8x16.swizzle",      NONE, v128, v128, _, v128) \
  X(I8X16_SPLAT,           0xFD, 0x0F, "i8x16.splat",        NONE, i32, _, _, v128) \
  X(I16X8_SPLAT,           0xFD, 0x10, "i16x8.splat",        NONE, i32, _, _, v128) \
  X(I32X4_SPLAT,           0xFD, 0x11, "i32x4.splat",        NONE, i32, _, _, v128) \
  X(I64X2_SPLAT,           0xFD, 0x12, "i64x2.splat",        NONE, i64, _, _, v128) \
  X(F32X4_SPLAT,           0xFD, 0x13, "f32x4.splat",        NONE, f32, _, _, v128) \
  X(F64X2_SPLAT,           0xFD, 0x14, "f64x2.splat",        NONE, f64, _, _, v128) \
  X(I8X16_EXTRACT_LANE_S,  0xFD, 0x15, "i8x16.extract_lane_s", LANE, v128, _, _, i32) \
  X(I8X16_EXTRACT_LANE_U,  0xFD, 0x16, "i8x16.extract_lane_u", LANE, v128, _, _, i32) \
  X(I8X16_REPLACE_LANE,    0xFD, 0x17, "i8x16.replace_lane",   LANE, v128, i32, _, v128) \
  X(I16X8_EXTRACT_LANE_S,  0xFD, 0x18, "i16x8.extract_lane_s", LANE, v128, _, _, i32) \
  X(I16X8_EXTRACT_LANE_U,  0xFD, 0x19, "i16x8.extract_lane_u", LANE, v128, _, _, i32) \
  X(I16X8_REPLACE_LANE,    0xFD, 0x1A, "i16x8.replace_lane",   LANE, v128, i32, _, v128) \
  X(I32X4_EXTRACT_LANE,    0xFD, 0x1B, "i32x4.extract_lane",   LANE, v128, _, _, i32) \
  X(I32X4_REPLACE_LANE,    0xFD, 0x1C, "i32x4.replace_lane",   LANE, v128, i32, _, v128) \
  X(I64X2_EXTRACT_LANE,    0xFD, 0x1D, "i64x2.extract_lane",   LANE, v128, _, _, i64) \
  X(I64X2_REPLACE_LANE,    0xFD, 0x1E, "i64x2.replace_lane",   LANE, v128, i64, _, v128) \
  X(F32X4_EXTRACT_LANE,    0xFD, 0x1F, "f32x4.extract_lane",   LANE, v128, _, _, f32) \
  X(F32X4_REPLACE_LANE,    0xFD, 0x20, "f32x4.replace_lane",   LANE, v128, f32, _, v128) \
  X(F64X2_EXTRACT_LANE,    0xFD, 0x21, "f64x2.extract_lane",   LANE, v128, _, _, f64) \
  X(F64X2_REPLACE_LANE,    0xFD, 0x22, "f64x2.replace_lane",   LANE, v128, f64, _, v128) \
  X(I8X16_EQ,              0xFD, 0x23, "i8x16.eq",     NONE, v128, v128, _, v128) \
  X(I8X16_NE,              0xFD, 0x24, "i8x16.ne",     NONE, v128, v128, _, v128) \
  X(I8X16_LT_S,            0xFD, 0x25, "i8x16.lt_s",   NONE, v128, v128, _, v128) \
  X(I8X16_LT_U,            0xFD, 0x26, "i8x16.lt_u",   NONE, v128, v128, _, v128) \
  X(I8X16_GT_S,            0xFD, 0x27, "i8x16.gt_s",   NONE, v128, v128, _, v128) \
  X(I8X16_GT_U,            0xFD, 0x28, "i8x16.gt_u",   NONE, v128, v128, _, v128) \
  X(I8X16_LE_S,            0xFD, 0x29, "i8x16.le_s",   NONE, v128, v128, _, v128) \
  X(I8X16_LE_U,            0xFD, 0x2A, "i8x16.le_u",   NONE, v128, v128, _, v128) \
  X(I8X16_GE_S,            0xFD, 0x2B, "i8x16.ge_s",   NONE, v128, v128, _, v128) \
  X(I8X16_GE_U,            0xFD, 0x2C, "i8x16.ge_u",   NONE, v128, v128, _, v128) \
  X(I16X8_EQ,              0xFD, 0x2D, "i16x8.eq",     NONE, v128, v128, _, v128) \
  X(I16X8_NE,              0xFD, 0x2E, "i16x8.ne",     NONE, v128, v128, _, v128) \
  X(I16X8_LT_S,            0xFD, 0x2F, "i16x8.lt_s",   NONE, v128, v128, _, v128) \
  X(I16X8_LT_U,            0xFD, 0x30, "i16x8.lt_u",   NONE, v128, v128, _, v128) \
  X(I16X8_GT_S,            0xFD, 0x31, "i16x8.gt_s",   NONE, v128, v128, _, v128) \
  X(I16X8_GT_U,            0xFD, 0x32, "i16x8.gt_u",   NONE, v128, v128, _, v128) \
  X(I16X8_LE_S,            0xFD, 0x33, "i16x8.le_s",   NONE, v128, v128, _, v128) \
  X(I16X8_LE_U,            0xFD, 0x34, "i16x8.le_u",   NONE, v128, v128, _, v128) \
  X(I16X8_GE_S,            0xFD, 0x35, "i16x8.ge_s",   NONE, v128, v128, _, v128) \
  X(I16X8_GE_U,            0xFD, 0x36, "i16x8.ge_u",   NONE, v128, v128, _, v128) \
  X(I32X4_EQ,              0xFD, 0x37, "i32x4.eq",     NONE, v128, v128, _, v128) \
  X(I32X4_NE,              0xFD, 0x38, "i32x4.ne",     NONE, v128, v128, _, v128) \
  X(I32X4_LT_S,            0xFD, 0x39, "i32x4.lt_s",   NONE, v128, v128, _, v128) \
  X(I32X4_LT_U,            0xFD, 0x3A, "i32x4.lt_u",   NONE, v128, v128, _, v128) \
  X(I32X4_GT_S,            0xFD, 0x3B, "i32x4.gt_s",   NONE, v128, v128, _, v128) \
  X(I32X4_GT_U,            0xFD, 0x3C, "i32x4.gt_u",   NONE, v128, v128, _, v128) \
  X(I32X4_LE_S,            0xFD, 0x3D, "i32x4.le_s",   NONE, v128, v128, _, v128) \
  X(I32X4_LE_U,            0xFD, 0x3E, "i32x4.le_u",   NONE, v128, v128, _, v128) \
  X(I32X4_GE_S,            0xFD, 0x3F, "i32x4.ge_s",   NONE, v128, v128, _, v128) \
  X(I32X4_GE_U,            0xFD, 0x40, "i32x4.ge_u",   NONE, v128, v128, _, v128) \
  X(F32X4_EQ,              0xFD, 0x41, "f32x4.eq",     NONE, v128, v128, _, v128) \
  X(F32X4_NE,              0xFD, 0x42, "f32x4.ne",     NONE, v128, v128, _, v128) \
  X(F32X4_LT,              0xFD, 0x43, "f32x4.lt",     NONE, v128, v128, _, v128) \
  X(F32X4_GT,              0xFD, 0x44, "f32x4.gt",     NONE, v128, v128, _, v128) \
  X(F32X4_LE,              0xFD, 0x45, "f32x4.le",     NONE, v128, v128, _, v128) \
  X(F32X4_GE,              0xFD, 0x46, "f32x4.ge",     NONE, v128, v128, _, v128) \
  X(F64X2_EQ,              0xFD, 0x47, "f64x2.eq",     NONE, v128, v128, _, v128) \
  X(F64X2_NE,              0xFD, 0x48, "f64x2.ne",     NONE, v128, v128, _, v128) \
  X(F64X2_LT,              0xFD, 0x49, "f64x2.lt",     NONE, v128, v128, _, v128) \
  X(F64X2_GT,              0xFD, 0x4A, "f64x2.gt",     NONE, v128, v128, _, v128) \
  X(F64X2_LE,              0xFD, 0x4B, "f64x2.le",     NONE, v128, v128, _, v128) \
  X(F64X2_GE,              0xFD, 0x4C, "f64x2.ge",     NONE, v128, v128, _, v128) \
  X(V128_NOT,              0xFD, 0x4D, "v128.not",       NONE, v128, _, _, v128)      \
  X(V128_AND,              0xFD, 0x4E, "v128.and",       NONE, v128, v128, _, v128)   \
  X(V128_ANDNOT,           0xFD, 0x4F, "v128.andnot",    NONE, v128, v128, _, v128)   \
  X(V128_OR,               0xFD, 0x50, "v128.or",        NONE, v128, v128, _, v128)   \
  X(V128_XOR,              0xFD, 0x51, "v128.xor",       NONE, v128, v128, _, v128)   \
  X(V128_BITSELECT,        0xFD, 0x52, "v128.bitselect", NONE, v128, v128, v128, v128) \
  X(V128_ANY_TRUE,         0xFD, 0x53, "v128.any_true",  NONE, v128, _, _, i32)       \
  X(V128_LOAD8_LANE,       0xFD, 0x54, "v128.load8_lane",   MEMARG_LANE, i32, v128, _, v128) \
  X(V128_LOAD16_LANE,      0xFD, 0x55, "v128.load16_lane",  MEMARG_LANE, i32, v128, _, v128) \
  X(V128_LOAD32_LANE,      0xFD, 0x56, "v128.load32_lane",  MEMARG_LANE, i32, v128, _, v128) \
  X(V128_LOAD64_LANE,      0xFD, 0x57, "v128.load64_lane",  MEMARG_LANE, i32, v128, _, v128) \
  X(V128_STORE8_LANE,      0xFD, 0x58, "v128.store8_lane",  MEMARG_LANE, i32, v128, _, _)    \
  X(V128_STORE16_LANE,     0xFD, 0x59, "v128.store16_lane", MEMARG_LANE, i32, v128, _, _)    \
  X(V128_STORE32_LANE,     0xFD, 0x5A, "v128.store32_lane", MEMARG_LANE, i32, v128, _, _)    \
  X(V128_STORE64_LANE,     0xFD, 0x5B, "v128.store64_lane", MEMARG_LANE, i32, v128, _, _)    \
  X(V128_LOAD32_ZERO,      0xFD, 0x5C, "v128.load32_zero",  MEMARG, i32, _, _, v128) \
  X(V128_LOAD64_ZERO,      0xFD, 0x5D, "v128.load64_zero",  MEMARG, i32, _, _, v128) \
  X(F32X4_DEMOTE_F64X2_ZERO, 0xFD, 0x5E, "f32x4.demote_f64x2_zero", NONE, v128, _, _, v128) \
  X(F64X2_PROMOTE_LOW_F32X4, 0xFD, 0x5F, "f64x2.promote_low_f32x4", NONE, v128, _, _, v128) \
  X(I8X16_ABS,             0xFD, 0x60, "i8x16.abs",            NONE, v128, _, _, v128)    \
  X(I8X16_NEG,             0xFD, 0x61, "i8x16.neg",            NONE, v128, _, _, v128)    \
  X(I8X16_POPCNT,          0xFD, 0x62, "i8x16.popcnt",         NONE, v128, _, _, v128)    \
  X(I8X16_ALL_TRUE,        0xFD, 0x63, "i8x16.all_true",       NONE, v128, _, _, i32)     \
  X(I8X16_BITMASK,         0xFD, 0x64, "i8x16.bitmask",        NONE, v128, _, _, i32)     \
  X(I8X16_NARROW_I16X8_S,  0xFD, 0x65, "i8x16.narrow_i16x8_s", NONE, v128, v128, _, v128) \
  X(I8X16_NARROW_I16X8_U,  0xFD, 0x66, "i8x16.narrow_i16x8_u", NONE, v128, v128, _, v128) \
  X(F32X4_CEIL,            0xFD, 0x67, "f32x4.ceil",           NONE, v128, _, _, v128)    \
  X(F32X4_FLOOR,           0xFD, 0x68, "f32x4.floor",          NONE, v128, _, _, v128)    \
  X(F32X4_TRUNC,           0xFD, 0x69, "f32x4.trunc",          NONE, v128, _, _, v128)    \
  X(F32X4_NEAREST,         0xFD, 0x6A, "f32x4.nearest",        NONE, v128, _, _, v128)    \
  X(I8X16_SHL,             0xFD, 0x6B, "i8x16.shl",            NONE, v128, i32, _, v128)  \
  X(I8X16_SHR_S,           0xFD, 0x6C, "i8x16.shr_s",          NONE, v128, i32, _, v128)  \
  X(I8X16_SHR_U,           0xFD, 0x6D, "i8x16.shr_u",          NONE, v128, i32, _, v128)  \
  X(I8X16_ADD,             0xFD, 0x6E, "i8x16.add",            NONE, v128, v128, _, v128) \
  X(I8X16_ADD_SAT_S,       0xFD, 0x6F, "i8x16.add_sat_s",      NONE, v128, v128, _, v128) \
  X(I8X16_ADD_SAT_U,       0xFD, 0x70, "i8x16.add_sat_u",      NONE, v128, v128, _, v128) \
  X(I8X16_SUB,             0xFD, 0x71, "i8x16.sub",            NONE, v128, v128, _, v128) \
  X(I8X16_SUB_SAT_S,       0xFD, 0x72, "i8x16.sub_sat_s",      NONE, v128, v128, _, v128) \
  X(I8X16_SUB_SAT_U,       0xFD, 0x73, "i8x16.sub_sat_u",      NONE, v128, v128, _, v128) \
  X(F64X2_CEIL,            0xFD, 0x74, "f64x2.ceil",           NONE, v128, _, _, v128)    \
  X(F64X2_FLOOR,           0xFD, 0x75, "f64x2.floor",          NONE, v128, _, _, v128)    \
  X(I8X16_MIN_S,           0xFD, 0x76, "i8x16.min_s",          NONE, v128, v128, _, v128) \
  X(I8X16_MIN_U,           0xFD, 0x77, "i8x16.min_u",          NONE, v128, v128, _, v128) \
  X(I8X16_MAX_S,           0xFD, 0x78, "i8x16.max_s",          NONE, v128, v128, _, v128) \
  X(I8X16_MAX_U,           0xFD, 0x79, "i8x16.max_u",          NONE, v128, v128, _, v128) \
  X(F64X2_TRUNC,           0xFD, 0x7A, "f64x2.trunc",          NONE, v128, _, _, v128)    \
  X(I8X16_AVGR_U,          0xFD, 0x7B, "i8x16.avgr_u",         NONE, v128, v128, _, v128) \
  X(I16X8_EXTADD_PAIRWISE_I8X16_S, 0xFD, 0x7C, "i16x8.extadd_pairwise_i8x16_s", NONE, v128, _, _, v128) \
  X(I16X8_EXTADD_PAIRWISE_I8X16_U, 0xFD, 0x7D, "i16x8.extadd_pairwise_i8x16_u", NONE, v128, _, _, v128) \
  X(I32X4_EXTADD_PAIRWISE_I16X8_S, 0xFD, 0x7E, "i32x4.extadd_pairwise_i16x8_s", NONE, v128, _, _, v128) \
  X(I32X4_EXTADD_PAIRWISE_I16X8_U, 0xFD, 0x7F, "i32x4.extadd_pairwise_i16x8_u", NONE, v128, _, _, v128) \
  X(I16X8_ABS,             0xFD, 0x80, "i16x8.abs",            NONE, v128, _, _, v128)    \
  X(I16X8_NEG,             0xFD, 0x81, "i16x8.neg",            NONE, v128, _, _, v128)    \
  X(I16X8_Q15MULR_SAT_S,   0xFD, 0x82, "i16x8.q15mulr_sat_s",  NONE, v128, v128, _, v128) \
  X(I16X8_ALL_TRUE,        0xFD, 0x83, "i16x8.all_true",       NONE, v128, _, _, i32)     \
  X(I16X8_BITMASK,         0xFD, 0x84, "i16x8.bitmask",        NONE, v128, _, _, i32)     \
  X(I16X8_NARROW_I32X4_S,  0xFD, 0x85, "i16x8.narrow_i32x4_s", NONE, v128, v128, _, v128) \
  X(I16X8_NARROW_I32X4_U,  0xFD, 0x86, "i16x8.narrow_i32x4_u", NONE, v128, v128, _, v128) \
  X(I16X8_EXTEND_LOW_I8X16_S,  0xFD, 0x87, "i16x8.extend_low_i8x16_s",  NONE, v128, _, _, v128) \
  X(I16X8_EXTEND_HIGH_I8X16_S, 0xFD, 0x88, "i16x8.extend_high_i8x16_s", NONE, v128, _, _, v128) \
  X(I16X8_EXTEND_LOW_I8X16_U,  0xFD, 0x89, "i16x8.extend_low_i8x16_u",  NONE, v128, _, _, v128) \
  X(I16X8_EXTEND_HIGH_I8X16_U, 0xFD, 0x8A, "i16x8.extend_high_i8x16_u", NONE, v128, _, _, v128) \
  X(I16X8_SHL,             0xFD, 0x8B, "i16x8.shl",            NONE, v128, i32, _, v128)  \
  X(I16X8_SHR_S,           0xFD, 0x8C, "i16x8.shr_s",          NONE, v128, i32, _, v128)  \
  X(I16X8_SHR_U,           0xFD, 0x8D, "i16x8.shr_u",          NONE, v128, i32, _, v128)  \
  X(I16X8_ADD,             0xFD, 0x8E, "i16x8.add",            NONE, v128, v128, _, v128) \
  X(I16X8_ADD_SAT_S,       0xFD, 0x8F, "i16x8.add_sat_s",      NONE, v128, v128, _, v128) \
  X(I16X8_ADD_SAT_U,       0xFD, 0x90, "i16x8.add_sat_u",      NONE, v128, v128, _, v128) \
  X(I16X8_SUB,             0xFD, 0x91, "i16x8.sub",            NONE, v128, v128, _, v128) \
  X(I16X8_SUB_SAT_S,       0xFD, 0x92, "i16x8.sub_sat_s",      NONE, v128, v128, _, v128) \
  X(I16X8_SUB_SAT_U,       0xFD, 0x93, "i16x8.sub_sat_u",      NONE, v128, v128, _, v128) \
  X(F64X2_NEAREST,         0xFD, 0x94, "f64x2.nearest",        NONE, v128, _, _, v128)    \
  X(I16X8_MUL,             0xFD, 0x95, "i16x8.mul",            NONE, v128, v128, _, v128) \
  X(I16X8_MIN_S,           0xFD, 0x96, "i16x8.min_s",          NONE, v128, v128, _, v128) \
  X(I16X8_MIN_U,           0xFD, 0x97, "i16x8.min_u",          NONE, v128, v128, _, v128) \
  X(I16X8_MAX_S,           0xFD, 0x98, "i16x8.max_s",          NONE, v128, v128, _, v128) \
  X(I16X8_MAX_U,           0xFD, 0x99, "i16x8.max_u",          NONE, v128, v128, _, v128) \
  X(I16X8_AVGR_U,          0xFD, 0x9B, "i16x8.avgr_u",         NONE, v128, v128, _, v128) \
  X(I16X8_EXTMUL_LOW_I8X16_S,  0xFD, 0x9C, "i16x8.extmul_low_i8x16_s",  NONE, v128, v128, _, v128) \
  X(I16X8_EXTMUL_HIGH_I8X16_S, 0xFD, 0x9D, "i16x8.extmul_high_i8x16_s", NONE, v128, v128, _, v128) \
  X(I16X8_EXTMUL_LOW_I8X16_U,  0xFD, 0x9E, "i16x8.extmul_low_i8x16_u",  NONE, v128, v128, _, v128) \
  X(I16X8_EXTMUL_HIGH_I8X16_U, 0xFD, 0x9F, "i16x8.extmul_high_i8x16_u", NONE, v128, v128, _, v128) \
  X(I32X4_ABS,             0xFD, 0xA0, "i32x4.abs",            NONE, v128, _, _, v128)    \
  X(I32X4_NEG,             0xFD, 0xA1, "i32x4.neg",            NONE, v128, _, _, v128)    \
  X(I32X4_ALL_TRUE,        0xFD, 0xA3, "i32x4.all_true",       NONE, v128, _, _, i32)     \
  X(I32X4_BITMASK,         0xFD, 0xA4, "i32x4.bitmask",        NONE, v128, _, _, i32)     \
  X(I32X4_EXTEND_LOW_I16X8_S,  0xFD, 0xA7, "i32x4.extend_low_i16x8_s",  NONE, v128, _, _, v128) \
  X(I32X4_EXTEND_HIGH_I16X8_S, 0xFD, 0xA8, "i32x4.extend_high_i16x8_s", NONE, v128, _, _, v128) \
  X(I32X4_EXTEND_LOW_I16X8_U,  0xFD, 0xA9, "i32x4.extend_low_i16x8_u",  NONE, v128, _, _, v128) \
  X(I32X4_EXTEND_HIGH_I16X8_U, 0xFD, 0xAA, "i32x4.extend_high_i16x8_u", NONE, v128, _, _, v128) \
  X(I32X4_SHL,             0xFD, 0xAB, "i32x4.shl",            NONE, v128, i32, _, v128)  \
  X(I32X4_SHR_S,           0xFD, 0xAC, "i32x4.shr_s",          NONE, v128, i32, _, v128)  \
  X(I32X4_SHR_U,           0xFD, 0xAD, "i32x4.shr_u",          NONE, v128, i32, _, v128)  \
  X(I32X4_ADD,             0xFD, 0xAE, "i32x4.add",            NONE, v128, v128, _, v128) \
  X(I32X4_SUB,             0xFD, 0xB1, "i32x4.sub",            NONE, v128, v128, _, v128) \
  X(I32X4_MUL,             0xFD, 0xB5, "i32x4.mul",            NONE, v128, v128, _, v128) \
  X(I32X4_MIN_S,           0xFD, 0xB6, "i32x4.min_s",          NONE, v128, v128, _, v128) \
  X(I32X4_MIN_U,           0xFD, 0xB7, "i32x4.min_u",          NONE, v128, v128, _, v128) \
  X(I32X4_MAX_S,           0xFD, 0xB8, "i32x4.max_s",          NONE, v128, v128, _, v128) \
  X(I32X4_MAX_U,           0xFD, 0xB9, "i32x4.max_u",          NONE, v128, v128, _, v128) \
  X(I32X4_DOT_I16X8_S,     0xFD, 0xBA, "i32x4.dot_i16x8_s",    NONE, v128, v128, _, v128) \
  X(I32X4_EXTMUL_LOW_I16X8_S,  0xFD, 0xBC, "i32x4.extmul_low_i16x8_s",  NONE, v128, v128, _, v128) \
  X(I32X4_EXTMUL_HIGH_I16X8_S, 0xFD, 0xBD, "i32x4.extmul_high_i16x8_s", NONE, v128, v128, _, v128) \
  X(I32X4_EXTMUL_LOW_I16X8_U,  0xFD, 0xBE, "i32x4.extmul_low_i16x8_u",  NONE, v128, v128, _, v128) \
  X(I32X4_EXTMUL_HIGH_I16X8_U, 0xFD, 0xBF, "i32x4.extmul_high_i16x8_u", NONE, v128, v128, _, v128) \
  X(I64X2_ABS,             0xFD, 0xC0, "i64x2.abs",            NONE, v128, _, _, v128)    \
  X(I64X2_NEG,             0xFD, 0xC1, "i64x2.neg",            NONE, v128, _, _, v128)    \
  X(I64X2_ALL_TRUE,        0xFD, 0xC3, "i64x2.all_true",       NONE, v128, _, _, i32)     \
  X(I64X2_BITMASK,         0xFD, 0xC4, "i64x2.bitmask",        NONE, v128, _, _, i32)     \
  X(I64X2_EXTEND_LOW_I32X4_S,  0xFD, 0xC7, "i64x2.extend_low_i32x4_s",  NONE, v128, _, _, v128) \
  X(I64X2_EXTEND_HIGH_I32X4_S, 0xFD, 0xC8, "i64x2.extend_high_i32x4_s", NONE, v128, _, _, v128) \
  X(I64X2_EXTEND_LOW_I32X4_U,  0xFD, 0xC9, "i64x2.extend_low_i32x4_u",  NONE, v128, _, _, v128) \
  X(I64X2_EXTEND_HIGH_I32X4_U, 0xFD, 0xCA, "i64x2.extend_high_i32x4_u", NONE, v128, _, _, v128) \
  X(I64X2_SHL,             0xFD, 0xCB, "i64x2.shl",            NONE, v128, i32, _, v128)  \
  X(I64X2_SHR_S,           0xFD, 0xCC, "i64x2.shr_s",          NONE, v128, i32, _, v128)  \
  X(I64X2_SHR_U,           0xFD, 0xCD, "i64x2.shr_u",          NONE, v128, i32, _, v128)  \
  X(I64X2_ADD,             0xFD, 0xCE, "i64x2.add",            NONE, v128, v128, _, v128) \
  X(I64X2_SUB,             0xFD, 0xD1, "i64x2.sub",            NONE, v128, v128, _, v128) \
  X(I64X2_MUL,             0xFD, 0xD5, "i64x2.mul",            NONE, v128, v128, _, v128) \
  X(I64X2_EQ,              0xFD, 0xD6, "i64x2.eq",             NONE, v128, v128, _, v128) \
  X(I64X2_NE,              0xFD, 0xD7, "i64x2.ne",             NONE, v128, v128, _, v128) \
  X(I64X2_LT_S,            0xFD, 0xD8, "i64x2.lt_s",           NONE, v128, v128, _, v128) \
  X(I64X2_GT_S,            0xFD, 0xD9, "i64x2.gt_s",           NONE, v128, v128, _, v128) \
  X(I64X2_LE_S,            0xFD, 0xDA, "i64x2.le_s",           NONE, v128, v128, _, v128) \
  X(I64X2_GE_S,            0xFD, 0xDB, "i64x2.ge_s",           NONE, v128, v128, _, v128) \
  X(I64X2_EXTMUL_LOW_I32X4_S,  0xFD, 0xDC, "i64x2.extmul_low_i32x4_s",  NONE, v128, v128, _, v128) \
  X(I64X2_EXTMUL_HIGH_I32X4_S, 0xFD, 0xDD, "i64x2.extmul_high_i32x4_s", NONE, v128, v128, _, v128) \
  X(I64X2_EXTMUL_LOW_I32X4_U,  0xFD, 0xDE, "i64x2.extmul_low_i32x4_u",  NONE, v128, v128, _, v128) \
  X(I64X2_EXTMUL_HIGH_I32X4_U, 0xFD, 0xDF, "i64x2.extmul_high_i32x4_u", NONE, v128, v128, _, v128) \
  X(F32X4_ABS,             0xFD, 0xE0, "f32x4.abs",            NONE, v128, _, _, v128)    \
  X(F32X4_NEG,             0xFD, 0xE1, "f32x4.neg",            NONE, v128, _, _, v128)    \
  X(F32X4_SQRT,            0xFD, 0xE3, "f32x4.sqrt",           NONE, v128, _, _, v128)    \
  X(F32X4_ADD,             0xFD, 0xE4, "f32x4.add",            NONE, v128, v128, _, v128) \
  X(F32X4_SUB,             0xFD, 0xE5, "f32x4.sub",            NONE, v128, v128, _, v128) \
  X(F32X4_MUL,             0xFD, 0xE6, "f32x4.mul",            NONE, v128, v128, _, v128) \
  X(F32X4_DIV,             0xFD, 0xE7, "f32x4.div",            NONE, v128, v128, _, v128) \
  X(F32X4_MIN,             0xFD, 0xE8, "f32x4.min",            NONE, v128, v128, _, v128) \
  X(F32X4_MAX,             0xFD, 0xE9, "f32x4.max",            NONE, v128, v128, _, v128) \
  X(F32X4_PMIN,            0xFD, 0xEA, "f32x4.pmin",           NONE, v128, v128, _, v128) \
  X(F32X4_PMAX,            0xFD, 0xEB, "f32x4.pmax",           NONE, v128, v128, _, v128) \
  X(F64X2_ABS,             0xFD, 0xEC, "f64x2.abs",            NONE, v128, _, _, v128)    \
  X(F64X2_NEG,             0xFD, 0xED, "f64x2.neg",            NONE, v128, _, _, v128)    \
  X(F64X2_SQRT,            0xFD, 0xEF, "f64x2.sqrt",           NONE, v128, _, _, v128)    \
  X(F64X2_ADD,             0xFD, 0xF0, "f64x2.add",            NONE, v128, v128, _, v128) \
  X(F64X2_SUB,             0xFD, 0xF1, "f64x2.sub",            NONE, v128, v128, _, v128) \
  X(F64X2_MUL,             0xFD, 0xF2, "f64x2.mul",            NONE, v128, v128, _, v128) \
  X(F64X2_DIV,             0xFD, 0xF3, "f64x2.div",            NONE, v128, v128, _, v128) \
  X(F64X2_MIN,             0xFD, 0xF4, "f64x2.min",            NONE, v128, v128, _, v128) \
  X(F64X2_MAX,             0xFD, 0xF5, "f64x2.max",            NONE, v128, v128, _, v128) \
  X(F64X2_PMIN,            0xFD, 0xF6, "f64x2.pmin",           NONE, v128, v128, _, v128) \
  X(F64X2_PMAX,            0xFD, 0xF7, "f64x2.pmax",           NONE, v128, v128, _, v128) \
  X(I32X4_TRUNC_SAT_F32X4_S,      0xFD, 0xF8, "i32x4.trunc_sat_f32x4_s",      NONE, v128, _, _, v128) \
  X(I32X4_TRUNC_SAT_F32X4_U,      0xFD, 0xF9, "i32x4.trunc_sat_f32x4_u",      NONE, v128, _, _, v128) \
  X(F32X4_CONVERT_I32X4_S,        0xFD, 0xFA, "f32x4.convert_i32x4_s",        NONE, v128, _, _, v128) \
  X(F32X4_CONVERT_I32X4_U,        0xFD, 0xFB, "f32x4.convert_i32x4_u",        NONE, v128, _, _, v128) \
  X(I32X4_TRUNC_SAT_F64X2_S_ZERO, 0xFD, 0xFC, "i32x4.trunc_sat_f64x2_s_zero", NONE, v128, _, _, v128) \
  X(I32X4_TRUNC_SAT_F64X2_U_ZERO, 0xFD, 0xFD, "i32x4.trunc_sat_f64x2_u_zero", NONE, v128, _, _, v128) \
  X(F64X2_CONVERT_LOW_I32X4_S,    0xFD, 0xFE, "f64x2.convert_low_i32x4_s",    NONE, v128, _, _, v128) \
  X(F64X2_CONVERT_LOW_I32X4_U,    0xFD, 0xFF, "f64x2.convert_low_i32x4_u",    NONE, v128, _, _, v128)
/* clang-format on */

/* Every instruction, in one list. */
#define WASM_OPS(X)                                                                                \
  WASM_OPS_CONTROL(X)                                                                              \
  WASM_OPS_MEMORY(X)                                                                               \
  WASM_OPS_NUMERIC(X)                                                                              \
  WASM_OPS_REF(X)                                                                                  \
  WASM_OPS_FC(X)                                                                                   \
  WASM_OPS_SIMD(X)

/* The flat opcode space: WASM_OP_I32_ADD == 0x6A, WASM_OP_MEMORY_FILL ==
** 0x10B, WASM_OP_I8X16_ADD == 0x26E. */
typedef enum {
#define X(sym, pfx, code, text, imm, p1, p2, p3, r) WASM_OP_##sym = WASM_OP_FLAT(pfx, code),
  WASM_OPS(X)
#undef X
} wasm_op;

/* Per-opcode facts, indexed by the flat opcode. name == NULL marks an
** opcode that does not exist (the decoder reports it as illegal). */
typedef struct wasm_opinfo {
  const char *name; /* text mnemonic */
  uint8_t imm;      /* wasm_imm_kind */
  uint8_t special;  /* 1: stack effect typed by hand (the `x` rows) */
  uint8_t n_pop;    /* simple ops: number of operands (0..3) */
  uint8_t pop[3];   /* simple ops: operand valtypes, deepest first */
  uint8_t push;     /* simple ops: result valtype, 0 if none */
} wasm_opinfo;

/* Defined in opcodes.c from WASM_OPS. */
extern const wasm_opinfo wasm_opinfo_table[WASM_OP_COUNT];

static inline const wasm_opinfo *wasm_op_info(unsigned op) {
  return &wasm_opinfo_table[op];
}

/* The text name of a flat opcode, or "<illegal>". */
const char *wasm_op_name(unsigned op);

#endif
