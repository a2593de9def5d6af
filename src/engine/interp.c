/*
** interp.c: the interpreter for the internal code of compile.h.
**
** One function, computed-goto dispatch over 32-bit code words. The hot
** state (pc, frame pointer, memory base and size, budget) lives in locals;
** frames live on the instance's heap stacks, so a Wasm call is a jump and
** the interpreter can stop at any call or loop header (YIELD) or host call
** (SUSPEND) and pick up later from the registers saved in inst_exec.
** Traps are a jump to one exit that records the kind and the function.
*/
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "instance.h"

#define LIKELY(x) __builtin_expect(!!(x), 1)
#define UNLIKELY(x) __builtin_expect(!!(x), 0)

static inline float f32_of(uint64_t s) {
  uint32_t b = (uint32_t)s;
  float f;
  memcpy(&f, &b, 4);
  return f;
}
static inline double f64_of(uint64_t s) {
  double d;
  memcpy(&d, &s, 8);
  return d;
}
static inline uint64_t bits_f32(float f) {
  uint32_t b;
  memcpy(&b, &f, 4);
  return b;
}
static inline uint64_t bits_f64(double d) {
  uint64_t b;
  memcpy(&b, &d, 8);
  return b;
}

static inline uint32_t rotl32(uint32_t a, uint32_t b) {
  b &= 31;
  return b ? (a << b) | (a >> (32 - b)) : a;
}
static inline uint32_t rotr32(uint32_t a, uint32_t b) {
  b &= 31;
  return b ? (a >> b) | (a << (32 - b)) : a;
}
static inline uint64_t rotl64(uint64_t a, uint64_t b) {
  b &= 63;
  return b ? (a << b) | (a >> (64 - b)) : a;
}
static inline uint64_t rotr64(uint64_t a, uint64_t b) {
  b &= 63;
  return b ? (a >> b) | (a << (64 - b)) : a;
}

/* Rounding: libm may hand a signalling NaN back unquieted; Wasm wants it quiet. */
#define fround32(f, a) ((a) != (a) ? (a) + (a) : f(a))
#define fround64(f, a) ((a) != (a) ? (a) + (a) : f(a))

/* min/max: NaN in gives NaN (a + b quiets it); -0 < +0. */
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

/* Saturating truncations (float inputs widen exactly to double). */
static inline int32_t sat_i32_f(double a) {
  if (a != a) return 0;
  if (a <= -2147483649.0) return INT32_MIN;
  if (a >= 2147483648.0) return INT32_MAX;
  return (int32_t)a;
}
static inline uint32_t sat_u32_f(double a) {
  if (!(a > -1.0)) return 0;
  if (a >= 4294967296.0) return UINT32_MAX;
  return (uint32_t)a;
}
static inline int64_t sat_i64_f(double a) {
  if (a != a) return 0;
  if (a < -9223372036854775808.0) return INT64_MIN;
  if (a >= 9223372036854775808.0) return INT64_MAX;
  return (int64_t)a;
}
static inline uint64_t sat_u64_f(double a) {
  if (!(a > -1.0)) return 0;
  if (a >= 18446744073709551616.0) return UINT64_MAX;
  return (uint64_t)a;
}

/* The trapping truncations: 0 ok, else the trap kind. */
#define TRUNC_CHECK(a, lo_ok, hi_ok)                                                               \
  ((a) != (a) ? RUSM_TRAP_INVALID_CONVERSION : !((lo_ok) && (hi_ok)) ? RUSM_TRAP_INT_OVERFLOW : 0)

#define R_U32(i) ((uint32_t)fp[i])
#define R_I32(i) ((int32_t)(uint32_t)fp[i])
#define R_U64(i) (fp[i])
#define R_I64(i) ((int64_t)fp[i])
#define R_F32(i) f32_of(fp[i])
#define R_F64(i) f64_of(fp[i])
#define W_U32(i, v) (fp[i] = (uint32_t)(v))
#define W_I32(i, v) (fp[i] = (uint32_t)(v))
#define W_U64(i, v) (fp[i] = (uint64_t)(v))
#define W_I64(i, v) (fp[i] = (uint64_t)(v))
#define W_F32(i, v) (fp[i] = bits_f32(v))
#define W_F64(i, v) (fp[i] = bits_f64(v))

/* Immediate operands in the code (the _I forms): one word for 32-bit kinds,
** two (lo, hi) for 64-bit ones. */
#define IMM_U32(p) ((uint32_t)(p)[0])
#define IMM_I32(p) ((int32_t)(p)[0])
#define IMM_U64(p) ((uint64_t)(p)[0] | (uint64_t)(p)[1] << 32)
#define IMM_I64(p) ((int64_t)IMM_U64(p))
#define IMM_F32(p) f32_of((p)[0])
#define IMM_F64(p) f64_of(IMM_U64(p))

#define RELOAD_MEM()                                                                               \
  do {                                                                                             \
    mb = inst->mem0->data;                                                                         \
    ms = inst->mem0->size;                                                                         \
    wl = inst->mem0->hw;                                                                           \
  } while (0)

/* Every handler, once: H(opcode, label) (expanded inside interp_run). */
#define HX_UN(n, w, i, o, e) H(CMP_OP_##n, L_##n)
#define HX_BIN(n, w, i, o, e) H(CMP_OP_##n, L_##n) H(CMP_OP_##n##_I, L_##n##_I)
#define HX_TRAP(n, w, k) H(CMP_OP_##n, L_##n)
#define HX_LD(n, w, t, o) H(CMP_OP_##n, L_##n) H(CMP_OP_##n##_A, L_##n##_A)
#define HX_ST(n, w, t) H(CMP_OP_##n, L_##n)
#define HX_BRC(n, k, op)                                                                           \
  H(CMP_OP_BR_IF_##n, L_BR_IF_##n)                                                                 \
  H(CMP_OP_BR_UNLESS_##n, L_BR_UNLESS_##n)                                                         \
  H(CMP_OP_BR_IF_##n##_I, L_BR_IF_##n##_I) H(CMP_OP_BR_UNLESS_##n##_I, L_BR_UNLESS_##n##_I)
#define HX_MISC(n, k) H(CMP_OP_##n, L_##n)
#define HX_LDBR(n, t)                                                                              \
  H(CMP_OP_##n##_BR_IF, L_##n##_BR_IF) H(CMP_OP_##n##_BR_UNLESS, L_##n##_BR_UNLESS)
#define INTERP_HANDLERS(H)                                                                         \
  CMP_UNOPS(HX_UN)                                                                                 \
  CMP_BINOPS(HX_BIN)                                                                               \
  CMP_TRAPOPS(HX_TRAP)                                                                             \
  CMP_LOADS(HX_LD)                                                                                 \
  CMP_STORES(HX_ST)                                                                                \
  CMP_BRCMPS(HX_BRC) CMP_MISC(HX_MISC) CMP_LOADBRS(HX_LDBR) INTERP_PAIR_HANDLERS(H)

/* Superinstructions (CMP_PAIRS) help gcc's code (CoreMark under callgrind:
** 981M -> 967M instructions, and a dispatch saved per pair); clang's
** register allocation of interp_run collapses with the extra edges (1740M),
** so clang builds leave them out and the translator forms none.
** RUSM_INTERP_GCC_SHAPE gives a clang build gcc's shape (threading and
** pairs), for the fuzzer, which needs clang. */
#if defined(__clang__) && !defined(RUSM_INTERP_GCC_SHAPE)
#define INTERP_PAIRS 0
#define INTERP_PAIR_HANDLERS(H)
#else
#define INTERP_PAIRS 1
#define HX_PAIR(a, b) H(CMP_OP_P_##a##__##b, L_P_##a##__##b)
#define INTERP_PAIR_HANDLERS(H) CMP_PAIRS(HX_PAIR)
#endif

/* Instruction bodies: what a handler does, minus the pc step and the
** dispatch. The families' own handlers (X_BIN, X_LD, X_ST, LOADBR) are
** built from them, and so are the superinstructions: PAIR_BODY_<op> is the
** body of each instruction that may open a pair (CMP_PAIRS), PAIR_N_<op>
** its number of words. */
#define BIN_BODY(ik, ok, e)                                                                        \
  do {                                                                                             \
    __auto_type a = R_##ik(pc[2]);                                                                 \
    __auto_type b = R_##ik(pc[3]);                                                                 \
    W_##ok(pc[1], (e));                                                                            \
  } while (0)
#define BIN_I_BODY(ik, ok, e)                                                                      \
  do {                                                                                             \
    __auto_type a = R_##ik(pc[2]);                                                                 \
    __auto_type b = IMM_##ik(pc + 3);                                                              \
    W_##ok(pc[1], (e));                                                                            \
  } while (0)
#define PAIR_BODY_I32_ADD_I BIN_I_BODY(U32, I32, a + b)
#define PAIR_BODY_I32_MUL_I BIN_I_BODY(U32, I32, a *b)
#define PAIR_BODY_I32_AND_I BIN_I_BODY(U32, I32, a &b)
#define PAIR_BODY_I32_SHR_U_I BIN_I_BODY(U32, I32, a >> (b & 31))
#define PAIR_BODY_I32_ROTL_I BIN_I_BODY(U32, I32, rotl32(a, b))
#define PAIR_BODY_I32_SHL_I BIN_I_BODY(U32, I32, a << (b & 31))
#define PAIR_BODY_I32_XOR_I BIN_I_BODY(U32, I32, a ^ b)
#define PAIR_BODY_I32_MUL BIN_BODY(U32, I32, a *b)
#define PAIR_BODY_I32_SHR_U_AND_I W_U32(pc[1], (R_U32(pc[2]) >> (pc[3] & 31)) & pc[4])
#define PAIR_N_I32_MUL 4
#define PAIR_N_I32_SHR_U_AND_I 5
#define PAIR_N_I32_SHL_I 4
#define PAIR_N_I32_XOR_I 4
#define PAIR_BODY_I32_ADD BIN_BODY(U32, I32, a + b)
#define PAIR_BODY_I32_XOR BIN_BODY(U32, I32, a ^ b)
#define PAIR_BODY_I32_AND BIN_BODY(U32, I32, a &b)
#define PAIR_BODY_I64_ADD BIN_BODY(U64, I64, a + b)
#define PAIR_BODY_F64_ADD BIN_BODY(F64, F64, a + b)
#define PAIR_BODY_F64_MUL BIN_BODY(F64, F64, a *b)
#define PAIR_N_I32_ADD_I 4
#define PAIR_N_I32_MUL_I 4
#define PAIR_N_I32_AND_I 4
#define PAIR_N_I32_SHR_U_I 4
#define PAIR_N_I32_ROTL_I 4
#define PAIR_N_I32_ADD 4
#define PAIR_N_I32_XOR 4
#define PAIR_N_I32_AND 4
#define PAIR_N_I64_ADD 4
#define PAIR_N_F64_ADD 4
#define PAIR_N_F64_MUL 4
/* A load of T at a + offset (LOAD_BODY) or at (u32)(a + k) + offset
** (LOAD_A_BODY), into dst as kind ok: shared by the loads' own handlers. */
#define LOAD_BODY(T, ok)                                                                           \
  do {                                                                                             \
    uint64_t ea = (uint64_t)R_U32(pc[2]) + pc[3];                                                  \
    MEM_CHECK(ea, sizeof(T));                                                                      \
    T v_;                                                                                          \
    memcpy(&v_, mb + ea, sizeof(T));                                                               \
    W_##ok(pc[1], v_);                                                                             \
  } while (0)
#define LOAD_A_BODY(T, ok)                                                                         \
  do {                                                                                             \
    uint64_t ea = (uint64_t)(uint32_t)(R_U32(pc[2]) + pc[3]) + pc[4];                              \
    MEM_CHECK(ea, sizeof(T));                                                                      \
    T v_;                                                                                          \
    memcpy(&v_, mb + ea, sizeof(T));                                                               \
    W_##ok(pc[1], v_);                                                                             \
  } while (0)
#define PAIR_BODY_I32_LOAD LOAD_BODY(uint32_t, U32)
#define PAIR_BODY_I32_LOAD16_U LOAD_BODY(uint16_t, U32)
#define PAIR_BODY_F64_LOAD_A LOAD_A_BODY(uint64_t, U64)
#define PAIR_BODY_I32_LOAD_A LOAD_A_BODY(uint32_t, U32)
#define PAIR_N_I32_LOAD 4
#define PAIR_N_I32_LOAD16_U 4
#define PAIR_N_F64_LOAD_A 5
#define PAIR_N_I32_LOAD_A 5
#define STORE_BODY(T)                                                                              \
  do {                                                                                             \
    uint64_t ea = (uint64_t)R_U32(pc[1]) + pc[3];                                                  \
    STORE_CHECK(ea, sizeof(T));                                                                    \
    T v_ = (T)fp[pc[2]];                                                                           \
    memcpy(mb + ea, &v_, sizeof(T));                                                               \
  } while (0)
#define PAIR_BODY_I32_STORE STORE_BODY(uint32_t)
#define PAIR_BODY_I32_STORE8 STORE_BODY(uint8_t)
#define PAIR_N_I32_STORE 4
#define PAIR_N_I32_STORE8 4
/* Branches: a taken branch leaves the pair like the plain handler does. */
#define PAIR_BODY_BR_IF                                                                            \
  if (R_U32(pc[1])) JUMP(pc[2])
#define PAIR_BODY_BR_IF_EQZ                                                                        \
  if (!R_U32(pc[1])) JUMP(pc[2])
#define PAIR_BODY_BR_IF_I32_EQ                                                                     \
  if (R_U32(pc[1]) == R_U32(pc[2])) JUMP(pc[3])
#define PAIR_BODY_BR_IF_I32_EQ_I                                                                   \
  if (R_U32(pc[1]) == IMM_U32(pc + 2)) JUMP(pc[3])
#define PAIR_N_BR_IF 3
#define PAIR_N_BR_IF_EQZ 3
#define PAIR_N_BR_IF_I32_EQ 4
#define PAIR_N_BR_IF_I32_EQ_I 4
#define LOADBR_BODY(T, if_nonzero)                                                                 \
  do {                                                                                             \
    uint64_t ea = (uint64_t)R_U32(pc[2]) + pc[3];                                                  \
    MEM_CHECK(ea, sizeof(T));                                                                      \
    T v_;                                                                                          \
    memcpy(&v_, mb + ea, sizeof(T));                                                               \
    if ((v_ != 0) == (if_nonzero)) {                                                               \
      /* Charge before writing: a yield re-executes this load, and dst may be                      \
      ** its own address (p = p->next). */                                                         \
      if ((int32_t)pc[4] <= 0) CHARGE();                                                           \
      fp[pc[1]] = v_;                                                                              \
      pc += (int32_t)pc[4];                                                                        \
      NEXT();                                                                                      \
    }                                                                                              \
    fp[pc[1]] = v_;                                                                                \
  } while (0)
#define PAIR_BODY_I32_LOAD_BR_IF LOADBR_BODY(uint32_t, 1)
#define PAIR_BODY_I32_LOAD8_U_BR_UNLESS LOADBR_BODY(uint8_t, 0)
#define PAIR_N_I32_LOAD_BR_IF 5
#define PAIR_N_I32_LOAD8_U_BR_UNLESS 5
#define PAIR_BODY_COPY (fp[pc[1]] = fp[pc[2]])
#define PAIR_N_COPY 3
#define PAIR_BODY_COPY_PAIR (fp[pc[1]] = fp[pc[2]], fp[pc[3]] = fp[pc[4]])
#define PAIR_N_COPY_PAIR 5
#define PAIR_BODY_LOCAL_SET_IMM (fp[pc[1]] = (uint64_t)pc[2] | (uint64_t)pc[3] << 32)
#define PAIR_N_LOCAL_SET_IMM 4

bool interp_pairs(void) {
  return INTERP_PAIRS;
}

uint32_t interp_pair_first_words(cmp_op op) {
#if INTERP_PAIRS
  static const uint8_t words[] = {
#define X_PAIR(a, b) PAIR_N_##a,
      CMP_PAIRS(X_PAIR)
#undef X_PAIR
  };
  if (op >= CMP_OP_PAIR_FIRST_ && op < CMP_OP_COUNT_) return words[op - CMP_OP_PAIR_FIRST_];
#endif
  (void)op;
  return 0;
}

/* Direct threading (code words hold handler offsets, see interp_op_offset)
** or a table of handler addresses indexed by opcode. Threading saves a load
** per dispatch with gcc; clang then keeps the base address in a register and
** spills the frame pointer instead (more instructions per handler, measured
** with callgrind on the calls kernel: 449M vs 435M), so clang builds and
** the profiling build use the table. */
#if (defined(__clang__) && !defined(RUSM_INTERP_GCC_SHAPE)) || defined(RUSM_INTERP_PROFILE)
#define INTERP_THREADED 0
#else
#define INTERP_THREADED 1
#endif

#ifdef RUSM_INTERP_PROFILE
/* A measuring aid, off by default: counts executed internal ops and adjacent
** pairs, printed to stderr at exit (the input for choosing fusions). */
#include <stdio.h>
static uint64_t prof_pairs[CMP_OP_COUNT_][CMP_OP_COUNT_];
static uint32_t prof_prev;
static const char *const prof_names[CMP_OP_COUNT_] = {
#define H(op, lab) [op] = #lab + 2, /* "L_NAME" without the "L_" */
    INTERP_HANDLERS(H)
#undef H
};
static void prof_dump(void) {
  uint64_t single[CMP_OP_COUNT_] = {0}, total = 0;
  for (int a = 0; a < CMP_OP_COUNT_; a++)
    for (int b = 0; b < CMP_OP_COUNT_; b++) single[b] += prof_pairs[a][b];
  for (int b = 0; b < CMP_OP_COUNT_; b++) total += single[b];
  fprintf(stderr, "interp profile: %llu ops\n", (unsigned long long)total);
  for (int k = 0; k < 40; k++) {
    int best = -1;
    for (int b = 0; b < CMP_OP_COUNT_; b++)
      if (single[b] && (best < 0 || single[b] > single[best])) best = b;
    if (best < 0) break;
    fprintf(stderr, "op %12llu %s\n", (unsigned long long)single[best], prof_names[best]);
    single[best] = 0;
  }
  for (int k = 0; k < 60; k++) {
    int ba = -1, bb = -1;
    for (int a = 0; a < CMP_OP_COUNT_; a++)
      for (int b = 0; b < CMP_OP_COUNT_; b++)
        if (prof_pairs[a][b] && (ba < 0 || prof_pairs[a][b] > prof_pairs[ba][bb])) ba = a, bb = b;
    if (ba < 0) break;
    fprintf(stderr, "pair %12llu %s %s\n", (unsigned long long)prof_pairs[ba][bb], prof_names[ba],
            prof_names[bb]);
    prof_pairs[ba][bb] = 0;
  }
}
#define NEXT()                                                                                     \
  do {                                                                                             \
    prof_pairs[prof_prev][*pc]++;                                                                  \
    prof_prev = *pc;                                                                               \
    goto *(&&L_UNREACHABLE + offsets[*pc]);                                                        \
  } while (0)
#elif INTERP_THREADED
/* Code words hold handler offsets from L_UNREACHABLE. */
#define NEXT() goto *(&&L_UNREACHABLE + (int32_t)*pc)
#else
#define NEXT() goto *labels[*pc]
#endif
/* A trap jumps to its own exit (trap_<kind>, at the end of interp_run), so
** no handler has to keep a trap kind live in a register on its fast path. */
#define TRAP(k) goto trap_##k
/* The trap kinds interp_run raises by name: X(kind). */
#define INTERP_TRAPS(X)                                                                            \
  X(UNREACHABLE)                                                                                   \
  X(MEMORY_OOB)                                                                                    \
  X(DIV_ZERO)                                                                                      \
  X(INT_OVERFLOW)                                                                                  \
  X(TABLE_OOB)                                                                                     \
  X(UNDEFINED_ELEMENT)                                                                             \
  X(UNINITIALIZED_ELEMENT)                                                                         \
  X(INDIRECT_TYPE)                                                                                 \
  X(OUT_OF_MEMORY)                                                                                 \
  X(STACK_EXHAUSTED)                                                                               \
  X(HOST)
#define SAVE()                                                                                     \
  do {                                                                                             \
    x->pc = pc;                                                                                    \
    x->fp_off = (uint32_t)(fp - x->stack);                                                         \
    x->fn = fn;                                                                                    \
    x->cur = inst;                                                                                 \
  } while (0)
/* Charged at calls and loop back-edges: the only places unbounded work
** starts. The budget is handed out in slices of CHARGE_SLICE: the common
** charge is a test and a decrement of `left`; the rest of the budget
** (x->budget) and the epoch are looked at when a slice runs out, and at the
** first charge after entry (a resumed call starts with left == 0), so an
** epoch that has passed is seen within CHARGE_SLICE charges. Keeping them in
** x rather than in locals leaves the registers to pc, fp and memory. */
#define CHARGE_SLICE 64u
#define CHARGE()                                                                                   \
  do {                                                                                             \
    if (UNLIKELY(left == 0)) {                                                                     \
      left = charge_refill(x);                                                                     \
      if (!left) goto yield;                                                                       \
    }                                                                                              \
    left--;                                                                                        \
  } while (0)

/* A new slice of the budget, or 0 when it is spent or the epoch passed. */
static inline uint32_t charge_refill(inst_exec *x) {
  if (x->budget == 0 || (x->epoch && *x->epoch >= x->deadline)) return 0;
  uint32_t l = x->budget < CHARGE_SLICE ? x->budget : CHARGE_SLICE;
  x->budget -= l;
  return l;
}

/* Writes raise the memory's high-water mark, so a pooled slot resets only
** what was written. A store checks its end against the write limit `wl` (the
** mark as last seen) alone: only a store past it takes the slow path, which
** bounds-checks and raises the mark a 4 KiB page at a time, so the common
** store costs one compare, not a bounds check plus a mark check. */
#define STORE_CHECK(ea, n)                                                                         \
  if (UNLIKELY((ea) + (n) > wl)) {                                                                 \
    if (UNLIKELY((ea) + (n) > ms)) TRAP(MEMORY_OOB);                                               \
    wl = mem_raise_hw(inst->mem0, (ea) + (n));                                                     \
  }

/* A taken branch. Backward (offset <= 0) means a loop back-edge: charge it,
** so unbounded loops yield; a yield re-executes the branch on resume. */
#define JUMP(off)                                                                                  \
  do {                                                                                             \
    int32_t o_ = (int32_t)(off);                                                                   \
    if (o_ <= 0) CHARGE();                                                                         \
    pc += o_;                                                                                      \
    NEXT();                                                                                        \
  } while (0)

/* Bounds check for [ea, ea+n) in a memory of ms bytes (all 64-bit, no overflow). */
#define MEM_CHECK(ea, n)                                                                           \
  if (UNLIKELY((ea) + (n) > ms)) TRAP(MEMORY_OOB)

static void host_args(inst_exec *x, const rusm_func *f, const uint64_t *slots) {
  for (uint32_t i = 0, s = 0; i < f->type.n_params; i++) {
    glob_from_slots(f->type.params[i], slots + s, &x->host_args[i]);
    s += f->type.params[i] == RUSM_V128 ? 2 : 1;
  }
}

void interp_store_results(const rusm_functype *t, const rusm_val *res, uint64_t *slots) {
  for (uint32_t i = 0, s = 0; i < t->n_results; i++) {
    glob_to_slots(t->results[i], &res[i], slots + s);
    s += t->results[i] == RUSM_V128 ? 2 : 1;
  }
}

static const int32_t *op_offsets; /* interp_run's handler offsets, once asked for */

uint32_t interp_op_offset(cmp_op op) {
#if !INTERP_THREADED
  return op;
#else
  const int32_t *t = __atomic_load_n(&op_offsets, __ATOMIC_ACQUIRE);
  if (!t) {
    interp_run(NULL);
    t = __atomic_load_n(&op_offsets, __ATOMIC_ACQUIRE);
  }
  return (uint32_t)t[op];
#endif
}

/* gcc turns call_wasm's short zeroing and copy loops into memset/memcpy
** calls (11% of fib's time went to memset through the PLT); keep them loops. */
#if defined(__GNUC__) && !defined(__clang__)
__attribute__((optimize("no-tree-loop-distribute-patterns")))
#endif
rusm_exec_status
interp_run(rusm_instance *owner) {
  static const int32_t offsets[CMP_OP_COUNT_] = {
#define H(op, lab) [op] = &&lab - &&L_UNREACHABLE,
      INTERP_HANDLERS(H)
#undef H
  };
#if !INTERP_THREADED && !defined(RUSM_INTERP_PROFILE)
  static const void *const labels[CMP_OP_COUNT_] = {
#define H(op, lab) [op] = &&lab,
      INTERP_HANDLERS(H)
#undef H
  };
#endif
  if (UNLIKELY(!owner)) { /* interp_op_offset asks for the table */
    __atomic_store_n(&op_offsets, offsets, __ATOMIC_RELEASE);
    return RUSM_EXEC_DONE;
  }
  inst_exec *x = &owner->x;
  const uint32_t *pc = x->pc;
  uint64_t *fp = x->stack + x->fp_off;
  const cmp_func *fn = x->fn;
  rusm_instance *inst = x->cur;
  uint32_t left = 0; /* the budget is x->budget + left */
  uint8_t *mb;
  uint64_t ms, wl; /* size and write limit of memory 0 (see STORE_CHECK) */
  rusm_trap_kind tk;
  /* Call plumbing. */
  const cmp_func *callee;
  rusm_instance *callee_inst;
  rusm_func *target;
  uint32_t ab, nwords;

#ifdef RUSM_INTERP_PROFILE
  static bool prof_registered;
  if (!prof_registered) prof_registered = atexit(prof_dump) == 0;
#endif
  x->state = EXEC_RUNNING;
  RELOAD_MEM();
  NEXT();

  /* ---------------------------------------------------------- numerics */
#define X_UN(n, w, ik, ok, e)                                                                      \
  L_##n : {                                                                                        \
    __auto_type a = R_##ik(pc[2]);                                                                 \
    W_##ok(pc[1], (e));                                                                            \
    pc += 3;                                                                                       \
    NEXT();                                                                                        \
  }
  CMP_UNOPS(X_UN)
#undef X_UN
#define X_BIN(n, w, ik, ok, e)                                                                     \
  L_##n : BIN_BODY(ik, ok, e);                                                                     \
  pc += 4;                                                                                         \
  NEXT();                                                                                          \
  L_##n##_I : BIN_I_BODY(ik, ok, e);                                                               \
  pc += 3 + CMP_IMMW_##ik;                                                                         \
  NEXT();
  CMP_BINOPS(X_BIN)
#undef X_BIN

L_I32_DIV_S : {
  int32_t a = R_I32(pc[2]), b = R_I32(pc[3]);
  if (UNLIKELY(b == 0)) TRAP(DIV_ZERO);
  if (UNLIKELY(a == INT32_MIN && b == -1)) TRAP(INT_OVERFLOW);
  W_I32(pc[1], a / b);
  pc += 4;
  NEXT();
}
L_I32_DIV_U : {
  uint32_t a = R_U32(pc[2]), b = R_U32(pc[3]);
  if (UNLIKELY(b == 0)) TRAP(DIV_ZERO);
  W_U32(pc[1], a / b);
  pc += 4;
  NEXT();
}
L_I32_REM_S : {
  int32_t a = R_I32(pc[2]), b = R_I32(pc[3]);
  if (UNLIKELY(b == 0)) TRAP(DIV_ZERO);
  W_I32(pc[1], b == -1 ? 0 : a % b);
  pc += 4;
  NEXT();
}
L_I32_REM_U : {
  uint32_t a = R_U32(pc[2]), b = R_U32(pc[3]);
  if (UNLIKELY(b == 0)) TRAP(DIV_ZERO);
  W_U32(pc[1], a % b);
  pc += 4;
  NEXT();
}
L_I64_DIV_S : {
  int64_t a = R_I64(pc[2]), b = R_I64(pc[3]);
  if (UNLIKELY(b == 0)) TRAP(DIV_ZERO);
  if (UNLIKELY(a == INT64_MIN && b == -1)) TRAP(INT_OVERFLOW);
  W_I64(pc[1], a / b);
  pc += 4;
  NEXT();
}
L_I64_DIV_U : {
  uint64_t a = R_U64(pc[2]), b = R_U64(pc[3]);
  if (UNLIKELY(b == 0)) TRAP(DIV_ZERO);
  W_U64(pc[1], a / b);
  pc += 4;
  NEXT();
}
L_I64_REM_S : {
  int64_t a = R_I64(pc[2]), b = R_I64(pc[3]);
  if (UNLIKELY(b == 0)) TRAP(DIV_ZERO);
  W_I64(pc[1], b == -1 ? 0 : a % b);
  pc += 4;
  NEXT();
}
L_I64_REM_U : {
  uint64_t a = R_U64(pc[2]), b = R_U64(pc[3]);
  if (UNLIKELY(b == 0)) TRAP(DIV_ZERO);
  W_U64(pc[1], a % b);
  pc += 4;
  NEXT();
}
#define TRUNC(name, rd, wr, ctype, lo_ok, hi_ok)                                                   \
  L_##name : {                                                                                     \
    double a = rd(pc[2]);                                                                          \
    int k_ = TRUNC_CHECK(a, lo_ok, hi_ok);                                                         \
    if (UNLIKELY(k_)) {                                                                            \
      tk = (rusm_trap_kind)k_;                                                                     \
      goto trap;                                                                                   \
    }                                                                                              \
    wr(pc[1], (ctype)a);                                                                           \
    pc += 3;                                                                                       \
    NEXT();                                                                                        \
  }
  TRUNC(I32_TRUNC_F32_S, R_F32, W_I32, int32_t, a > -2147483649.0, a < 2147483648.0)
  TRUNC(I32_TRUNC_F64_S, R_F64, W_I32, int32_t, a > -2147483649.0, a < 2147483648.0)
  TRUNC(I32_TRUNC_F32_U, R_F32, W_U32, uint32_t, a > -1.0, a < 4294967296.0)
  TRUNC(I32_TRUNC_F64_U, R_F64, W_U32, uint32_t, a > -1.0, a < 4294967296.0)
  TRUNC(I64_TRUNC_F32_S, R_F32, W_I64, int64_t, a >= -9223372036854775808.0,
        a < 9223372036854775808.0)
  TRUNC(I64_TRUNC_F64_S, R_F64, W_I64, int64_t, a >= -9223372036854775808.0,
        a < 9223372036854775808.0)
  TRUNC(I64_TRUNC_F32_U, R_F32, W_U64, uint64_t, a > -1.0, a < 18446744073709551616.0)
  TRUNC(I64_TRUNC_F64_U, R_F64, W_U64, uint64_t, a > -1.0, a < 18446744073709551616.0)
#undef TRUNC

  /* ------------------------------------------------------------ memory */
#define X_LD(n, w, T, ok)                                                                          \
  L_##n : LOAD_BODY(T, ok);                                                                        \
  pc += 4;                                                                                         \
  NEXT();                                                                                          \
  L_##n##_A : LOAD_A_BODY(T, ok);                                                                  \
  pc += 5;                                                                                         \
  NEXT();
  CMP_LOADS(X_LD)
#undef X_LD
#define X_ST(n, w, T)                                                                              \
  L_##n : STORE_BODY(T);                                                                           \
  pc += 4;                                                                                         \
  NEXT();
  CMP_STORES(X_ST)
#undef X_ST
#define LOADBR(name, T, if_nonzero)                                                                \
  L_##name : LOADBR_BODY(T, if_nonzero);                                                           \
  pc += 5;                                                                                         \
  NEXT();
#define X_LDBR(n, T) LOADBR(n##_BR_IF, T, 1) LOADBR(n##_BR_UNLESS, T, 0)
  CMP_LOADBRS(X_LDBR)
#undef X_LDBR
#undef LOADBR

L_MEMORY_SIZE:
  W_U32(pc[1], ms / INST_PAGE);
  pc += 2;
  NEXT();
L_MEMORY_GROW : {
  int64_t r = mem_grow(inst->mem0, R_U32(pc[2]), inst->mem_cap_bytes);
  W_I32(pc[1], (int32_t)r);
  RELOAD_MEM();
  pc += 3;
  NEXT();
}
L_MEMORY_FILL : {
  uint64_t d = R_U32(pc[1]), n = R_U32(pc[3]);
  STORE_CHECK(d, n);
  if (n) memset(mb + d, (int)(uint8_t)fp[pc[2]], n);
  pc += 4;
  NEXT();
}
L_MEMORY_COPY : {
  uint64_t d = R_U32(pc[1]), s = R_U32(pc[2]), n = R_U32(pc[3]);
  MEM_CHECK(s, n);
  STORE_CHECK(d, n);
  if (n) memmove(mb + d, mb + s, n);
  pc += 4;
  NEXT();
}
L_MEMORY_INIT : {
  const wasm_data *seg = &inst->wm->datas[pc[1]];
  uint64_t d = R_U32(pc[2]), s = R_U32(pc[3]), n = R_U32(pc[4]);
  uint64_t len = inst->data_dropped[pc[1]] ? 0 : seg->len;
  if (UNLIKELY(s + n > len)) TRAP(MEMORY_OOB);
  STORE_CHECK(d, n);
  if (n) memcpy(mb + d, inst->wm->bytes + seg->bytes_offset + s, n);
  pc += 5;
  NEXT();
}
L_DATA_DROP:
  inst->data_dropped[pc[1]] = 1;
  pc += 2;
  NEXT();

  /* ------------------------------------------------------------ tables */
L_TABLE_GET : {
  rusm_table *t = inst->tables[pc[2]];
  uint32_t i = R_U32(pc[3]);
  if (UNLIKELY(i >= t->size)) TRAP(TABLE_OOB);
  fp[pc[1]] = (uint64_t)(uintptr_t)t->elems[i];
  pc += 4;
  NEXT();
}
L_TABLE_SET : {
  rusm_table *t = inst->tables[pc[1]];
  uint32_t i = R_U32(pc[2]);
  if (UNLIKELY(i >= t->size)) TRAP(TABLE_OOB);
  t->elems[i] = (void *)(uintptr_t)fp[pc[3]];
  pc += 4;
  NEXT();
}
L_TABLE_SIZE:
  W_U32(pc[1], inst->tables[pc[2]]->size);
  pc += 3;
  NEXT();
L_TABLE_GROW : {
  int64_t r = tab_grow(inst->tables[pc[2]], R_U32(pc[4]), (void *)(uintptr_t)fp[pc[3]]);
  W_I32(pc[1], (int32_t)r);
  pc += 5;
  NEXT();
}
L_TABLE_FILL : {
  rusm_table *t = inst->tables[pc[1]];
  uint64_t i = R_U32(pc[2]), n = R_U32(pc[4]);
  void *v = (void *)(uintptr_t)fp[pc[3]];
  if (UNLIKELY(i + n > t->size)) TRAP(TABLE_OOB);
  for (uint64_t k = 0; k < n; k++) t->elems[i + k] = v;
  pc += 5;
  NEXT();
}
L_TABLE_COPY : {
  rusm_table *dt = inst->tables[pc[1]], *st = inst->tables[pc[2]];
  uint64_t d = R_U32(pc[3]), s = R_U32(pc[4]), n = R_U32(pc[5]);
  if (UNLIKELY(d + n > dt->size || s + n > st->size)) TRAP(TABLE_OOB);
  if (n) memmove(dt->elems + d, st->elems + s, n * sizeof(void *));
  pc += 6;
  NEXT();
}
L_TABLE_INIT : {
  if (UNLIKELY(!inst_table_init(inst, inst->tables[pc[1]], pc[2], R_U32(pc[3]), R_U32(pc[4]),
                                R_U32(pc[5]))))
    TRAP(TABLE_OOB);
  pc += 6;
  NEXT();
}
L_ELEM_DROP:
  inst->elem_dropped[pc[1]] = 1;
  pc += 2;
  NEXT();
L_REF_IS_NULL:
  W_I32(pc[1], fp[pc[2]] == 0);
  pc += 3;
  NEXT();
L_REF_FUNC:
  fp[pc[1]] = (uint64_t)(uintptr_t)inst->funcs[pc[2]];
  pc += 3;
  NEXT();

  /* ------------------------------------------------------ data movement */
L_COPY:
  fp[pc[1]] = fp[pc[2]];
  pc += 3;
  NEXT();
L_COPY_PAIR:
  fp[pc[1]] = fp[pc[2]];
  fp[pc[3]] = fp[pc[4]];
  pc += 5;
  NEXT();
L_COPY2:
  fp[pc[1]] = fp[pc[2]];
  fp[pc[1] + 1] = fp[pc[2] + 1];
  pc += 3;
  NEXT();
L_MOVES : {
  uint32_t n = pc[1];
  uint64_t *scratch = fp + pc[2];
  for (uint32_t i = 0; i < n; i++) scratch[i] = fp[pc[4 + 2 * i]];
  for (uint32_t i = 0; i < n; i++) fp[pc[3 + 2 * i]] = scratch[i];
  pc += 3 + 2 * n;
  NEXT();
}
L_SELECT:
  fp[pc[1]] = R_U32(pc[2]) ? fp[pc[3]] : fp[pc[4]];
  pc += 5;
  NEXT();
L_SELECT2 : {
  uint32_t s = R_U32(pc[2]) ? pc[3] : pc[4];
  uint64_t lo = fp[s], hi = fp[s + 1];
  fp[pc[1]] = lo;
  fp[pc[1] + 1] = hi;
  pc += 5;
  NEXT();
}
L_GLOBAL_GET:
  fp[pc[1]] = inst->globals[pc[2]]->v[0];
  pc += 3;
  NEXT();
L_GLOBAL_SET:
  inst->globals[pc[1]]->v[0] = fp[pc[2]];
  pc += 3;
  NEXT();
L_GLOBAL_GET2:
  fp[pc[1]] = inst->globals[pc[2]]->v[0];
  fp[pc[1] + 1] = inst->globals[pc[2]]->v[1];
  pc += 3;
  NEXT();
L_GLOBAL_SET2:
  inst->globals[pc[1]]->v[0] = fp[pc[2]];
  inst->globals[pc[1]]->v[1] = fp[pc[2] + 1];
  pc += 3;
  NEXT();
L_I32_SHR_U_AND_I:
  W_U32(pc[1], (R_U32(pc[2]) >> (pc[3] & 31)) & pc[4]);
  pc += 5;
  NEXT();
L_I32_MUL_ADD:
  W_U32(pc[1], R_U32(pc[2]) * R_U32(pc[3]) + R_U32(pc[4]));
  pc += 5;
  NEXT();
L_LOCAL_SET_IMM:
  fp[pc[1]] = (uint64_t)pc[2] | (uint64_t)pc[3] << 32;
  pc += 4;
  NEXT();

  /* ---------------------------------------------------- superinstructions */
  /* A then B: A's body, then B's handler directly (no dispatch). */
#if INTERP_PAIRS
#define X_PAIR(a, b)                                                                               \
  L_P_##a##__##b : PAIR_BODY_##a;                                                                  \
  pc += PAIR_N_##a;                                                                                \
  goto L_##b;
  CMP_PAIRS(X_PAIR)
#undef X_PAIR
#endif

L_SIMD : {
  int k = interp_simd(pc, fp, inst->mem0);
  if (UNLIKELY(k)) {
    tk = (rusm_trap_kind)k;
    goto trap;
  }
  pc += 8;
  NEXT();
}

  /* ----------------------------------------------------------- control */
L_UNREACHABLE:
  TRAP(UNREACHABLE);
L_BR:
  JUMP(pc[1]);
L_BR_IF:
  if (R_U32(pc[1])) JUMP(pc[2]);
  pc += 3;
  NEXT();
L_BR_UNLESS:
L_BR_IF_EQZ:
  if (!R_U32(pc[1])) JUMP(pc[2]);
  pc += 3;
  NEXT();
L_BR_IF_EQZ64:
  if (!R_U64(pc[1])) JUMP(pc[2]);
  pc += 3;
  NEXT();
L_BR_IF_NEZ64:
  if (R_U64(pc[1])) JUMP(pc[2]);
  pc += 3;
  NEXT();
#define X_BRC(n, k, op)                                                                            \
  L_BR_IF_##n : if (R_##k(pc[1]) op R_##k(pc[2])) JUMP(pc[3]);                                     \
  pc += 4;                                                                                         \
  NEXT();                                                                                          \
  L_BR_UNLESS_##n : if (!(R_##k(pc[1]) op R_##k(pc[2]))) JUMP(pc[3]);                              \
  pc += 4;                                                                                         \
  NEXT();                                                                                          \
  L_BR_IF_##n##_I : if (R_##k(pc[1]) op IMM_##k(pc + 2)) JUMP(pc[2 + CMP_IMMW_##k]);               \
  pc += 3 + CMP_IMMW_##k;                                                                          \
  NEXT();                                                                                          \
  L_BR_UNLESS_##n##_I : if (!(R_##k(pc[1]) op IMM_##k(pc + 2))) JUMP(pc[2 + CMP_IMMW_##k]);        \
  pc += 3 + CMP_IMMW_##k;                                                                          \
  NEXT();
  CMP_BRCMPS(X_BRC)
#undef X_BRC
L_BR_TABLE : {
  uint32_t i = R_U32(pc[1]), n = pc[2];
  if (i > n) i = n;
  JUMP(pc[3 + i]);
}

L_CALL:
  callee = &inst->mod->funcs[pc[1]];
  callee_inst = inst;
  ab = pc[2];
  nwords = 3;
  goto call_wasm;
L_CALL_IMPORT:
  target = inst->funcs[pc[1]];
  ab = pc[2];
  nwords = 3;
  goto call_func;
L_CALL_INDIRECT : {
  rusm_table *t = inst->tables[pc[2]];
  uint32_t i = R_U32(pc[4]);
  if (UNLIKELY(i >= t->size)) TRAP(UNDEFINED_ELEMENT);
  target = t->elems[i];
  if (UNLIKELY(!target)) TRAP(UNINITIALIZED_ELEMENT);
  const wasm_functype *want = &inst->wm->types[pc[1]];
  if (target->kind == FUNC_WASM && target->inst->wm == inst->wm) {
    if (UNLIKELY(inst->wm->types[target->code->type_index].canon != want->canon))
      TRAP(INDIRECT_TYPE);
  } else {
    rusm_functype w = {want->n_params, want->n_results, want->params, want->results};
    if (target->type_hash != inst->mod->type_hash[pc[1]] || !func_type_eq(&target->type, &w))
      TRAP(INDIRECT_TYPE);
  }
  ab = pc[3];
  nwords = 5;
  goto call_func;
}

call_func:
  if (target->kind == FUNC_WASM) {
    callee = target->code;
    callee_inst = target->inst;
    goto call_wasm;
  }
  {
    CHARGE();
    uint32_t need = target->type.n_params + target->type.n_results;
    if (need > x->host_args_cap) {
      rusm_val *na = realloc(x->host_args, need * sizeof(rusm_val));
      if (!na) TRAP(OUT_OF_MEMORY);
      x->host_args = na;
      x->host_args_cap = need;
    }
    host_args(x, target, fp + ab);
    x->host = target;
    x->host_base = (uint32_t)(fp - x->stack) + ab;
    SAVE();
    x->pc = pc + nwords; /* where to resume after the host's results */
    x->budget += left;
    left = 0; /* the host may spend or grant budget; the next charge rereads it */
    rusm_call call = {inst, x};
    /* host_args may still be NULL for a call with no params and no results. */
    rusm_val *res = x->host_args ? x->host_args + target->type.n_params : NULL;
    rusm_host_status st = target->fn(&call, target->env, x->host_args, res);
    fp = x->stack + x->fp_off;
    if (st == RUSM_HOST_SUSPEND) {
      x->state = EXEC_SUSPENDED;
      return RUSM_EXEC_SUSPEND;
    }
    if (st != RUSM_HOST_OK) TRAP(HOST);
    interp_store_results(&target->type, res, fp + ab);
    RELOAD_MEM();
    pc += nwords;
    NEXT();
  }

call_wasm : {
  CHARGE();
  if (UNLIKELY(x->n_frames >= x->max_depth)) TRAP(STACK_EXHAUSTED);
  if (UNLIKELY(x->n_frames >= x->frames_cap) && !exec_grow_frames(x)) TRAP(STACK_EXHAUSTED);
  uint32_t fp_off = (uint32_t)(fp - x->stack);
  uint64_t nfp_off = (uint64_t)fp_off + ab;
  if (UNLIKELY(nfp_off + callee->frame_slots > x->stack_cap)) {
    if (!exec_grow_stack(x, nfp_off + callee->frame_slots)) TRAP(STACK_EXHAUSTED);
  }
  inst_frame *fr = &x->frames[x->n_frames++];
  fr->ret_pc = pc + nwords;
  fr->fp_off = fp_off;
  fr->fn = fn;
  fr->inst = inst;
  fp = x->stack + nfp_off;
  /* Small counts are the rule: inline loops beat a libc call here. */
  for (uint64_t *l = fp + callee->n_param_slots, *e = l + callee->n_local_slots; l < e; l++) *l = 0;
  for (uint32_t k = 0, n = callee->n_consts; k < n; k++)
    fp[callee->const_base + k] = callee->consts[k];
  fn = callee;
  pc = callee->code;
  if (callee_inst != inst) {
    inst = callee_inst;
    RELOAD_MEM();
  }
  NEXT();
}

L_RETURN : {
  inst_frame *fr = &x->frames[--x->n_frames];
  if (UNLIKELY(!fr->ret_pc)) {
    x->state = EXEC_IDLE;
    x->budget += left;
    return RUSM_EXEC_DONE;
  }
  pc = fr->ret_pc;
  fp = x->stack + fr->fp_off;
  fn = fr->fn;
  if (fr->inst != inst) {
    inst = fr->inst;
    RELOAD_MEM();
  }
  NEXT();
}

yield:
  SAVE();
  x->budget = 0;
  x->state = EXEC_YIELDED;
  return RUSM_EXEC_YIELD;

#define X_EXIT(k)                                                                                  \
  trap_##k : tk = RUSM_TRAP_##k;                                                                   \
  goto trap;
  INTERP_TRAPS(X_EXIT)
#undef X_EXIT
trap:
  exec_trap(x, tk, fn, inst);
  return RUSM_EXEC_TRAP;
}
