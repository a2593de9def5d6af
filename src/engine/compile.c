/*
** compile.c: translates each function body to the internal code of
** compile.h, driven by the validator's instruction stream (validate.h) so
** decoding and typing exist once.
**
** The translator keeps an abstract operand stack whose entries say where a
** value lives: its own temp slot (at its stack height), a local, or a
** constant. local.get and consts push aliases and emit nothing. A copy is
** emitted only when needed: before a local.set that would clobber an alias
** in the current block, when a block is entered (aliases of locals become
** temps, so an early exit cannot skip a later preserve-copy), and when a
** branch, call or return needs values in canonical slots.
**
** Temp and constant slot numbers depend on counts known only at the end
** (frame: params | locals | consts | scratch | temps), so operand words that
** name them are recorded in a fix-up list and rebased when the body is done.
*/
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "instance.h"
#include "opcodes.h"
#include "validate.h"

enum { K_TEMP, K_LOCAL, K_CONST };
enum { FIX_NONE, FIX_TEMP, FIX_CONST, FIX_SCRATCH };
enum { SH_NONE, SH_UN, SH_BIN, SH_TRAP1, SH_TRAP2, SH_LOAD, SH_STORE, SH_RETYPE };

typedef struct ent {
  uint64_t k;    /* CONST (one slot): the value, emitted as an immediate where an op allows */
  uint32_t slot; /* LOCAL: absolute slot; CONST: constant index, or NO_SLOT until one is needed */
  uint32_t home; /* temp slot (relative to the temp base) for this height */
  uint8_t kind, type, size;
} ent;

typedef struct fix {
  uint32_t pos;
  uint8_t kind;
} fix;

typedef struct brfix {
  uint32_t word, instr;
  int32_t next;
} brfix;

/* One label (block, loop, if, or the function). */
typedef struct lab {
  uint16_t op;
  bool dead;           /* opened in dead code: nothing inside is emitted */
  uint32_t height;     /* entries below the params */
  uint32_t base;       /* temp home of the first param/result */
  uint32_t loop_pos;   /* LOOP: where back-edges go */
  int32_t fixes;       /* forward branches to patch at END */
  uint32_t else_word;  /* IF: the BR_UNLESS offset word to patch at ELSE/END */
  uint32_t else_instr; /* and that instruction's position */
  bool has_else_fix;
} lab;

typedef struct tr {
  const wasm_module *wm;
  wasm_fv *fv;
  const wasm_functype *ft;
  uint32_t *code;
  uint32_t len, cap;
  fix *fx;
  uint32_t nfx, capfx;
  brfix *bf;
  uint32_t nbf, capbf;
  ent *st;
  uint32_t nst, capst;
  uint32_t cur, max; /* next temp home, highest temp slot used */
  lab *labs;
  uint32_t nlab, caplab;
  uint64_t *consts;
  uint32_t nconst, capconst;
  uint32_t *local_slot;
  uint8_t *local_size;
  uint32_t n_param_slots, n_local_slots, n_result_slots;
  uint32_t scratch; /* scratch slots for parallel moves */
  /* The last instruction emitted, for fusion and dst retargeting. */
  uint32_t last_op, last_pos, last_dst_home, last_dst_fix;
  bool oom;
} tr;

#define NO_OP UINT32_MAX
#define NO_SLOT UINT32_MAX

/* The translator finds a binary op's _I form and a load's _A form as the
** next opcode (compile.h's enum lists them in that order). */
_Static_assert(CMP_OP_I32_ADD_I == CMP_OP_I32_ADD + 1 && CMP_OP_F64_GE_I == CMP_OP_F64_GE + 1,
               "each binary op is followed by its _I form");
_Static_assert(CMP_OP_I32_LOAD_A == CMP_OP_I32_LOAD + 1 &&
                   CMP_OP_I64_LOAD32_U_A == CMP_OP_I64_LOAD32_U + 1,
               "each load is followed by its _A form");

static uint8_t vsize(uint8_t t) {
  return t == RUSM_V128 ? 2 : 1;
}

#define GROW(arr, n, capv)                                                                         \
  do {                                                                                             \
    if ((n) >= (capv)) {                                                                           \
      uint32_t nc_ = (capv) ? (capv)*2 : 16;                                                       \
      void *np_ = realloc((arr), (size_t)nc_ * sizeof(*(arr)));                                    \
      if (!np_) {                                                                                  \
        t->oom = true;                                                                             \
        return;                                                                                    \
      }                                                                                            \
      (arr) = np_;                                                                                 \
      (capv) = nc_;                                                                                \
    }                                                                                              \
  } while (0)

static void w(tr *t, uint32_t v) {
  GROW(t->code, t->len, t->cap);
  t->code[t->len++] = v;
}

static void add_fix(tr *t, uint32_t pos, uint8_t kind) {
  GROW(t->fx, t->nfx, t->capfx);
  t->fx[t->nfx].pos = pos;
  t->fx[t->nfx].kind = kind;
  t->nfx++;
}

static void op(tr *t, uint32_t o) {
  t->last_op = o;
  t->last_pos = t->len;
  t->last_dst_fix = UINT32_MAX;
  w(t, o);
}

static uint32_t add_const(tr *t, uint64_t lo, uint64_t hi, uint8_t size);

/* The constant-area index of a constant entry: scalars get one only when an
** operand must name a slot (most uses are immediates). */
static uint32_t const_slot(tr *t, const ent *e) {
  return e->slot != NO_SLOT ? e->slot : add_const(t, e->k, 0, 1);
}

/* Starts a copy of a value of `size` slots; the caller writes dst and src.
** A one-slot copy right after another becomes one COPY_PAIR (the local
** shuffles at the end of unrolled loop bodies). */
static void op_copy(tr *t, uint8_t size) {
  if (size == 1 && t->last_op == CMP_OP_COPY && t->last_pos + 3 == t->len) {
    t->code[t->last_pos] = CMP_OP_COPY_PAIR;
    t->last_op = CMP_OP_COPY_PAIR;
    return;
  }
  op(t, size == 2 ? CMP_OP_COPY2 : CMP_OP_COPY);
}

/* An operand word naming where e lives. */
static void opnd(tr *t, const ent *e) {
  if (e->kind == K_LOCAL) {
    w(t, e->slot);
  } else if (e->kind == K_TEMP) {
    add_fix(t, t->len, FIX_TEMP);
    w(t, e->home);
  } else {
    uint32_t k = const_slot(t, e);
    add_fix(t, t->len, FIX_CONST);
    w(t, k);
  }
}

/* Immediate words for a one-slot constant: one for 32-bit types, two (lo, hi) for 64-bit. */
static void imm_words(tr *t, const ent *e) {
  w(t, (uint32_t)e->k);
  if (e->type == RUSM_I64 || e->type == RUSM_F64) w(t, (uint32_t)(e->k >> 32));
}

/* A constant into a slot without touching the frame's constant area. */
static void set_imm(tr *t, uint64_t k) {
  w(t, (uint32_t)k);
  w(t, (uint32_t)(k >> 32));
}

static void temp_word(tr *t, uint32_t home) {
  add_fix(t, t->len, FIX_TEMP);
  w(t, home);
}

/* The destination word of the instruction being emitted (retargetable). */
static void dst_word(tr *t, uint32_t home) {
  t->last_dst_home = home;
  t->last_dst_fix = t->nfx;
  temp_word(t, home);
}

/* Whether e is the untouched result of the instruction just emitted, op `o`
** (in its temp, not retargeted): that instruction may then be rewritten. */
static bool produced_by_last(const tr *t, const ent *e, uint32_t o) {
  return e->kind == K_TEMP && t->last_op == o && t->last_dst_fix != UINT32_MAX &&
         t->last_dst_home == e->home;
}

/* When e is the result of the instruction just emitted, still in its temp,
** makes that instruction write slot s instead and returns true. Every
** handler reads its operands before it writes, so s may be one of them. */
static bool retarget_last(tr *t, const ent *e, uint32_t s) {
  if (e->kind != K_TEMP || t->last_op == NO_OP || t->last_dst_fix == UINT32_MAX ||
      t->last_dst_home != e->home || t->last_dst_fix >= t->nfx)
    return false;
  fix *f = &t->fx[t->last_dst_fix];
  t->code[f->pos] = s;
  f->kind = FIX_NONE;
  t->last_dst_fix = UINT32_MAX;
  return true;
}

static ent *push(tr *t, uint8_t type) {
  if (t->nst >= t->capst) {
    uint32_t nc = t->capst ? t->capst * 2 : 32;
    ent *n = realloc(t->st, nc * sizeof(ent));
    if (!n) {
      t->oom = true;
      return NULL;
    }
    t->st = n;
    t->capst = nc;
  }
  ent *e = &t->st[t->nst++];
  e->kind = K_TEMP;
  e->type = type;
  e->size = vsize(type);
  e->home = t->cur;
  e->slot = 0;
  t->cur += e->size;
  if (t->cur > t->max) t->max = t->cur;
  return e;
}

static ent pop(tr *t) {
  ent e = t->st[--t->nst];
  t->cur = e.home;
  return e;
}

static void truncate_to(tr *t, uint32_t height) {
  if (t->nst > height) {
    t->cur = t->st[height].home;
    t->nst = height;
  }
}

static uint32_t home_at(tr *t, uint32_t height) {
  return height < t->nst ? t->st[height].home : t->cur;
}

static uint32_t add_const(tr *t, uint64_t lo, uint64_t hi, uint8_t size) {
  for (uint32_t i = 0; i + size <= t->nconst && i < 256; i++) {
    if (t->consts[i] == lo && (size == 1 || t->consts[i + 1] == hi)) return i;
  }
  while (t->nconst + size > t->capconst) {
    uint32_t nc = t->capconst ? t->capconst * 2 : 16;
    uint64_t *n = realloc(t->consts, nc * sizeof(uint64_t));
    if (!n) {
      t->oom = true;
      return 0;
    }
    t->consts = n;
    t->capconst = nc;
  }
  uint32_t k = t->nconst;
  t->consts[t->nconst++] = lo;
  if (size == 2) t->consts[t->nconst++] = hi;
  return k;
}

static void push_const(tr *t, uint8_t type, uint64_t lo, uint64_t hi) {
  uint32_t k = vsize(type) == 2 ? add_const(t, lo, hi, 2) : NO_SLOT;
  ent *e = push(t, type);
  if (!e) return;
  e->kind = K_CONST;
  e->slot = k;
  e->k = lo;
}

/* Copies e into its home slot (if it lives elsewhere) and makes it a temp. */
static void materialize(tr *t, ent *e) {
  if (e->kind == K_TEMP) return;
  ent src = *e;
  if (e->kind == K_CONST && e->size == 1) {
    op(t, CMP_OP_LOCAL_SET_IMM);
    temp_word(t, e->home);
    set_imm(t, e->k);
  } else {
    op_copy(t, e->size);
    temp_word(t, e->home);
    opnd(t, &src);
  }
  e->kind = K_TEMP;
}

/* Entries of the current block that alias local slot s become temps. */
static void preserve_local(tr *t, uint32_t from, uint32_t s) {
  for (uint32_t i = from; i < t->nst; i++) {
    if (t->st[i].kind == K_LOCAL && t->st[i].slot == s) materialize(t, &t->st[i]);
  }
}

static lab *top_lab(tr *t) {
  return &t->labs[t->nlab - 1];
}

/* Copies the top n entries to the slots a label expects (temp homes from base). */
static void copy_to_label(tr *t, uint32_t base, uint32_t n) {
  uint32_t first = t->nst - n, slot = base;
  for (uint32_t i = 0; i < n; i++) {
    const ent *e = &t->st[first + i];
    if (e->kind == K_CONST && e->size == 1) {
      op(t, CMP_OP_LOCAL_SET_IMM);
      temp_word(t, slot);
      set_imm(t, e->k);
    } else if (!(e->kind == K_TEMP && e->home == slot)) {
      op_copy(t, e->size);
      temp_word(t, slot);
      opnd(t, e);
    }
    slot += e->size;
  }
}

static bool label_needs_copy(tr *t, uint32_t base, uint32_t n) {
  uint32_t first = t->nst - n, slot = base;
  for (uint32_t i = 0; i < n; i++) {
    const ent *e = &t->st[first + i];
    if (!(e->kind == K_TEMP && e->home == slot)) return true;
    slot += e->size;
  }
  return false;
}

/* Results to slots 0.. then RETURN; a parallel move when sources overlap. */
static void emit_return(tr *t) {
  uint32_t n = t->ft->n_results, first = t->nst - n;
  uint32_t moves = 0, slot = 0, nrs = t->n_result_slots;
  bool overlap = false;
  /* A single result computed just now is written straight to slot 0 (small
  ** functions then return without a COPY); nothing runs after RETURN. */
  if (n == 1 && t->st[first].size == 1 && retarget_last(t, &t->st[first], 0)) {
    t->st[first].kind = K_LOCAL;
    t->st[first].slot = 0;
  }
  for (uint32_t i = 0; i < n; i++) {
    const ent *e = &t->st[first + i];
    if (!(e->kind == K_LOCAL && e->slot == slot)) {
      moves++;
      /* Temps and consts sit above params+locals; a source below nrs may be
      ** overwritten by an earlier copy. */
      if (e->kind == K_LOCAL ? e->slot < nrs : nrs > t->n_param_slots + t->n_local_slots)
        overlap = true;
    }
    slot += e->size;
  }
  if (overlap && moves > 1) {
    op(t, CMP_OP_MOVES);
    w(t, nrs);
    add_fix(t, t->len, FIX_SCRATCH);
    w(t, 0);
    slot = 0;
    for (uint32_t i = 0; i < n; i++) {
      const ent *e = &t->st[first + i];
      for (uint32_t h = 0; h < e->size; h++) {
        w(t, slot + h);
        if (e->kind == K_LOCAL) {
          w(t, e->slot + h);
        } else {
          add_fix(t, t->len, e->kind == K_TEMP ? FIX_TEMP : FIX_CONST);
          w(t, (e->kind == K_TEMP ? e->home : const_slot(t, e)) + h);
        }
      }
      slot += e->size;
    }
    if (t->scratch < nrs) t->scratch = nrs;
  } else {
    slot = 0;
    for (uint32_t i = 0; i < n; i++) {
      const ent *e = &t->st[first + i];
      if (e->kind == K_CONST && e->size == 1) {
        op(t, CMP_OP_LOCAL_SET_IMM);
        w(t, slot);
        set_imm(t, e->k);
      } else if (!(e->kind == K_LOCAL && e->slot == slot)) {
        op_copy(t, e->size);
        w(t, slot);
        opnd(t, e);
      }
      slot += e->size;
    }
  }
  op(t, CMP_OP_RETURN);
}

static void add_brfix(tr *t, lab *l, uint32_t word, uint32_t instr) {
  GROW(t->bf, t->nbf, t->capbf);
  t->bf[t->nbf].word = word;
  t->bf[t->nbf].instr = instr;
  t->bf[t->nbf].next = l->fixes;
  l->fixes = (int32_t)t->nbf++;
}

/* Writes a branch offset word for instruction `instr` to label l. */
static void target_word(tr *t, uint32_t li, uint32_t instr) {
  lab *l = &t->labs[li];
  if (l->op == WASM_OP_LOOP) {
    w(t, (uint32_t)(int32_t)(l->loop_pos - instr));
  } else {
    add_brfix(t, &t->labs[li], t->len, instr);
    w(t, 0);
  }
}

static uint32_t label_of(const wasm_ctrl *c) {
  return (uint32_t)c->user;
}

static uint32_t label_arity(tr *t, uint32_t li, const wasm_ctrl *c) {
  (void)t;
  (void)li;
  return wasm_ctrl_label_arity(c);
}

/* An unconditional branch to label li (copies included); function label = return. */
static void emit_br(tr *t, uint32_t li, const wasm_ctrl *c) {
  if (li == 0) {
    emit_return(t);
    return;
  }
  uint32_t n = label_arity(t, li, c);
  copy_to_label(t, t->labs[li].base, n);
  uint32_t at = t->len;
  op(t, CMP_OP_BR);
  target_word(t, li, at);
}

/* The load + branch op if cond is the value of the load just emitted: in
** its temp, or in the local a local.tee retargeted it to (a retargeted dst
** has no fix-up left, so its word is that local's slot). NO_OP otherwise. */
static uint32_t load_branch(tr *t, const ent *cond, bool branch_if_true) {
  static const struct {
    uint32_t load, br_if, br_unless;
  } k_ldbr[] = {
#define X(n, ty) {CMP_OP_##n, CMP_OP_##n##_BR_IF, CMP_OP_##n##_BR_UNLESS},
      CMP_LOADBRS(X)
#undef X
  };
  for (size_t i = 0; i < sizeof k_ldbr / sizeof k_ldbr[0]; i++) {
    if (t->last_op != k_ldbr[i].load) continue;
    if (produced_by_last(t, cond, t->last_op) ||
        (cond->kind == K_LOCAL && t->last_dst_fix == UINT32_MAX &&
         t->code[t->last_pos + 1] == cond->slot))
      return branch_if_true ? k_ldbr[i].br_if : k_ldbr[i].br_unless;
  }
  return NO_OP;
}

/* The fused branch for a just-emitted compare / eqz producing `cond`, or NO_OP.
** The fused op takes the compare's operand words (after its dst) unchanged. */
static uint32_t fused_branch(tr *t, const ent *cond, bool branch_if_true) {
  if (cond->kind != K_TEMP || t->last_op == NO_OP || t->last_dst_fix == UINT32_MAX) return NO_OP;
  if (t->last_dst_home != cond->home) return NO_OP;
  uint32_t lo = t->last_op;
  if (lo == CMP_OP_I32_EQZ) return branch_if_true ? CMP_OP_BR_IF_EQZ : CMP_OP_BR_IF;
  if (lo == CMP_OP_I64_EQZ) return branch_if_true ? CMP_OP_BR_IF_EQZ64 : CMP_OP_BR_IF_NEZ64;
  static const struct {
    uint32_t cmp, br_if, br_unless;
  } k_fuse[] = {
#define X(n, k, o)                                                                                 \
  {CMP_OP_##n, CMP_OP_BR_IF_##n, CMP_OP_BR_UNLESS_##n},                                            \
      {CMP_OP_##n##_I, CMP_OP_BR_IF_##n##_I, CMP_OP_BR_UNLESS_##n##_I},
      CMP_BRCMPS(X)
#undef X
  };
  for (size_t i = 0; i < sizeof k_fuse / sizeof k_fuse[0]; i++) {
    if (k_fuse[i].cmp == lo) return branch_if_true ? k_fuse[i].br_if : k_fuse[i].br_unless;
  }
  return NO_OP;
}

/* Emits "branch if cond (or unless)" to be patched; returns the offset word. */
static uint32_t emit_cond_branch(tr *t, const ent *cond, bool if_true, uint32_t *o_instr) {
  uint32_t lop = load_branch(t, cond, if_true);
  if (lop != NO_OP) {
    /* The load keeps its words (dst included); the offset word follows. */
    t->code[t->last_pos] = lop;
    *o_instr = t->last_pos;
    t->last_op = NO_OP;
    w(t, 0);
    return t->len - 1;
  }
  uint32_t fop = fused_branch(t, cond, if_true);
  if (fop != NO_OP) {
    /* Replace the compare by the fused branch: drop its opcode and dst words
    ** (and the dst's fix-up), shift its operands (and their fix-ups) down. */
    uint32_t at = t->last_pos, n = t->len - (at + 2);
    uint32_t nf = t->nfx, wf = nf;
    while (wf > 0 && t->fx[wf - 1].pos >= at) wf--;
    uint32_t keep = wf;
    for (uint32_t i = wf; i < nf; i++) {
      if (t->fx[i].pos < at + 2) continue;
      t->fx[keep] = t->fx[i];
      t->fx[keep].pos -= 1;
      keep++;
    }
    t->nfx = keep;
    t->code[at] = fop;
    memmove(&t->code[at + 1], &t->code[at + 2], n * sizeof(uint32_t));
    t->len = at + 1 + n;
    *o_instr = at;
    t->last_op = NO_OP;
    w(t, 0);
    return t->len - 1;
  }
  uint32_t at = t->len;
  op(t, if_true ? CMP_OP_BR_IF : CMP_OP_BR_UNLESS);
  opnd(t, cond);
  *o_instr = at;
  t->last_op = NO_OP;
  w(t, 0);
  return t->len - 1;
}

static void patch(tr *t, uint32_t word, uint32_t instr, uint32_t target) {
  t->code[word] = (uint32_t)(int32_t)(target - instr);
}

/* Makes every entry of the current block that aliases a local a temp, and
** puts the top n (the new block's params) in their homes. */
static void enter_block(tr *t, uint32_t n_params) {
  uint32_t from = top_lab(t)->height;
  if (from > t->nst) from = t->nst;
  for (uint32_t i = from; i < t->nst; i++) {
    if (t->st[i].kind == K_LOCAL || (i >= t->nst - n_params && t->st[i].kind == K_CONST))
      materialize(t, &t->st[i]);
  }
}

static bool push_lab(tr *t, uint16_t o, uint32_t height, bool dead) {
  if (t->nlab >= t->caplab) {
    uint32_t nc = t->caplab ? t->caplab * 2 : 16;
    lab *n = realloc(t->labs, nc * sizeof(lab));
    if (!n) return false;
    t->labs = n;
    t->caplab = nc;
  }
  lab *l = &t->labs[t->nlab++];
  memset(l, 0, sizeof *l);
  l->op = o;
  l->dead = dead;
  l->height = height;
  l->base = home_at(t, height);
  l->fixes = -1;
  return true;
}

static const struct {
  uint16_t op;
  uint8_t shape;
} k_map[0x200] = {
#define X_UN(n, wo, i, o, e) [wo] = {CMP_OP_##n, SH_UN},
#define X_BIN(n, wo, i, o, e) [wo] = {CMP_OP_##n, SH_BIN},
#define X_TRAP(n, wo, k) [wo] = {CMP_OP_##n, (k) == 1 ? SH_TRAP1 : SH_TRAP2},
#define X_LD(n, wo, ty, o) [wo] = {CMP_OP_##n, SH_LOAD},
#define X_ST(n, wo, ty) [wo] = {CMP_OP_##n, SH_STORE},
#define X_RE(wo) [wo] = {0, SH_RETYPE},
    CMP_UNOPS(X_UN) CMP_BINOPS(X_BIN) CMP_TRAPOPS(X_TRAP) CMP_LOADS(X_LD) CMP_STORES(X_ST)
        CMP_REINTERPRETS(X_RE)
#undef X_UN
#undef X_BIN
#undef X_TRAP
#undef X_LD
#undef X_ST
#undef X_RE
};

/* Emits op dst, operands... for the top `n` entries; pushes the result. */
static void emit_simple(tr *t, uint32_t o, uint32_t n, uint8_t rtype) {
  ent a[3];
  for (uint32_t i = n; i-- > 0;) a[i] = pop(t);
  op(t, o);
  if (rtype) {
    ent *r = push(t, rtype);
    if (!r) return;
    dst_word(t, r->home);
  }
  for (uint32_t i = 0; i < n; i++) opnd(t, &a[i]);
}

static uint64_t const_val(const ent *e) {
  return e->k;
}

static bool is_const(const ent *e) {
  return e->kind == K_CONST && e->size == 1;
}

/* Integer ops whose operands may be swapped (floats are left alone: the NaN
** an operation returns may depend on operand order). */
static bool commutes(uint16_t o) {
  switch (o) {
  case WASM_OP_I32_ADD:
  case WASM_OP_I32_MUL:
  case WASM_OP_I32_AND:
  case WASM_OP_I32_OR:
  case WASM_OP_I32_XOR:
  case WASM_OP_I32_EQ:
  case WASM_OP_I32_NE:
  case WASM_OP_I64_ADD:
  case WASM_OP_I64_MUL:
  case WASM_OP_I64_AND:
  case WASM_OP_I64_OR:
  case WASM_OP_I64_XOR:
  case WASM_OP_I64_EQ:
  case WASM_OP_I64_NE: return true;
  default: return false;
  }
}

/* `i32.eqz` right after an integer compare that produced its operand: flip
** the compare instead (floats are not negatable: NaN). */
static bool negate_compare(tr *t) {
  static const uint32_t k_neg[][2] = {
      {CMP_OP_I32_EQ, CMP_OP_I32_NE},     {CMP_OP_I32_LT_S, CMP_OP_I32_GE_S},
      {CMP_OP_I32_LT_U, CMP_OP_I32_GE_U}, {CMP_OP_I32_GT_S, CMP_OP_I32_LE_S},
      {CMP_OP_I32_GT_U, CMP_OP_I32_LE_U}, {CMP_OP_I64_EQ, CMP_OP_I64_NE},
      {CMP_OP_I64_LT_S, CMP_OP_I64_GE_S}, {CMP_OP_I64_LT_U, CMP_OP_I64_GE_U},
      {CMP_OP_I64_GT_S, CMP_OP_I64_LE_S}, {CMP_OP_I64_GT_U, CMP_OP_I64_LE_U},
  };
  const ent *e = &t->st[t->nst - 1];
  if (e->kind != K_TEMP || t->last_op == NO_OP || t->last_dst_fix == UINT32_MAX ||
      t->last_dst_home != e->home)
    return false;
  for (size_t i = 0; i < sizeof k_neg / sizeof k_neg[0]; i++) {
    for (int d = 0; d < 2; d++) {
      /* Each compare's _I form is the op right after it. */
      for (uint32_t imm = 0; imm < 2; imm++) {
        if (t->last_op == k_neg[i][d] + imm) {
          t->last_op = k_neg[i][!d] + imm;
          t->code[t->last_pos] = t->last_op;
          return true;
        }
      }
    }
  }
  return false;
}

static void emit_call_args(tr *t, uint32_t n) {
  for (uint32_t i = t->nst - n; i < t->nst; i++) materialize(t, &t->st[i]);
}

static void push_results(tr *t, const wasm_functype *ft) {
  for (uint32_t i = 0; i < ft->n_results; i++) push(t, ft->results[i]);
}

static bool translate_instr(tr *t, const wasm_instr *in, rusm_error *err) {
  uint16_t o = in->op;
  lab *cl = top_lab(t);
  bool dead = cl->dead || in->unreachable;

  switch (o) {
  case WASM_OP_BLOCK:
  case WASM_OP_LOOP:
  case WASM_OP_IF: {
    const wasm_blocktype *bt = &in->imm.block;
    uint32_t li = t->nlab;
    if (dead) {
      /* The frame exists for label numbering only. */
      if (!push_lab(t, o, in->height, true)) return false;
      wasm_fv_ctrl(t->fv, 0)->user = li;
      return true;
    }
    ent cond = {0};
    if (o == WASM_OP_IF) cond = pop(t);
    enter_block(t, bt->n_params);
    uint32_t height = t->nst - bt->n_params;
    if (o == WASM_OP_IF) {
      uint32_t instr;
      uint32_t word = emit_cond_branch(t, &cond, false, &instr);
      if (!push_lab(t, o, height, false)) return false;
      top_lab(t)->else_word = word;
      top_lab(t)->else_instr = instr;
      top_lab(t)->has_else_fix = true;
    } else {
      if (!push_lab(t, o, height, false)) return false;
      /* No header op: back-edges (backward branches) charge the budget. */
      if (o == WASM_OP_LOOP) top_lab(t)->loop_pos = t->len;
    }
    t->last_op = NO_OP;
    wasm_fv_ctrl(t->fv, 0)->user = li;
    return true;
  }
  case WASM_OP_ELSE: {
    const wasm_ctrl *c = in->ctrl;
    if (cl->dead) return true;
    if (!c->unreachable && !in->unreachable) {
      copy_to_label(t, cl->base, c->type.n_results);
      uint32_t at = t->len;
      op(t, CMP_OP_BR);
      add_brfix(t, cl, t->len, at);
      w(t, 0);
    }
    if (cl->has_else_fix) patch(t, cl->else_word, cl->else_instr, t->len);
    cl->has_else_fix = false;
    truncate_to(t, cl->height);
    for (uint32_t i = 0; i < c->type.n_params; i++) push(t, c->type.params[i]);
    t->last_op = NO_OP;
    return true;
  }
  case WASM_OP_END: {
    const wasm_ctrl *c = in->ctrl;
    lab l = *cl;
    if (t->nlab == 1) {
      /* The function's end: an implicit return. */
      if (!c->unreachable) emit_return(t);
      t->nlab--;
      return true;
    }
    t->nlab--;
    if (l.dead) return true;
    if (!c->unreachable) copy_to_label(t, l.base, c->type.n_results);
    uint32_t here = t->len;
    for (int32_t f = l.fixes; f >= 0; f = t->bf[f].next)
      patch(t, t->bf[f].word, t->bf[f].instr, here);
    if (l.has_else_fix) patch(t, l.else_word, l.else_instr, here);
    truncate_to(t, l.height);
    for (uint32_t i = 0; i < c->type.n_results; i++) push(t, c->type.results[i]);
    t->last_op = NO_OP;
    return true;
  }
  default: break;
  }
  if (dead) return true;

  const wasm_module *wm = t->wm;
  switch (o) {
  case WASM_OP_UNREACHABLE: op(t, CMP_OP_UNREACHABLE); return true;
  case WASM_OP_NOP: return true;
  case WASM_OP_BR: emit_br(t, label_of(in->ctrl), in->ctrl); return true;
  case WASM_OP_BR_IF: {
    ent cond = pop(t);
    uint32_t li = label_of(in->ctrl);
    uint32_t n = wasm_ctrl_label_arity(in->ctrl);
    if (li != 0 && !label_needs_copy(t, t->labs[li].base, n)) {
      uint32_t instr;
      uint32_t word = emit_cond_branch(t, &cond, true, &instr);
      lab *l = &t->labs[li];
      if (l->op == WASM_OP_LOOP) {
        patch(t, word, instr, l->loop_pos);
      } else {
        add_brfix(t, l, word, instr);
      }
    } else {
      uint32_t instr;
      uint32_t word = emit_cond_branch(t, &cond, false, &instr);
      emit_br(t, li, in->ctrl);
      patch(t, word, instr, t->len);
    }
    t->last_op = NO_OP;
    return true;
  }
  case WASM_OP_BR_TABLE: {
    ent idx = pop(t);
    uint32_t n = in->imm.br_table.n;
    uint32_t *targets = malloc((n + 1) * sizeof(uint32_t));
    if (!targets) return false;
    memcpy(targets, in->imm.br_table.targets, (n + 1) * sizeof(uint32_t));
    uint32_t at = t->len;
    op(t, CMP_OP_BR_TABLE);
    opnd(t, &idx);
    w(t, n);
    uint32_t words = t->len;
    for (uint32_t i = 0; i <= n; i++) w(t, 0);
    for (uint32_t i = 0; i <= n; i++) {
      const wasm_ctrl *c = wasm_fv_ctrl(t->fv, targets[i]);
      uint32_t li = label_of(c);
      uint32_t ar = wasm_ctrl_label_arity(c);
      if (li != 0 && !label_needs_copy(t, t->labs[li].base, ar)) {
        if (t->labs[li].op == WASM_OP_LOOP) {
          patch(t, words + i, at, t->labs[li].loop_pos);
        } else {
          add_brfix(t, &t->labs[li], words + i, at);
        }
      } else {
        patch(t, words + i, at, t->len);
        emit_br(t, li, c);
      }
    }
    free(targets);
    t->last_op = NO_OP;
    return true;
  }
  case WASM_OP_RETURN: emit_return(t); return true;
  case WASM_OP_CALL: {
    uint32_t fi = in->imm.index;
    const wasm_functype *ft = wasm_module_func_type(wm, fi);
    emit_call_args(t, ft->n_params);
    uint32_t base = home_at(t, t->nst - ft->n_params);
    for (uint32_t i = 0; i < ft->n_params; i++) pop(t);
    if (fi < wm->n_imported_funcs) {
      op(t, CMP_OP_CALL_IMPORT);
      w(t, fi);
    } else {
      op(t, CMP_OP_CALL);
      w(t, fi - wm->n_imported_funcs);
    }
    temp_word(t, base);
    push_results(t, ft);
    /* The callee's frame starts at base and may reach beyond our temps. */
    return true;
  }
  case WASM_OP_CALL_INDIRECT: {
    const wasm_functype *ft = &wm->types[in->imm.pair.a];
    ent idx = pop(t);
    emit_call_args(t, ft->n_params);
    uint32_t base = home_at(t, t->nst - ft->n_params);
    for (uint32_t i = 0; i < ft->n_params; i++) pop(t);
    op(t, CMP_OP_CALL_INDIRECT);
    w(t, in->imm.pair.a);
    w(t, in->imm.pair.b);
    temp_word(t, base);
    opnd(t, &idx);
    push_results(t, ft);
    return true;
  }
  case WASM_OP_DROP: pop(t); return true;
  case WASM_OP_SELECT:
  case WASM_OP_SELECT_T: {
    ent c = pop(t), b = pop(t), a = pop(t);
    op(t, a.size == 2 ? CMP_OP_SELECT2 : CMP_OP_SELECT);
    ent *r = push(t, a.type);
    if (!r) return false;
    dst_word(t, r->home);
    opnd(t, &c);
    opnd(t, &a);
    opnd(t, &b);
    return true;
  }
  case WASM_OP_LOCAL_GET: {
    uint32_t s = t->local_slot[in->imm.index];
    ent *e = push(t, in->type);
    if (!e) return false;
    e->kind = K_LOCAL;
    e->slot = s;
    return true;
  }
  case WASM_OP_LOCAL_SET:
  case WASM_OP_LOCAL_TEE: {
    uint32_t s = t->local_slot[in->imm.index];
    ent v = pop(t);
    if (!(v.kind == K_LOCAL && v.slot == s)) {
      uint32_t before = t->len;
      preserve_local(t, cl->height, s);
      bool preserved = t->len != before;
      if (!preserved && retarget_last(t, &v, s)) {
        /* The producer writes the local directly. */
      } else if (v.kind == K_CONST && v.size == 1) {
        uint64_t k = const_val(&v);
        op(t, CMP_OP_LOCAL_SET_IMM);
        w(t, s);
        w(t, (uint32_t)k);
        w(t, (uint32_t)(k >> 32));
      } else {
        op_copy(t, v.size);
        w(t, s);
        opnd(t, &v);
      }
    }
    if (o == WASM_OP_LOCAL_TEE) {
      ent *e = push(t, v.type);
      if (!e) return false;
      e->kind = K_LOCAL;
      e->slot = s;
    }
    return true;
  }
  case WASM_OP_GLOBAL_GET: {
    bool wide = in->type == RUSM_V128;
    op(t, wide ? CMP_OP_GLOBAL_GET2 : CMP_OP_GLOBAL_GET);
    ent *r = push(t, in->type);
    if (!r) return false;
    dst_word(t, r->home);
    w(t, in->imm.index);
    return true;
  }
  case WASM_OP_GLOBAL_SET: {
    ent v = pop(t);
    op(t, v.size == 2 ? CMP_OP_GLOBAL_SET2 : CMP_OP_GLOBAL_SET);
    w(t, in->imm.index);
    opnd(t, &v);
    return true;
  }
  case WASM_OP_TABLE_GET: {
    ent i = pop(t);
    op(t, CMP_OP_TABLE_GET);
    ent *r = push(t, in->type);
    if (!r) return false;
    dst_word(t, r->home);
    w(t, in->imm.index);
    opnd(t, &i);
    return true;
  }
  case WASM_OP_TABLE_SET: {
    ent v = pop(t), i = pop(t);
    op(t, CMP_OP_TABLE_SET);
    w(t, in->imm.index);
    opnd(t, &i);
    opnd(t, &v);
    return true;
  }
  case WASM_OP_MEMORY_SIZE: emit_simple(t, CMP_OP_MEMORY_SIZE, 0, RUSM_I32); return true;
  case WASM_OP_MEMORY_GROW: emit_simple(t, CMP_OP_MEMORY_GROW, 1, RUSM_I32); return true;
  case WASM_OP_I32_CONST: push_const(t, RUSM_I32, (uint32_t)in->imm.i32, 0); return true;
  case WASM_OP_I64_CONST: push_const(t, RUSM_I64, (uint64_t)in->imm.i64, 0); return true;
  case WASM_OP_F32_CONST: push_const(t, RUSM_F32, in->imm.f32_bits, 0); return true;
  case WASM_OP_F64_CONST: push_const(t, RUSM_F64, in->imm.f64_bits, 0); return true;
  case WASM_OP_REF_NULL: push_const(t, in->type, 0, 0); return true;
  case WASM_OP_REF_IS_NULL: emit_simple(t, CMP_OP_REF_IS_NULL, 1, RUSM_I32); return true;
  case WASM_OP_REF_FUNC: {
    op(t, CMP_OP_REF_FUNC);
    ent *r = push(t, RUSM_FUNCREF);
    if (!r) return false;
    dst_word(t, r->home);
    w(t, in->imm.index);
    return true;
  }
  case WASM_OP_MEMORY_INIT: {
    ent n = pop(t), s = pop(t), d = pop(t);
    op(t, CMP_OP_MEMORY_INIT);
    w(t, in->imm.pair.a);
    opnd(t, &d);
    opnd(t, &s);
    opnd(t, &n);
    return true;
  }
  case WASM_OP_DATA_DROP:
    op(t, CMP_OP_DATA_DROP);
    w(t, in->imm.index);
    return true;
  case WASM_OP_MEMORY_COPY: emit_simple(t, CMP_OP_MEMORY_COPY, 3, 0); return true;
  case WASM_OP_MEMORY_FILL: emit_simple(t, CMP_OP_MEMORY_FILL, 3, 0); return true;
  case WASM_OP_TABLE_INIT: {
    ent n = pop(t), s = pop(t), d = pop(t);
    op(t, CMP_OP_TABLE_INIT);
    w(t, in->imm.pair.b);
    w(t, in->imm.pair.a);
    opnd(t, &d);
    opnd(t, &s);
    opnd(t, &n);
    return true;
  }
  case WASM_OP_ELEM_DROP:
    op(t, CMP_OP_ELEM_DROP);
    w(t, in->imm.index);
    return true;
  case WASM_OP_TABLE_COPY: {
    ent n = pop(t), s = pop(t), d = pop(t);
    op(t, CMP_OP_TABLE_COPY);
    w(t, in->imm.pair.a);
    w(t, in->imm.pair.b);
    opnd(t, &d);
    opnd(t, &s);
    opnd(t, &n);
    return true;
  }
  case WASM_OP_TABLE_GROW: {
    ent n = pop(t), v = pop(t);
    op(t, CMP_OP_TABLE_GROW);
    ent *r = push(t, RUSM_I32);
    if (!r) return false;
    dst_word(t, r->home);
    w(t, in->imm.index);
    opnd(t, &v);
    opnd(t, &n);
    return true;
  }
  case WASM_OP_TABLE_SIZE: {
    op(t, CMP_OP_TABLE_SIZE);
    ent *r = push(t, RUSM_I32);
    if (!r) return false;
    dst_word(t, r->home);
    w(t, in->imm.index);
    return true;
  }
  case WASM_OP_TABLE_FILL: {
    ent n = pop(t), v = pop(t), i = pop(t);
    op(t, CMP_OP_TABLE_FILL);
    w(t, in->imm.index);
    opnd(t, &i);
    opnd(t, &v);
    opnd(t, &n);
    return true;
  }
  default: break;
  }

  const wasm_opinfo *info = wasm_op_info(o);
  if (o >= 0x200) {
    if (o == WASM_OP_V128_CONST) {
      uint64_t lo, hi;
      memcpy(&lo, in->imm.bytes, 8);
      memcpy(&hi, in->imm.bytes + 8, 8);
      push_const(t, RUSM_V128, lo, hi);
      return true;
    }
    ent a[3];
    uint32_t n = info->n_pop;
    for (uint32_t i = n; i-- > 0;) a[i] = pop(t);
    uint32_t mask = 0;
    if (o == WASM_OP_I8X16_SHUFFLE) {
      uint64_t lo, hi;
      memcpy(&lo, in->imm.bytes, 8);
      memcpy(&hi, in->imm.bytes + 8, 8);
      mask = add_const(t, lo, hi, 2);
    }
    op(t, CMP_OP_SIMD);
    w(t, o - 0x200);
    if (info->push) {
      ent *r = push(t, info->push);
      if (!r) return false;
      dst_word(t, r->home);
    } else {
      w(t, 0);
    }
    for (uint32_t i = 0; i < 3; i++) {
      if (i < n) {
        opnd(t, &a[i]);
      } else if (o == WASM_OP_I8X16_SHUFFLE && i == 2) {
        add_fix(t, t->len, FIX_CONST);
        w(t, mask);
      } else {
        w(t, 0);
      }
    }
    w(t, info->imm == WASM_IMM_LANE          ? in->imm.lane
         : info->imm == WASM_IMM_MEMARG_LANE ? in->imm.mem.lane
                                             : 0);
    w(t,
      info->imm == WASM_IMM_MEMARG || info->imm == WASM_IMM_MEMARG_LANE ? in->imm.mem.offset : 0);
    return true;
  }
  switch (k_map[o].shape) {
  case SH_RETYPE: {
    ent *e = &t->st[t->nst - 1];
    e->type = info->push;
    return true;
  }
  case SH_UN:
    if (o == WASM_OP_I32_EQZ && negate_compare(t)) return true;
    emit_simple(t, k_map[o].op, 1, info->push);
    return true;
  case SH_TRAP1: emit_simple(t, k_map[o].op, 1, info->push); return true;
  case SH_BIN:
    if (is_const(&t->st[t->nst - 1]) || (commutes(o) && is_const(&t->st[t->nst - 2]))) {
      /* The _I form (always the op after its slot form): b is an immediate. */
      ent b = pop(t), a = pop(t);
      if (!is_const(&b)) {
        ent c = a;
        a = b;
        b = c;
      }
      uint32_t fop = k_map[o].op + 1u;
      if (fop == CMP_OP_I32_SUB_I) {
        /* x - k is x + -k: one form for the fusions below and the _A loads. */
        fop = CMP_OP_I32_ADD_I;
        b.k = (uint32_t)(0u - (uint32_t)b.k);
      }
      if (fop == CMP_OP_I32_ADD_I && produced_by_last(t, &a, CMP_OP_I32_ADD_I)) {
        /* (x + k1) + k2 is x + (k1 + k2) in 32-bit wrapping arithmetic. */
        t->code[t->last_pos + 3] += (uint32_t)b.k;
        push(t, RUSM_I32);
        return true;
      }
      if (fop == CMP_OP_I32_AND_I && produced_by_last(t, &a, CMP_OP_I32_SHR_U_I)) {
        /* A bit-field extract: (x >> s) & m. */
        t->code[t->last_pos] = t->last_op = CMP_OP_I32_SHR_U_AND_I;
        w(t, (uint32_t)b.k);
        push(t, RUSM_I32);
        return true;
      }
      op(t, fop);
      ent *r = push(t, info->push);
      if (!r) return false;
      dst_word(t, r->home);
      opnd(t, &a);
      imm_words(t, &b);
      return true;
    }
    if (o == WASM_OP_I32_ADD && (produced_by_last(t, &t->st[t->nst - 1], CMP_OP_I32_MUL) ||
                                 produced_by_last(t, &t->st[t->nst - 2], CMP_OP_I32_MUL))) {
      /* A multiply-add: the product's operands stay, the addend joins them. */
      ent b = pop(t), a = pop(t);
      const ent *c = produced_by_last(t, &a, CMP_OP_I32_MUL) ? &b : &a;
      t->code[t->last_pos] = t->last_op = CMP_OP_I32_MUL_ADD;
      opnd(t, c);
      ent *r = push(t, RUSM_I32);
      if (!r) return false;
      /* The sum sits at the lower entry's height, maybe below the product's. */
      t->code[t->last_pos + 1] = t->last_dst_home = r->home;
      return true;
    }
    emit_simple(t, k_map[o].op, 2, info->push);
    return true;
  case SH_TRAP2: emit_simple(t, k_map[o].op, 2, info->push); return true;
  case SH_LOAD: {
    if (produced_by_last(t, &t->st[t->nst - 1], CMP_OP_I32_ADD_I)) {
      /* The address is a just-computed a + k: turn that add into the _A load
      ** (same dst slot: the load's result takes the address's stack height). */
      pop(t);
      if (!push(t, info->push)) return false;
      t->code[t->last_pos] = k_map[o].op + 1u;
      t->last_op = k_map[o].op + 1u;
      w(t, in->imm.mem.offset);
      return true;
    }
    ent a = pop(t);
    op(t, k_map[o].op);
    ent *r = push(t, info->push);
    if (!r) return false;
    dst_word(t, r->home);
    opnd(t, &a);
    w(t, in->imm.mem.offset);
    return true;
  }
  case SH_STORE: {
    ent v = pop(t), a = pop(t);
    op(t, k_map[o].op);
    opnd(t, &a);
    opnd(t, &v);
    w(t, in->imm.mem.offset);
    return true;
  }
  default: break;
  }
  return wasm_error(err, "code", in->offset, "instruction %s not supported by the translator",
                    wasm_op_name(o));
}

static void tr_reset(tr *t) {
  t->len = t->nfx = t->nbf = t->nst = t->nlab = t->nconst = 0;
  t->cur = t->max = 0;
  t->scratch = 0;
  t->last_op = NO_OP;
  t->last_dst_fix = UINT32_MAX;
  t->oom = false;
}

/* CMP_PAIRS as (first, second) opcodes, indexed from CMP_OP_PAIR_FIRST_. */
static const uint16_t pair_ops[][2] = {
#define X_PAIR(a, b) {CMP_OP_##a, CMP_OP_##b},
    CMP_PAIRS(X_PAIR)
#undef X_PAIR
};

uint32_t cmp_op_words(const uint32_t *pc) {
  static const uint8_t fixed[CMP_OP_COUNT_] = {
#define X_UN(n, w, i, o, e) [CMP_OP_##n] = 3,
#define X_BIN(n, w, i, o, e) [CMP_OP_##n] = 4, [CMP_OP_##n##_I] = 3 + CMP_IMMW_##i,
#define X_TRAP(n, w, k) [CMP_OP_##n] = 2 + k,
#define X_LD(n, w, t, o) [CMP_OP_##n] = 4, [CMP_OP_##n##_A] = 5,
#define X_ST(n, w, t) [CMP_OP_##n] = 4,
#define X_BRC(n, k, op)                                                                            \
  [CMP_OP_BR_IF_##n] = 4, [CMP_OP_BR_UNLESS_##n] = 4, [CMP_OP_BR_IF_##n##_I] = 3 + CMP_IMMW_##k,   \
  [CMP_OP_BR_UNLESS_##n##_I] = 3 + CMP_IMMW_##k,
#define X_MISC(n, k) [CMP_OP_##n] = (k) < 0 ? 0 : 1 + (k),
#define X_LDBR(n, t) [CMP_OP_##n##_BR_IF] = 5, [CMP_OP_##n##_BR_UNLESS] = 5,
      CMP_UNOPS(X_UN) CMP_BINOPS(X_BIN) CMP_TRAPOPS(X_TRAP) CMP_LOADS(X_LD) CMP_STORES(X_ST)
          CMP_BRCMPS(X_BRC) CMP_MISC(X_MISC) CMP_LOADBRS(X_LDBR)
#undef X_UN
#undef X_BIN
#undef X_TRAP
#undef X_LD
#undef X_ST
#undef X_BRC
#undef X_MISC
#undef X_LDBR
  };
  switch (pc[0]) {
  case CMP_OP_MOVES: return 3 + 2 * pc[1]; /* n scratch (dst src)*n */
  case CMP_OP_BR_TABLE: return 4 + pc[2];  /* idx n off*(n+1) */
  default:
    /* A pair's words are its first instruction's; the second follows. */
    if (pc[0] >= CMP_OP_PAIR_FIRST_) return fixed[pair_ops[pc[0] - CMP_OP_PAIR_FIRST_][0]];
    return fixed[pc[0]];
  }
}

/* The superinstruction for A followed by B, or CMP_OP_COUNT_ if none. */
static cmp_op pair_of(uint32_t a, uint32_t b) {
  for (uint32_t k = 0; k < CMP_OP_COUNT_ - CMP_OP_PAIR_FIRST_; k++)
    if (pair_ops[k][0] == a && pair_ops[k][1] == b) return (cmp_op)(CMP_OP_PAIR_FIRST_ + k);
  return CMP_OP_COUNT_;
}

/* The last step: adjacent pairs of CMP_PAIRS become superinstructions, and
** opcode words become handler offsets (interp_op_offset).
** False if the walk does not end exactly at len (a translator bug). */
static bool thread_code(uint32_t *code, uint32_t len) {
  uint32_t i = 0;
  bool pairs = interp_pairs();
  while (i < len) {
    uint32_t n = cmp_op_words(code + i);
    if (n == 0) return false;
    cmp_op o = (cmp_op)code[i];
    if (pairs && i + n < len) { /* code[i + n] is still an opcode: the walk is in order */
      cmp_op p = pair_of(o, code[i + n]);
      if (p != CMP_OP_COUNT_) o = p;
    }
    code[i] = interp_op_offset(o);
    i += n;
  }
  return i == len;
}

static bool translate_func(tr *t, uint32_t fi, cmp_func *out, rusm_error *err) {
  const wasm_module *wm = t->wm;
  const wasm_func *f = &wm->funcs[fi];
  const wasm_functype *ft = &wm->types[f->type_index];
  tr_reset(t);
  t->ft = ft;
  uint32_t nl = ft->n_params + f->n_locals;
  free(t->local_slot);
  t->local_slot = malloc((nl ? nl : 1) * sizeof(uint32_t));
  if (!t->local_slot) return wasm_error(err, "code", f->body_offset, "out of memory");
  uint32_t s = 0;
  for (uint32_t i = 0; i < nl; i++) {
    t->local_slot[i] = s;
    s += vsize(f->locals[i]);
    if (i + 1 == ft->n_params) t->n_param_slots = s;
  }
  if (ft->n_params == 0) t->n_param_slots = 0;
  t->n_local_slots = s - t->n_param_slots;
  t->n_result_slots = 0;
  for (uint32_t i = 0; i < ft->n_results; i++) t->n_result_slots += vsize(ft->results[i]);

  if (!wasm_fv_begin(t->fv, fi, err)) return false;
  if (!push_lab(t, 0, 0, false)) return wasm_error(err, "code", f->body_offset, "out of memory");
  wasm_instr in;
  int r;
  while ((r = wasm_fv_next(t->fv, &in, err)) > 0) {
    if (!translate_instr(t, &in, err)) {
      if (t->oom || !err || !err->reason[0]) wasm_error(err, "code", in.offset, "out of memory");
      return false;
    }
    if (t->oom) return wasm_error(err, "code", in.offset, "out of memory");
  }
  if (r < 0) return false;

  /* Frame: params | locals | consts | scratch | temps. Rebase the fix-ups. */
  uint32_t const_base = t->n_param_slots + t->n_local_slots;
  uint32_t scratch_base = const_base + t->nconst;
  uint32_t temp_base = scratch_base + t->scratch;
  for (uint32_t i = 0; i < t->nfx; i++) {
    fix *x = &t->fx[i];
    switch (x->kind) {
    case FIX_TEMP: t->code[x->pos] += temp_base; break;
    case FIX_CONST: t->code[x->pos] += const_base; break;
    case FIX_SCRATCH: t->code[x->pos] = scratch_base; break;
    default: break;
    }
  }
  uint32_t frame = temp_base + t->max;
  if (frame < t->n_result_slots) frame = t->n_result_slots;
  out->code = malloc((t->len ? t->len : 1) * sizeof(uint32_t));
  out->consts = t->nconst ? malloc(t->nconst * sizeof(uint64_t)) : NULL;
  if (!out->code || (t->nconst && !out->consts))
    return wasm_error(err, "code", f->body_offset, "out of memory");
  memcpy(out->code, t->code, t->len * sizeof(uint32_t));
  if (!thread_code(out->code, t->len))
    return wasm_error(err, "code", f->body_offset, "internal error: unthreadable code");
  if (t->nconst) memcpy(out->consts, t->consts, t->nconst * sizeof(uint64_t));
  out->code_len = t->len;
  out->index = fi;
  out->type_index = f->type_index;
  out->n_param_slots = t->n_param_slots;
  out->n_local_slots = t->n_local_slots;
  out->n_result_slots = t->n_result_slots;
  out->const_base = const_base;
  out->n_consts = t->nconst;
  out->frame_slots = frame + 4; /* + a little headroom for the fused ops' reads */
  return true;
}

bool cmp_translate_module(rusm_module *mod, rusm_error *err) {
  const wasm_module *wm = mod->wm;
  uint32_t nd = wm->n_funcs - wm->n_imported_funcs;
  mod->funcs = calloc(nd ? nd : 1, sizeof(cmp_func));
  if (!mod->funcs) return wasm_error(err, "code", 0, "out of memory");
  tr t;
  memset(&t, 0, sizeof t);
  t.wm = wm;
  t.fv = wasm_fv_new(wm);
  if (!t.fv) return wasm_error(err, "code", 0, "out of memory");
  bool ok = true;
  for (uint32_t i = 0; i < nd && ok; i++) {
    ok = translate_func(&t, wm->n_imported_funcs + i, &mod->funcs[i], err);
  }
  wasm_fv_free(t.fv);
  free(t.code);
  free(t.fx);
  free(t.bf);
  free(t.st);
  free(t.labs);
  free(t.consts);
  free(t.local_slot);
  free(t.local_size);
  return ok;
}

void cmp_free_module(rusm_module *mod) {
  if (!mod->funcs || !mod->wm) return;
  uint32_t nd = mod->wm->n_funcs - mod->wm->n_imported_funcs;
  for (uint32_t i = 0; i < nd; i++) {
    free(mod->funcs[i].code);
    free(mod->funcs[i].consts);
  }
  free(mod->funcs);
  mod->funcs = NULL;
}
