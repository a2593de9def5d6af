/*
** interp_simd.c: the 128-bit SIMD instructions (0xFD prefix) in portable C
** over lane arrays.
**
** SIMD is one internal op (CMP_OP_SIMD, 8 words: sub-opcode, dst, a, b, c,
** lane, memarg offset) whose handler calls interp_simd, so ~230 rarely hot
** handlers stay out of the main dispatch loop. Operands are frame slots; a
** v128 occupies two consecutive slots (lane bytes 0..7 in the first).
*/
#include <math.h>
#include <string.h>

#include "instance.h"
#include "opcodes.h"

typedef union v128 {
  uint8_t u8[16];
  int8_t i8[16];
  uint16_t u16[8];
  int16_t i16[8];
  uint32_t u32[4];
  int32_t i32[4];
  uint64_t u64[2];
  int64_t i64[2];
  float f32[4];
  double f64[2];
} v128;

static inline v128 ld(const uint64_t *fp, uint32_t s) {
  v128 v;
  memcpy(&v, fp + s, 16);
  return v;
}

static inline float fmin32(float a, float b) {
  if (a != a || b != b) return a + b;
  if (a == 0 && b == 0) return signbit(a) ? a : b;
  return a < b ? a : b;
}
static inline float fmax32(float a, float b) {
  if (a != a || b != b) return a + b;
  if (a == 0 && b == 0) return signbit(a) ? b : a;
  return a > b ? a : b;
}
static inline double fmin64(double a, double b) {
  if (a != a || b != b) return a + b;
  if (a == 0 && b == 0) return signbit(a) ? a : b;
  return a < b ? a : b;
}
static inline double fmax64(double a, double b) {
  if (a != a || b != b) return a + b;
  if (a == 0 && b == 0) return signbit(a) ? b : a;
  return a > b ? a : b;
}
#define FR(f, a) ((a) != (a) ? (a) + (a) : f(a))

static inline int32_t sat_i32(double a) {
  if (a != a) return 0;
  if (a <= -2147483649.0) return INT32_MIN;
  if (a >= 2147483648.0) return INT32_MAX;
  return (int32_t)a;
}
static inline uint32_t sat_u32(double a) {
  if (!(a > -1.0)) return 0;
  if (a >= 4294967296.0) return UINT32_MAX;
  return (uint32_t)a;
}
static inline int8_t sat_s8(int32_t x) {
  return x < -128 ? -128 : x > 127 ? 127 : (int8_t)x;
}
static inline uint8_t sat_u8(int32_t x) {
  return x < 0 ? 0 : x > 255 ? 255 : (uint8_t)x;
}
static inline int16_t sat_s16(int32_t x) {
  return x < -32768 ? -32768 : x > 32767 ? 32767 : (int16_t)x;
}
static inline uint16_t sat_u16(int32_t x) {
  return x < 0 ? 0 : x > 65535 ? 65535 : (uint16_t)x;
}

/* Lane loops: r.T[i] = expr over a.T[i], b.T[i]. */
#define LANES(n, stmt)                                                                             \
  for (int i = 0; i < (n); i++) {                                                                  \
    stmt;                                                                                          \
  }                                                                                                \
  break
/* clang-format off */
#define UN(op, T, n, e) case op: LANES(n, r.T[i] = (e))
#define BIN(op, T, n, e) case op: LANES(n, r.T[i] = (e))
#define CMP(op, T, n, RT, e) case op: LANES(n, r.RT[i] = (e) ? -1 : 0)
/* clang-format on */

/* Executes one SIMD op at pc; 0 or a trap kind. */
int interp_simd(const uint32_t *pc, uint64_t *fp, rusm_memory *m0) {
  unsigned op = 0x200 + pc[1];
  uint32_t d = pc[2];
  v128 a, b, c, r;
  memset(&r, 0, sizeof r);
  uint32_t lane = pc[6];
  uint64_t ea = 0;
  const wasm_opinfo *info = wasm_op_info(op);
  memset(&c, 0, sizeof c);

  /* Memory ops first: address in a, maybe a vector in b. */
  if (info->imm == WASM_IMM_MEMARG || info->imm == WASM_IMM_MEMARG_LANE) {
    ea = (uint64_t)(uint32_t)fp[pc[3]] + pc[7];
    uint64_t n;
    switch (op) {
    case WASM_OP_V128_LOAD:
    case WASM_OP_V128_STORE: n = 16; break;
    case WASM_OP_V128_LOAD8_SPLAT:
    case WASM_OP_V128_LOAD8_LANE:
    case WASM_OP_V128_STORE8_LANE: n = 1; break;
    case WASM_OP_V128_LOAD16_SPLAT:
    case WASM_OP_V128_LOAD16_LANE:
    case WASM_OP_V128_STORE16_LANE: n = 2; break;
    case WASM_OP_V128_LOAD32_SPLAT:
    case WASM_OP_V128_LOAD32_LANE:
    case WASM_OP_V128_STORE32_LANE:
    case WASM_OP_V128_LOAD32_ZERO: n = 4; break;
    default: n = 8; break;
    }
    if (ea + n > m0->size) return RUSM_TRAP_MEMORY_OOB;
    uint8_t *p = m0->data + ea;
    switch (op) {
    case WASM_OP_V128_LOAD: memcpy(&r, p, 16); break;
    case WASM_OP_V128_STORE:
    case WASM_OP_V128_STORE8_LANE:
    case WASM_OP_V128_STORE16_LANE:
    case WASM_OP_V128_STORE32_LANE:
    case WASM_OP_V128_STORE64_LANE: {
      b = ld(fp, pc[4]);
      if (ea + n > m0->hw) m0->hw = ea + n;
      const uint8_t *src = op == WASM_OP_V128_STORE ? b.u8 : b.u8 + lane * n;
      memcpy(p, src, n);
      return 0;
    }
    case WASM_OP_V128_LOAD8X8_S: LANES(8, r.i16[i] = ((const int8_t *)p)[i]);
    case WASM_OP_V128_LOAD8X8_U: LANES(8, r.u16[i] = p[i]);
    case WASM_OP_V128_LOAD16X4_S: {
      int16_t t[4];
      memcpy(t, p, 8);
      LANES(4, r.i32[i] = t[i]);
    }
    case WASM_OP_V128_LOAD16X4_U: {
      uint16_t t[4];
      memcpy(t, p, 8);
      LANES(4, r.u32[i] = t[i]);
    }
    case WASM_OP_V128_LOAD32X2_S: {
      int32_t t[2];
      memcpy(t, p, 8);
      LANES(2, r.i64[i] = t[i]);
    }
    case WASM_OP_V128_LOAD32X2_U: {
      uint32_t t[2];
      memcpy(t, p, 8);
      LANES(2, r.u64[i] = t[i]);
    }
    case WASM_OP_V128_LOAD8_SPLAT: LANES(16, r.u8[i] = p[0]);
    case WASM_OP_V128_LOAD16_SPLAT:
    case WASM_OP_V128_LOAD32_SPLAT:
    case WASM_OP_V128_LOAD64_SPLAT:
      for (uint64_t k = 0; k < 16; k += n) memcpy(r.u8 + k, p, n);
      break;
    case WASM_OP_V128_LOAD32_ZERO:
    case WASM_OP_V128_LOAD64_ZERO: memcpy(&r, p, n); break;
    case WASM_OP_V128_LOAD8_LANE:
    case WASM_OP_V128_LOAD16_LANE:
    case WASM_OP_V128_LOAD32_LANE:
    case WASM_OP_V128_LOAD64_LANE:
      r = ld(fp, pc[4]);
      memcpy(r.u8 + lane * n, p, n);
      break;
    default: return RUSM_TRAP_UNREACHABLE;
    }
    memcpy(fp + d, &r, 16);
    return 0;
  }

  /* Splats and lane ops take scalars in a or b. */
  switch (op) {
  case WASM_OP_I8X16_SPLAT: LANES(16, r.u8[i] = (uint8_t)fp[pc[3]]);
  case WASM_OP_I16X8_SPLAT: LANES(8, r.u16[i] = (uint16_t)fp[pc[3]]);
  case WASM_OP_I32X4_SPLAT:
  case WASM_OP_F32X4_SPLAT: LANES(4, r.u32[i] = (uint32_t)fp[pc[3]]);
  case WASM_OP_I64X2_SPLAT:
  case WASM_OP_F64X2_SPLAT: LANES(2, r.u64[i] = fp[pc[3]]);
  default: goto vector;
  }
  memcpy(fp + d, &r, 16);
  return 0;

vector:
  a = ld(fp, pc[3]);
  switch (op) {
  case WASM_OP_I8X16_EXTRACT_LANE_S: fp[d] = (uint32_t)(int32_t)a.i8[lane]; return 0;
  case WASM_OP_I8X16_EXTRACT_LANE_U: fp[d] = a.u8[lane]; return 0;
  case WASM_OP_I16X8_EXTRACT_LANE_S: fp[d] = (uint32_t)(int32_t)a.i16[lane]; return 0;
  case WASM_OP_I16X8_EXTRACT_LANE_U: fp[d] = a.u16[lane]; return 0;
  case WASM_OP_I32X4_EXTRACT_LANE:
  case WASM_OP_F32X4_EXTRACT_LANE: fp[d] = a.u32[lane]; return 0;
  case WASM_OP_I64X2_EXTRACT_LANE:
  case WASM_OP_F64X2_EXTRACT_LANE: fp[d] = a.u64[lane]; return 0;
  case WASM_OP_I8X16_REPLACE_LANE: r = a, r.u8[lane] = (uint8_t)fp[pc[4]]; goto out;
  case WASM_OP_I16X8_REPLACE_LANE: r = a, r.u16[lane] = (uint16_t)fp[pc[4]]; goto out;
  case WASM_OP_I32X4_REPLACE_LANE:
  case WASM_OP_F32X4_REPLACE_LANE: r = a, r.u32[lane] = (uint32_t)fp[pc[4]]; goto out;
  case WASM_OP_I64X2_REPLACE_LANE:
  case WASM_OP_F64X2_REPLACE_LANE: r = a, r.u64[lane] = fp[pc[4]]; goto out;
  case WASM_OP_V128_ANY_TRUE: fp[d] = (a.u64[0] | a.u64[1]) != 0; return 0;
  case WASM_OP_I8X16_ALL_TRUE: {
    uint32_t t = 1;
    for (int i = 0; i < 16; i++) t &= a.u8[i] != 0;
    fp[d] = t;
    return 0;
  }
  case WASM_OP_I16X8_ALL_TRUE: {
    uint32_t t = 1;
    for (int i = 0; i < 8; i++) t &= a.u16[i] != 0;
    fp[d] = t;
    return 0;
  }
  case WASM_OP_I32X4_ALL_TRUE: {
    uint32_t t = 1;
    for (int i = 0; i < 4; i++) t &= a.u32[i] != 0;
    fp[d] = t;
    return 0;
  }
  case WASM_OP_I64X2_ALL_TRUE: fp[d] = a.u64[0] != 0 && a.u64[1] != 0; return 0;
  case WASM_OP_I8X16_BITMASK: {
    uint32_t m = 0;
    for (int i = 0; i < 16; i++) m |= (uint32_t)(a.u8[i] >> 7) << i;
    fp[d] = m;
    return 0;
  }
  case WASM_OP_I16X8_BITMASK: {
    uint32_t m = 0;
    for (int i = 0; i < 8; i++) m |= (uint32_t)(a.u16[i] >> 15) << i;
    fp[d] = m;
    return 0;
  }
  case WASM_OP_I32X4_BITMASK: {
    uint32_t m = 0;
    for (int i = 0; i < 4; i++) m |= (a.u32[i] >> 31) << i;
    fp[d] = m;
    return 0;
  }
  case WASM_OP_I64X2_BITMASK:
    fp[d] = (uint32_t)(a.u64[0] >> 63) | (uint32_t)(a.u64[1] >> 63) << 1;
    return 0;
  /* Shifts: count in b (scalar), modulo the lane width. */
  case WASM_OP_I8X16_SHL: LANES(16, r.u8[i] = (uint8_t)(a.u8[i] << (fp[pc[4]] & 7)));
  case WASM_OP_I8X16_SHR_S: LANES(16, r.i8[i] = (int8_t)(a.i8[i] >> (fp[pc[4]] & 7)));
  case WASM_OP_I8X16_SHR_U: LANES(16, r.u8[i] = (uint8_t)(a.u8[i] >> (fp[pc[4]] & 7)));
  case WASM_OP_I16X8_SHL: LANES(8, r.u16[i] = (uint16_t)(a.u16[i] << (fp[pc[4]] & 15)));
  case WASM_OP_I16X8_SHR_S: LANES(8, r.i16[i] = (int16_t)(a.i16[i] >> (fp[pc[4]] & 15)));
  case WASM_OP_I16X8_SHR_U: LANES(8, r.u16[i] = (uint16_t)(a.u16[i] >> (fp[pc[4]] & 15)));
  case WASM_OP_I32X4_SHL: LANES(4, r.u32[i] = a.u32[i] << (fp[pc[4]] & 31));
  case WASM_OP_I32X4_SHR_S: LANES(4, r.i32[i] = a.i32[i] >> (fp[pc[4]] & 31));
  case WASM_OP_I32X4_SHR_U: LANES(4, r.u32[i] = a.u32[i] >> (fp[pc[4]] & 31));
  case WASM_OP_I64X2_SHL: LANES(2, r.u64[i] = a.u64[i] << (fp[pc[4]] & 63));
  case WASM_OP_I64X2_SHR_S: LANES(2, r.i64[i] = a.i64[i] >> (fp[pc[4]] & 63));
  case WASM_OP_I64X2_SHR_U: LANES(2, r.u64[i] = a.u64[i] >> (fp[pc[4]] & 63));
  default: goto binary;
  }
  goto out;
binary:
  if (info->n_pop >= 2) b = ld(fp, pc[4]);
  if (info->n_pop >= 3) c = ld(fp, pc[5]);
  switch (op) {
  case WASM_OP_I8X16_SHUFFLE: {
    v128 m = ld(fp, pc[5]);
    for (int i = 0; i < 16; i++) r.u8[i] = m.u8[i] < 16 ? a.u8[m.u8[i]] : b.u8[m.u8[i] - 16];
    break;
  }
  case WASM_OP_I8X16_SWIZZLE:
    LANES(16, r.u8[i] = b.u8[i] < 16 ? a.u8[b.u8[i]] : 0);
    CMP(WASM_OP_I8X16_EQ, u8, 16, i8, a.u8[i] == b.u8[i]);
    CMP(WASM_OP_I8X16_NE, u8, 16, i8, a.u8[i] != b.u8[i]);
    CMP(WASM_OP_I8X16_LT_S, i8, 16, i8, a.i8[i] < b.i8[i]);
    CMP(WASM_OP_I8X16_LT_U, u8, 16, i8, a.u8[i] < b.u8[i]);
    CMP(WASM_OP_I8X16_GT_S, i8, 16, i8, a.i8[i] > b.i8[i]);
    CMP(WASM_OP_I8X16_GT_U, u8, 16, i8, a.u8[i] > b.u8[i]);
    CMP(WASM_OP_I8X16_LE_S, i8, 16, i8, a.i8[i] <= b.i8[i]);
    CMP(WASM_OP_I8X16_LE_U, u8, 16, i8, a.u8[i] <= b.u8[i]);
    CMP(WASM_OP_I8X16_GE_S, i8, 16, i8, a.i8[i] >= b.i8[i]);
    CMP(WASM_OP_I8X16_GE_U, u8, 16, i8, a.u8[i] >= b.u8[i]);
    CMP(WASM_OP_I16X8_EQ, u16, 8, i16, a.u16[i] == b.u16[i]);
    CMP(WASM_OP_I16X8_NE, u16, 8, i16, a.u16[i] != b.u16[i]);
    CMP(WASM_OP_I16X8_LT_S, i16, 8, i16, a.i16[i] < b.i16[i]);
    CMP(WASM_OP_I16X8_LT_U, u16, 8, i16, a.u16[i] < b.u16[i]);
    CMP(WASM_OP_I16X8_GT_S, i16, 8, i16, a.i16[i] > b.i16[i]);
    CMP(WASM_OP_I16X8_GT_U, u16, 8, i16, a.u16[i] > b.u16[i]);
    CMP(WASM_OP_I16X8_LE_S, i16, 8, i16, a.i16[i] <= b.i16[i]);
    CMP(WASM_OP_I16X8_LE_U, u16, 8, i16, a.u16[i] <= b.u16[i]);
    CMP(WASM_OP_I16X8_GE_S, i16, 8, i16, a.i16[i] >= b.i16[i]);
    CMP(WASM_OP_I16X8_GE_U, u16, 8, i16, a.u16[i] >= b.u16[i]);
    CMP(WASM_OP_I32X4_EQ, u32, 4, i32, a.u32[i] == b.u32[i]);
    CMP(WASM_OP_I32X4_NE, u32, 4, i32, a.u32[i] != b.u32[i]);
    CMP(WASM_OP_I32X4_LT_S, i32, 4, i32, a.i32[i] < b.i32[i]);
    CMP(WASM_OP_I32X4_LT_U, u32, 4, i32, a.u32[i] < b.u32[i]);
    CMP(WASM_OP_I32X4_GT_S, i32, 4, i32, a.i32[i] > b.i32[i]);
    CMP(WASM_OP_I32X4_GT_U, u32, 4, i32, a.u32[i] > b.u32[i]);
    CMP(WASM_OP_I32X4_LE_S, i32, 4, i32, a.i32[i] <= b.i32[i]);
    CMP(WASM_OP_I32X4_LE_U, u32, 4, i32, a.u32[i] <= b.u32[i]);
    CMP(WASM_OP_I32X4_GE_S, i32, 4, i32, a.i32[i] >= b.i32[i]);
    CMP(WASM_OP_I32X4_GE_U, u32, 4, i32, a.u32[i] >= b.u32[i]);
    CMP(WASM_OP_I64X2_EQ, u64, 2, i64, a.u64[i] == b.u64[i]);
    CMP(WASM_OP_I64X2_NE, u64, 2, i64, a.u64[i] != b.u64[i]);
    CMP(WASM_OP_I64X2_LT_S, i64, 2, i64, a.i64[i] < b.i64[i]);
    CMP(WASM_OP_I64X2_GT_S, i64, 2, i64, a.i64[i] > b.i64[i]);
    CMP(WASM_OP_I64X2_LE_S, i64, 2, i64, a.i64[i] <= b.i64[i]);
    CMP(WASM_OP_I64X2_GE_S, i64, 2, i64, a.i64[i] >= b.i64[i]);
    CMP(WASM_OP_F32X4_EQ, f32, 4, i32, a.f32[i] == b.f32[i]);
    CMP(WASM_OP_F32X4_NE, f32, 4, i32, a.f32[i] != b.f32[i]);
    CMP(WASM_OP_F32X4_LT, f32, 4, i32, a.f32[i] < b.f32[i]);
    CMP(WASM_OP_F32X4_GT, f32, 4, i32, a.f32[i] > b.f32[i]);
    CMP(WASM_OP_F32X4_LE, f32, 4, i32, a.f32[i] <= b.f32[i]);
    CMP(WASM_OP_F32X4_GE, f32, 4, i32, a.f32[i] >= b.f32[i]);
    CMP(WASM_OP_F64X2_EQ, f64, 2, i64, a.f64[i] == b.f64[i]);
    CMP(WASM_OP_F64X2_NE, f64, 2, i64, a.f64[i] != b.f64[i]);
    CMP(WASM_OP_F64X2_LT, f64, 2, i64, a.f64[i] < b.f64[i]);
    CMP(WASM_OP_F64X2_GT, f64, 2, i64, a.f64[i] > b.f64[i]);
    CMP(WASM_OP_F64X2_LE, f64, 2, i64, a.f64[i] <= b.f64[i]);
    CMP(WASM_OP_F64X2_GE, f64, 2, i64, a.f64[i] >= b.f64[i]);
    UN(WASM_OP_V128_NOT, u64, 2, ~a.u64[i]);
    BIN(WASM_OP_V128_AND, u64, 2, a.u64[i] & b.u64[i]);
    BIN(WASM_OP_V128_ANDNOT, u64, 2, a.u64[i] & ~b.u64[i]);
    BIN(WASM_OP_V128_OR, u64, 2, a.u64[i] | b.u64[i]);
    BIN(WASM_OP_V128_XOR, u64, 2, a.u64[i] ^ b.u64[i]);
    BIN(WASM_OP_V128_BITSELECT, u64, 2, (a.u64[i] & c.u64[i]) | (b.u64[i] & ~c.u64[i]));
  case WASM_OP_F32X4_DEMOTE_F64X2_ZERO: LANES(2, r.f32[i] = (float)a.f64[i]);
  case WASM_OP_F64X2_PROMOTE_LOW_F32X4:
    LANES(2, r.f64[i] = (double)a.f32[i]);
    UN(WASM_OP_I8X16_ABS, u8, 16, (uint8_t)(a.i8[i] < 0 ? -a.i8[i] : a.i8[i]));
    UN(WASM_OP_I8X16_NEG, u8, 16, (uint8_t)(0u - a.u8[i]));
    UN(WASM_OP_I8X16_POPCNT, u8, 16, (uint8_t)__builtin_popcount(a.u8[i]));
  case WASM_OP_I8X16_NARROW_I16X8_S:
    for (int i = 0; i < 8; i++) r.i8[i] = sat_s8(a.i16[i]), r.i8[i + 8] = sat_s8(b.i16[i]);
    break;
  case WASM_OP_I8X16_NARROW_I16X8_U:
    for (int i = 0; i < 8; i++) r.u8[i] = sat_u8(a.i16[i]), r.u8[i + 8] = sat_u8(b.i16[i]);
    break;
  case WASM_OP_I16X8_NARROW_I32X4_S:
    for (int i = 0; i < 4; i++) r.i16[i] = sat_s16(a.i32[i]), r.i16[i + 4] = sat_s16(b.i32[i]);
    break;
  case WASM_OP_I16X8_NARROW_I32X4_U:
    for (int i = 0; i < 4; i++) r.u16[i] = sat_u16(a.i32[i]), r.u16[i + 4] = sat_u16(b.i32[i]);
    break;
    UN(WASM_OP_F32X4_CEIL, f32, 4, FR(ceilf, a.f32[i]));
    UN(WASM_OP_F32X4_FLOOR, f32, 4, FR(floorf, a.f32[i]));
    UN(WASM_OP_F32X4_TRUNC, f32, 4, FR(truncf, a.f32[i]));
    UN(WASM_OP_F32X4_NEAREST, f32, 4, FR(rintf, a.f32[i]));
    UN(WASM_OP_F64X2_CEIL, f64, 2, FR(ceil, a.f64[i]));
    UN(WASM_OP_F64X2_FLOOR, f64, 2, FR(floor, a.f64[i]));
    UN(WASM_OP_F64X2_TRUNC, f64, 2, FR(trunc, a.f64[i]));
    UN(WASM_OP_F64X2_NEAREST, f64, 2, FR(rint, a.f64[i]));
    BIN(WASM_OP_I8X16_ADD, u8, 16, (uint8_t)(a.u8[i] + b.u8[i]));
    BIN(WASM_OP_I8X16_ADD_SAT_S, i8, 16, sat_s8(a.i8[i] + b.i8[i]));
    BIN(WASM_OP_I8X16_ADD_SAT_U, u8, 16, sat_u8(a.u8[i] + b.u8[i]));
    BIN(WASM_OP_I8X16_SUB, u8, 16, (uint8_t)(a.u8[i] - b.u8[i]));
    BIN(WASM_OP_I8X16_SUB_SAT_S, i8, 16, sat_s8(a.i8[i] - b.i8[i]));
    BIN(WASM_OP_I8X16_SUB_SAT_U, u8, 16, sat_u8(a.u8[i] - b.u8[i]));
    BIN(WASM_OP_I8X16_MIN_S, i8, 16, a.i8[i] < b.i8[i] ? a.i8[i] : b.i8[i]);
    BIN(WASM_OP_I8X16_MIN_U, u8, 16, a.u8[i] < b.u8[i] ? a.u8[i] : b.u8[i]);
    BIN(WASM_OP_I8X16_MAX_S, i8, 16, a.i8[i] > b.i8[i] ? a.i8[i] : b.i8[i]);
    BIN(WASM_OP_I8X16_MAX_U, u8, 16, a.u8[i] > b.u8[i] ? a.u8[i] : b.u8[i]);
    BIN(WASM_OP_I8X16_AVGR_U, u8, 16, (uint8_t)((a.u8[i] + b.u8[i] + 1) >> 1));
  case WASM_OP_I16X8_EXTADD_PAIRWISE_I8X16_S:
    LANES(8, r.i16[i] = (int16_t)(a.i8[2 * i] + a.i8[2 * i + 1]));
  case WASM_OP_I16X8_EXTADD_PAIRWISE_I8X16_U:
    LANES(8, r.u16[i] = (uint16_t)(a.u8[2 * i] + a.u8[2 * i + 1]));
  case WASM_OP_I32X4_EXTADD_PAIRWISE_I16X8_S: LANES(4, r.i32[i] = a.i16[2 * i] + a.i16[2 * i + 1]);
  case WASM_OP_I32X4_EXTADD_PAIRWISE_I16X8_U:
    LANES(4, r.u32[i] = (uint32_t)a.u16[2 * i] + a.u16[2 * i + 1]);
    UN(WASM_OP_I16X8_ABS, u16, 8, (uint16_t)(a.i16[i] < 0 ? -a.i16[i] : a.i16[i]));
    UN(WASM_OP_I16X8_NEG, u16, 8, (uint16_t)(0u - a.u16[i]));
    BIN(WASM_OP_I16X8_Q15MULR_SAT_S, i16, 8, sat_s16((a.i16[i] * b.i16[i] + 0x4000) >> 15));
  case WASM_OP_I16X8_EXTEND_LOW_I8X16_S: LANES(8, r.i16[i] = a.i8[i]);
  case WASM_OP_I16X8_EXTEND_HIGH_I8X16_S: LANES(8, r.i16[i] = a.i8[i + 8]);
  case WASM_OP_I16X8_EXTEND_LOW_I8X16_U: LANES(8, r.u16[i] = a.u8[i]);
  case WASM_OP_I16X8_EXTEND_HIGH_I8X16_U:
    LANES(8, r.u16[i] = a.u8[i + 8]);
    BIN(WASM_OP_I16X8_ADD, u16, 8, (uint16_t)(a.u16[i] + b.u16[i]));
    BIN(WASM_OP_I16X8_ADD_SAT_S, i16, 8, sat_s16(a.i16[i] + b.i16[i]));
    BIN(WASM_OP_I16X8_ADD_SAT_U, u16, 8, sat_u16(a.u16[i] + b.u16[i]));
    BIN(WASM_OP_I16X8_SUB, u16, 8, (uint16_t)(a.u16[i] - b.u16[i]));
    BIN(WASM_OP_I16X8_SUB_SAT_S, i16, 8, sat_s16(a.i16[i] - b.i16[i]));
    BIN(WASM_OP_I16X8_SUB_SAT_U, u16, 8, sat_u16(a.u16[i] - b.u16[i]));
    BIN(WASM_OP_I16X8_MUL, u16, 8, (uint16_t)((uint32_t)a.u16[i] * b.u16[i]));
    BIN(WASM_OP_I16X8_MIN_S, i16, 8, a.i16[i] < b.i16[i] ? a.i16[i] : b.i16[i]);
    BIN(WASM_OP_I16X8_MIN_U, u16, 8, a.u16[i] < b.u16[i] ? a.u16[i] : b.u16[i]);
    BIN(WASM_OP_I16X8_MAX_S, i16, 8, a.i16[i] > b.i16[i] ? a.i16[i] : b.i16[i]);
    BIN(WASM_OP_I16X8_MAX_U, u16, 8, a.u16[i] > b.u16[i] ? a.u16[i] : b.u16[i]);
    BIN(WASM_OP_I16X8_AVGR_U, u16, 8, (uint16_t)((a.u16[i] + b.u16[i] + 1) >> 1));
  case WASM_OP_I16X8_EXTMUL_LOW_I8X16_S: LANES(8, r.i16[i] = (int16_t)(a.i8[i] * b.i8[i]));
  case WASM_OP_I16X8_EXTMUL_HIGH_I8X16_S: LANES(8, r.i16[i] = (int16_t)(a.i8[i + 8] * b.i8[i + 8]));
  case WASM_OP_I16X8_EXTMUL_LOW_I8X16_U: LANES(8, r.u16[i] = (uint16_t)(a.u8[i] * b.u8[i]));
  case WASM_OP_I16X8_EXTMUL_HIGH_I8X16_U:
    LANES(8, r.u16[i] = (uint16_t)(a.u8[i + 8] * b.u8[i + 8]));
    UN(WASM_OP_I32X4_ABS, u32, 4, a.i32[i] < 0 ? 0u - a.u32[i] : a.u32[i]);
    UN(WASM_OP_I32X4_NEG, u32, 4, 0u - a.u32[i]);
  case WASM_OP_I32X4_EXTEND_LOW_I16X8_S: LANES(4, r.i32[i] = a.i16[i]);
  case WASM_OP_I32X4_EXTEND_HIGH_I16X8_S: LANES(4, r.i32[i] = a.i16[i + 4]);
  case WASM_OP_I32X4_EXTEND_LOW_I16X8_U: LANES(4, r.u32[i] = a.u16[i]);
  case WASM_OP_I32X4_EXTEND_HIGH_I16X8_U:
    LANES(4, r.u32[i] = a.u16[i + 4]);
    BIN(WASM_OP_I32X4_ADD, u32, 4, a.u32[i] + b.u32[i]);
    BIN(WASM_OP_I32X4_SUB, u32, 4, a.u32[i] - b.u32[i]);
    BIN(WASM_OP_I32X4_MUL, u32, 4, a.u32[i] * b.u32[i]);
    BIN(WASM_OP_I32X4_MIN_S, i32, 4, a.i32[i] < b.i32[i] ? a.i32[i] : b.i32[i]);
    BIN(WASM_OP_I32X4_MIN_U, u32, 4, a.u32[i] < b.u32[i] ? a.u32[i] : b.u32[i]);
    BIN(WASM_OP_I32X4_MAX_S, i32, 4, a.i32[i] > b.i32[i] ? a.i32[i] : b.i32[i]);
    BIN(WASM_OP_I32X4_MAX_U, u32, 4, a.u32[i] > b.u32[i] ? a.u32[i] : b.u32[i]);
  case WASM_OP_I32X4_DOT_I16X8_S:
    LANES(4, r.u32[i] = (uint32_t)(a.i16[2 * i] * b.i16[2 * i]) +
                        (uint32_t)(a.i16[2 * i + 1] * b.i16[2 * i + 1]));
  case WASM_OP_I32X4_EXTMUL_LOW_I16X8_S: LANES(4, r.i32[i] = a.i16[i] * b.i16[i]);
  case WASM_OP_I32X4_EXTMUL_HIGH_I16X8_S: LANES(4, r.i32[i] = a.i16[i + 4] * b.i16[i + 4]);
  case WASM_OP_I32X4_EXTMUL_LOW_I16X8_U: LANES(4, r.u32[i] = (uint32_t)a.u16[i] * b.u16[i]);
  case WASM_OP_I32X4_EXTMUL_HIGH_I16X8_U:
    LANES(4, r.u32[i] = (uint32_t)a.u16[i + 4] * b.u16[i + 4]);
    UN(WASM_OP_I64X2_ABS, u64, 2, a.i64[i] < 0 ? 0u - a.u64[i] : a.u64[i]);
    UN(WASM_OP_I64X2_NEG, u64, 2, 0u - a.u64[i]);
  case WASM_OP_I64X2_EXTEND_LOW_I32X4_S: LANES(2, r.i64[i] = a.i32[i]);
  case WASM_OP_I64X2_EXTEND_HIGH_I32X4_S: LANES(2, r.i64[i] = a.i32[i + 2]);
  case WASM_OP_I64X2_EXTEND_LOW_I32X4_U: LANES(2, r.u64[i] = a.u32[i]);
  case WASM_OP_I64X2_EXTEND_HIGH_I32X4_U:
    LANES(2, r.u64[i] = a.u32[i + 2]);
    BIN(WASM_OP_I64X2_ADD, u64, 2, a.u64[i] + b.u64[i]);
    BIN(WASM_OP_I64X2_SUB, u64, 2, a.u64[i] - b.u64[i]);
    BIN(WASM_OP_I64X2_MUL, u64, 2, a.u64[i] * b.u64[i]);
  case WASM_OP_I64X2_EXTMUL_LOW_I32X4_S: LANES(2, r.i64[i] = (int64_t)a.i32[i] * b.i32[i]);
  case WASM_OP_I64X2_EXTMUL_HIGH_I32X4_S: LANES(2, r.i64[i] = (int64_t)a.i32[i + 2] * b.i32[i + 2]);
  case WASM_OP_I64X2_EXTMUL_LOW_I32X4_U: LANES(2, r.u64[i] = (uint64_t)a.u32[i] * b.u32[i]);
  case WASM_OP_I64X2_EXTMUL_HIGH_I32X4_U:
    LANES(2, r.u64[i] = (uint64_t)a.u32[i + 2] * b.u32[i + 2]);
    UN(WASM_OP_F32X4_ABS, u32, 4, a.u32[i] & 0x7fffffffu);
    UN(WASM_OP_F32X4_NEG, u32, 4, a.u32[i] ^ 0x80000000u);
    UN(WASM_OP_F32X4_SQRT, f32, 4, sqrtf(a.f32[i]));
    BIN(WASM_OP_F32X4_ADD, f32, 4, a.f32[i] + b.f32[i]);
    BIN(WASM_OP_F32X4_SUB, f32, 4, a.f32[i] - b.f32[i]);
    BIN(WASM_OP_F32X4_MUL, f32, 4, a.f32[i] * b.f32[i]);
    BIN(WASM_OP_F32X4_DIV, f32, 4, a.f32[i] / b.f32[i]);
    BIN(WASM_OP_F32X4_MIN, f32, 4, fmin32(a.f32[i], b.f32[i]));
    BIN(WASM_OP_F32X4_MAX, f32, 4, fmax32(a.f32[i], b.f32[i]));
    BIN(WASM_OP_F32X4_PMIN, f32, 4, b.f32[i] < a.f32[i] ? b.f32[i] : a.f32[i]);
    BIN(WASM_OP_F32X4_PMAX, f32, 4, a.f32[i] < b.f32[i] ? b.f32[i] : a.f32[i]);
    UN(WASM_OP_F64X2_ABS, u64, 2, a.u64[i] & 0x7fffffffffffffffull);
    UN(WASM_OP_F64X2_NEG, u64, 2, a.u64[i] ^ 0x8000000000000000ull);
    UN(WASM_OP_F64X2_SQRT, f64, 2, sqrt(a.f64[i]));
    BIN(WASM_OP_F64X2_ADD, f64, 2, a.f64[i] + b.f64[i]);
    BIN(WASM_OP_F64X2_SUB, f64, 2, a.f64[i] - b.f64[i]);
    BIN(WASM_OP_F64X2_MUL, f64, 2, a.f64[i] * b.f64[i]);
    BIN(WASM_OP_F64X2_DIV, f64, 2, a.f64[i] / b.f64[i]);
    BIN(WASM_OP_F64X2_MIN, f64, 2, fmin64(a.f64[i], b.f64[i]));
    BIN(WASM_OP_F64X2_MAX, f64, 2, fmax64(a.f64[i], b.f64[i]));
    BIN(WASM_OP_F64X2_PMIN, f64, 2, b.f64[i] < a.f64[i] ? b.f64[i] : a.f64[i]);
    BIN(WASM_OP_F64X2_PMAX, f64, 2, a.f64[i] < b.f64[i] ? b.f64[i] : a.f64[i]);
    UN(WASM_OP_I32X4_TRUNC_SAT_F32X4_S, i32, 4, sat_i32(a.f32[i]));
    UN(WASM_OP_I32X4_TRUNC_SAT_F32X4_U, u32, 4, sat_u32(a.f32[i]));
    UN(WASM_OP_F32X4_CONVERT_I32X4_S, f32, 4, (float)a.i32[i]);
    UN(WASM_OP_F32X4_CONVERT_I32X4_U, f32, 4, (float)a.u32[i]);
  case WASM_OP_I32X4_TRUNC_SAT_F64X2_S_ZERO: LANES(2, r.i32[i] = sat_i32(a.f64[i]));
  case WASM_OP_I32X4_TRUNC_SAT_F64X2_U_ZERO: LANES(2, r.u32[i] = sat_u32(a.f64[i]));
  case WASM_OP_F64X2_CONVERT_LOW_I32X4_S: LANES(2, r.f64[i] = (double)a.i32[i]);
  case WASM_OP_F64X2_CONVERT_LOW_I32X4_U: LANES(2, r.f64[i] = (double)a.u32[i]);
  default: return RUSM_TRAP_UNREACHABLE;
  }
out:
  memcpy(fp + d, &r, 16);
  return 0;
}
