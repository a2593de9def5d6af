/*
** decode_instr.c: one instruction's opcode and immediates, from the binary.
**
** Shared by the validator's instruction stream and by the decoder (constant
** expressions), so both report a malformed instruction the same way. The
** immediate layout of each opcode comes from opcodes.h.
*/
#include <stdlib.h>

#include "decode.h"

static bool zero_byte(wasm_reader *r) {
  uint8_t b;
  if (!wasm_rd_u8(r, &b)) return false;
  if (b != 0) return wasm_rd_fail(r, r->p - 1, "zero byte expected");
  return true;
}

static bool memarg(wasm_reader *r, wasm_instr *ins) {
  const uint8_t *at = r->p;
  if (!wasm_rd_u32(r, &ins->imm.mem.align)) return false;
  /* An exponent of 32 or more is malformed, not merely invalid (and bit 6
  ** would announce a memory index: multi-memory, not 2.0). */
  if (ins->imm.mem.align >= 32) return wasm_rd_fail(r, at, "malformed memop flags");
  return wasm_rd_u32(r, &ins->imm.mem.offset);
}

static bool br_targets(wasm_reader *r, wasm_instr *ins, wasm_u32buf *buf) {
  uint32_t n;
  if (!wasm_rd_len(r, &n)) return false;
  if (buf && buf->cap < (size_t)n + 1) {
    size_t cap = buf->cap ? buf->cap : 16;
    while (cap < (size_t)n + 1) cap *= 2;
    uint32_t *v = realloc(buf->v, cap * sizeof *v);
    if (!v) return wasm_rd_fail(r, r->p, "out of memory");
    buf->v = v;
    buf->cap = cap;
  }
  for (uint32_t i = 0; i <= n; i++) {
    uint32_t t;
    if (!wasm_rd_u32(r, &t)) return false;
    if (buf) buf->v[i] = t;
  }
  ins->imm.br_table.n = n;
  ins->imm.br_table.targets = buf ? buf->v : NULL;
  return true;
}

bool wasm_read_instr(wasm_reader *r, wasm_instr *ins, wasm_u32buf *buf) {
  const uint8_t *at = r->p;
  uint8_t b;
  if (!wasm_rd_u8(r, &b)) return false;
  unsigned op = b;
  if (b == 0xFC || b == 0xFD) {
    uint32_t sub;
    if (!wasm_rd_u32(r, &sub)) return false;
    if (sub >= 0x200) return wasm_rd_fail(r, at, "illegal opcode");
    op = (b == 0xFC ? 0x100u : 0x200u) + sub;
    if (b == 0xFC && sub >= 0x100) return wasm_rd_fail(r, at, "illegal opcode");
  }
  const wasm_opinfo *info = wasm_op_info(op);
  if (!info->name) return wasm_rd_fail(r, at, "illegal opcode");
  ins->op = (uint16_t)op;
  ins->offset = (uint32_t)(at - r->base);
  switch ((wasm_imm_kind)info->imm) {
  case WASM_IMM_NONE: return true;
  case WASM_IMM_BLOCKTYPE:
    if (r->p < r->end && (*r->p & 0xc0) == 0x40) { /* one-byte negative: 0x40 or a valtype */
      ins->imm.i64 = (int64_t)*r->p++ - 0x80;
    } else if (!wasm_rd_s33(r, &ins->imm.i64)) {
      return false;
    }
    if (ins->imm.i64 < 0 && ins->imm.i64 != -64 &&
        (ins->imm.i64 < -64 || !wasm_is_valtype((unsigned)(ins->imm.i64 & 0x7f))))
      return wasm_rd_fail(r, at + 1, "malformed block type");
    return true;
  case WASM_IMM_LABEL:
  case WASM_IMM_FUNC:
  case WASM_IMM_LOCAL:
  case WASM_IMM_GLOBAL:
  case WASM_IMM_TABLE:
  case WASM_IMM_DATA:
  case WASM_IMM_ELEM: return wasm_rd_u32(r, &ins->imm.index);
  case WASM_IMM_BR_TABLE: return br_targets(r, ins, buf);
  case WASM_IMM_CALL_INDIRECT:
  case WASM_IMM_TABLE_INIT:
  case WASM_IMM_TABLE_COPY:
    return wasm_rd_u32(r, &ins->imm.pair.a) && wasm_rd_u32(r, &ins->imm.pair.b);
  case WASM_IMM_MEMARG: return memarg(r, ins);
  case WASM_IMM_MEMARG_LANE: return memarg(r, ins) && wasm_rd_u8(r, &ins->imm.mem.lane);
  case WASM_IMM_MEM:
  case WASM_IMM_MEMORY_FILL: return zero_byte(r);
  case WASM_IMM_MEMORY_COPY: return zero_byte(r) && zero_byte(r);
  case WASM_IMM_MEMORY_INIT:
    ins->imm.pair.b = 0;
    return wasm_rd_u32(r, &ins->imm.pair.a) && zero_byte(r);
  case WASM_IMM_I32: return wasm_rd_s32(r, &ins->imm.i32);
  case WASM_IMM_I64: return wasm_rd_s64(r, &ins->imm.i64);
  case WASM_IMM_F32: {
    uint8_t x[4];
    if (!wasm_rd_bytes(r, x, 4)) return false;
    ins->imm.f32_bits =
        (uint32_t)x[0] | (uint32_t)x[1] << 8 | (uint32_t)x[2] << 16 | (uint32_t)x[3] << 24;
    return true;
  }
  case WASM_IMM_F64: {
    uint8_t x[8];
    if (!wasm_rd_bytes(r, x, 8)) return false;
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = v << 8 | x[i];
    ins->imm.f64_bits = v;
    return true;
  }
  case WASM_IMM_V128:
  case WASM_IMM_SHUFFLE: return wasm_rd_bytes(r, ins->imm.bytes, 16);
  case WASM_IMM_LANE: return wasm_rd_u8(r, &ins->imm.lane);
  case WASM_IMM_SELECT_T: {
    uint32_t n;
    if (!wasm_rd_len(r, &n)) return false;
    ins->imm.pair.a = n;
    ins->type = 0;
    for (uint32_t i = 0; i < n; i++) {
      uint8_t t;
      if (!wasm_rd_u8(r, &t)) return false;
      if (!wasm_is_valtype(t)) return wasm_rd_fail(r, r->p - 1, "malformed value type");
      if (i == 0) ins->type = (rusm_valtype)t;
    }
    return true;
  }
  case WASM_IMM_REFTYPE: {
    uint8_t t;
    if (!wasm_rd_u8(r, &t)) return false;
    if (!wasm_is_reftype(t)) return wasm_rd_fail(r, r->p - 1, "malformed reference type");
    ins->type = (rusm_valtype)t;
    return true;
  }
  }
  return wasm_rd_fail(r, at, "illegal opcode");
}
