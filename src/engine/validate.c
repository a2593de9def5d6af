/*
** validate.c: the instruction stream: decodes and types one function body,
** one instruction at a time (the spec's appendix algorithm).
**
** The operand stack holds value types (one byte each, 0 = unknown) and the
** control stack holds wasm_ctrl frames. Simple opcodes (opcodes.h rows with
** a signature) are typed from wasm_opinfo; the rest by hand below.
*/
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "error.h"
#include "validate.h"

struct wasm_fv {
  const wasm_module *m;
  wasm_reader r;
  uint8_t *vals; /* operand types */
  uint32_t n_vals, cap_vals, max_vals;
  wasm_ctrl *ctrls;
  uint32_t n_ctrls, cap_ctrls;
  wasm_u32buf targets;
  uint8_t *tmp; /* br_table: popped label values */
  uint32_t cap_tmp;
  const wasm_func *f;
  uint32_t n_locals; /* params + declared locals */
  bool done;
  rusm_error *err;
};

#define TRY(x)                                                                                     \
  do {                                                                                             \
    if (!(x)) return false;                                                                        \
  } while (0)

static const rusm_valtype one_type[6] = {RUSM_I32, RUSM_I64,  RUSM_F32,
                                         RUSM_F64, RUSM_V128, RUSM_FUNCREF};
static const rusm_valtype one_externref = RUSM_EXTERNREF;

static const rusm_valtype *single(rusm_valtype t) {
  switch (t) {
  case RUSM_I32: return &one_type[0];
  case RUSM_I64: return &one_type[1];
  case RUSM_F32: return &one_type[2];
  case RUSM_F64: return &one_type[3];
  case RUSM_V128: return &one_type[4];
  case RUSM_FUNCREF: return &one_type[5];
  default: return &one_externref;
  }
}

static bool verr(wasm_fv *v, size_t at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static bool verr(wasm_fv *v, size_t at, const char *fmt, ...) {
  char buf[160];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  return wasm_error(v->err, "code", at, "%s", buf);
}

#define MISMATCH(v, at) verr(v, at, "type mismatch")

/* ----------------------------------------------------------- stacks */

static bool grow_vals(wasm_fv *v) {
  uint32_t cap = v->cap_vals ? v->cap_vals * 2 : 64;
  uint8_t *p = realloc(v->vals, cap);
  if (!p) return verr(v, wasm_rd_pos(&v->r), "out of memory");
  v->vals = p;
  v->cap_vals = cap;
  return true;
}

static inline bool push(wasm_fv *v, uint8_t t) {
  if (v->n_vals == v->cap_vals) TRY(grow_vals(v));
  v->vals[v->n_vals++] = t;
  if (v->n_vals > v->max_vals) v->max_vals = v->n_vals;
  return true;
}

static inline wasm_ctrl *top(wasm_fv *v) {
  return &v->ctrls[v->n_ctrls - 1];
}

/* Pops one operand; WASM_T_UNKNOWN from a polymorphic stack. */
static inline bool pop_any(wasm_fv *v, size_t at, uint8_t *o) {
  wasm_ctrl *c = top(v);
  if (v->n_vals == c->height) {
    if (c->unreachable) {
      *o = WASM_T_UNKNOWN;
      return true;
    }
    return MISMATCH(v, at);
  }
  *o = v->vals[--v->n_vals];
  return true;
}

static inline bool pop(wasm_fv *v, size_t at, uint8_t want) {
  wasm_ctrl *c = top(v);
  if (v->n_vals > c->height) {
    uint8_t t = v->vals[--v->n_vals];
    if (t != want && t != WASM_T_UNKNOWN) return MISMATCH(v, at);
    return true;
  }
  if (c->unreachable) return true;
  return MISMATCH(v, at);
}

static bool pop_types(wasm_fv *v, size_t at, uint32_t n, const rusm_valtype *ts) {
  for (uint32_t i = n; i-- > 0;) TRY(pop(v, at, (uint8_t)ts[i]));
  return true;
}

static bool push_types(wasm_fv *v, uint32_t n, const rusm_valtype *ts) {
  for (uint32_t i = 0; i < n; i++) TRY(push(v, (uint8_t)ts[i]));
  return true;
}

static bool push_ctrl(wasm_fv *v, uint16_t op, const wasm_blocktype *bt) {
  if (v->n_ctrls == v->cap_ctrls) {
    uint32_t cap = v->cap_ctrls ? v->cap_ctrls * 2 : 16;
    wasm_ctrl *p = realloc(v->ctrls, cap * sizeof *p);
    if (!p) return verr(v, wasm_rd_pos(&v->r), "out of memory");
    v->ctrls = p;
    v->cap_ctrls = cap;
  }
  wasm_ctrl *c = &v->ctrls[v->n_ctrls++];
  c->op = op;
  c->unreachable = false;
  c->has_else = false;
  c->height = v->n_vals;
  c->type = *bt;
  c->user = 0;
  return push_types(v, bt->n_params, bt->params);
}

/* Pops the innermost frame's results and checks the stack is back at its
** height. The frame itself stays in memory (ctrls[n_ctrls]) until the next
** push, so END can report it. */
static bool pop_ctrl(wasm_fv *v, size_t at) {
  wasm_ctrl *c = top(v);
  TRY(pop_types(v, at, c->type.n_results, c->type.results));
  if (v->n_vals != c->height) return MISMATCH(v, at);
  v->n_ctrls--;
  return true;
}

static void set_unreachable(wasm_fv *v) {
  wasm_ctrl *c = top(v);
  v->n_vals = c->height;
  c->unreachable = true;
}

/* ------------------------------------------------------ immediates */

static bool blocktype(wasm_fv *v, wasm_instr *ins) {
  int64_t raw = ins->imm.i64;
  wasm_blocktype *bt = &ins->imm.block;
  if (raw >= 0) {
    if ((uint64_t)raw >= v->m->n_types)
      return verr(v, ins->offset, "unknown type %lld", (long long)raw);
    const wasm_functype *ft = &v->m->types[raw];
    bt->n_params = ft->n_params;
    bt->n_results = ft->n_results;
    bt->params = ft->params;
    bt->results = ft->results;
    bt->type_index = (uint32_t)raw;
    return true;
  }
  bt->n_params = 0;
  bt->params = NULL;
  bt->type_index = WASM_NONE;
  if (raw == -64) {
    bt->n_results = 0;
    bt->results = NULL;
    return true;
  }
  /* wasm_read_instr has rejected every other negative value */
  bt->n_results = 1;
  bt->results = single((rusm_valtype)(raw & 0x7f));
  return true;
}

/* log2 of the access size of a memory instruction. */
static uint32_t natural_align(unsigned op) {
  switch (op) {
  case WASM_OP_I32_LOAD8_S:
  case WASM_OP_I32_LOAD8_U:
  case WASM_OP_I64_LOAD8_S:
  case WASM_OP_I64_LOAD8_U:
  case WASM_OP_I32_STORE8:
  case WASM_OP_I64_STORE8:
  case WASM_OP_V128_LOAD8_SPLAT:
  case WASM_OP_V128_LOAD8_LANE:
  case WASM_OP_V128_STORE8_LANE: return 0;
  case WASM_OP_I32_LOAD16_S:
  case WASM_OP_I32_LOAD16_U:
  case WASM_OP_I64_LOAD16_S:
  case WASM_OP_I64_LOAD16_U:
  case WASM_OP_I32_STORE16:
  case WASM_OP_I64_STORE16:
  case WASM_OP_V128_LOAD16_SPLAT:
  case WASM_OP_V128_LOAD16_LANE:
  case WASM_OP_V128_STORE16_LANE: return 1;
  case WASM_OP_I32_LOAD:
  case WASM_OP_F32_LOAD:
  case WASM_OP_I64_LOAD32_S:
  case WASM_OP_I64_LOAD32_U:
  case WASM_OP_I32_STORE:
  case WASM_OP_F32_STORE:
  case WASM_OP_I64_STORE32:
  case WASM_OP_V128_LOAD32_SPLAT:
  case WASM_OP_V128_LOAD32_ZERO:
  case WASM_OP_V128_LOAD32_LANE:
  case WASM_OP_V128_STORE32_LANE: return 2;
  case WASM_OP_V128_LOAD:
  case WASM_OP_V128_STORE: return 4;
  default: return 3; /* 64-bit accesses, v128.loadNxM, load64_* */
  }
}

/* Number of lanes a LANE / MEMARG_LANE immediate indexes. */
static uint32_t lane_count(unsigned op) {
  switch (op) {
  case WASM_OP_I8X16_EXTRACT_LANE_S:
  case WASM_OP_I8X16_EXTRACT_LANE_U:
  case WASM_OP_I8X16_REPLACE_LANE:
  case WASM_OP_V128_LOAD8_LANE:
  case WASM_OP_V128_STORE8_LANE: return 16;
  case WASM_OP_I16X8_EXTRACT_LANE_S:
  case WASM_OP_I16X8_EXTRACT_LANE_U:
  case WASM_OP_I16X8_REPLACE_LANE:
  case WASM_OP_V128_LOAD16_LANE:
  case WASM_OP_V128_STORE16_LANE: return 8;
  case WASM_OP_I32X4_EXTRACT_LANE:
  case WASM_OP_I32X4_REPLACE_LANE:
  case WASM_OP_F32X4_EXTRACT_LANE:
  case WASM_OP_F32X4_REPLACE_LANE:
  case WASM_OP_V128_LOAD32_LANE:
  case WASM_OP_V128_STORE32_LANE: return 4;
  default: return 2;
  }
}

static bool need_memory(wasm_fv *v, const wasm_instr *ins) {
  if (v->m->n_memories == 0) return verr(v, ins->offset, "unknown memory 0");
  return true;
}

static bool need_table(wasm_fv *v, const wasm_instr *ins, uint32_t t) {
  if (t >= v->m->n_tables) return verr(v, ins->offset, "unknown table %u", t);
  return true;
}

static bool need_data_count(wasm_fv *v, const wasm_instr *ins) {
  if (!v->m->has_data_count) return verr(v, ins->offset, "data count section required");
  return true;
}

/* Checks the immediates of ins against the module (indices, alignment,
** lanes); types that depend on them are handled by the caller. */
__attribute__((noinline)) static bool check_imm(wasm_fv *v, wasm_instr *ins,
                                                const wasm_opinfo *info) {
  const wasm_module *m = v->m;
  switch ((wasm_imm_kind)info->imm) {
  case WASM_IMM_MEMARG:
  case WASM_IMM_MEMARG_LANE:
    TRY(need_memory(v, ins));
    if (ins->imm.mem.align > natural_align(ins->op))
      return verr(v, ins->offset, "alignment must not be larger than natural");
    if (info->imm == WASM_IMM_MEMARG_LANE && ins->imm.mem.lane >= lane_count(ins->op))
      return verr(v, ins->offset, "invalid lane index");
    return true;
  case WASM_IMM_LANE:
    if (ins->imm.lane >= lane_count(ins->op)) return verr(v, ins->offset, "invalid lane index");
    return true;
  case WASM_IMM_SHUFFLE:
    for (int i = 0; i < 16; i++)
      if (ins->imm.bytes[i] >= 32) return verr(v, ins->offset, "invalid lane index");
    return true;
  case WASM_IMM_MEM:
  case WASM_IMM_MEMORY_COPY:
  case WASM_IMM_MEMORY_FILL: return need_memory(v, ins);
  /* The data count check comes last: wabt omits the data count section
  ** of a module without data segments, and the suite then expects the
  ** validation error. */
  case WASM_IMM_MEMORY_INIT:
    TRY(need_memory(v, ins));
    if (ins->imm.pair.a >= m->n_datas)
      return verr(v, ins->offset, "unknown data segment %u", ins->imm.pair.a);
    return need_data_count(v, ins);
  case WASM_IMM_DATA:
    if (ins->imm.index >= m->n_datas)
      return verr(v, ins->offset, "unknown data segment %u", ins->imm.index);
    return need_data_count(v, ins);
  case WASM_IMM_ELEM:
    if (ins->imm.index >= m->n_elems)
      return verr(v, ins->offset, "unknown elem segment %u", ins->imm.index);
    return true;
  case WASM_IMM_TABLE_INIT:
    TRY(need_table(v, ins, ins->imm.pair.b));
    if (ins->imm.pair.a >= m->n_elems)
      return verr(v, ins->offset, "unknown elem segment %u", ins->imm.pair.a);
    if (m->elems[ins->imm.pair.a].type != m->tables[ins->imm.pair.b].elem)
      return MISMATCH(v, ins->offset);
    return true;
  case WASM_IMM_TABLE_COPY:
    TRY(need_table(v, ins, ins->imm.pair.a));
    TRY(need_table(v, ins, ins->imm.pair.b));
    if (m->tables[ins->imm.pair.a].elem != m->tables[ins->imm.pair.b].elem)
      return MISMATCH(v, ins->offset);
    return true;
  case WASM_IMM_TABLE:
    TRY(need_table(v, ins, ins->imm.index));
    ins->type = m->tables[ins->imm.index].elem;
    return true;
  default: return true;
  }
}

/* ------------------------------------------------------ instructions */

static bool check_label(wasm_fv *v, const wasm_instr *ins, uint32_t depth) {
  if (depth >= v->n_ctrls) return verr(v, ins->offset, "unknown label %u", depth);
  return true;
}

static bool ensure_tmp(wasm_fv *v, uint32_t n) {
  if (v->cap_tmp >= n) return true;
  uint32_t cap = v->cap_tmp ? v->cap_tmp : 16;
  while (cap < n) cap *= 2;
  uint8_t *p = realloc(v->tmp, cap);
  if (!p) return verr(v, wasm_rd_pos(&v->r), "out of memory");
  v->tmp = p;
  v->cap_tmp = cap;
  return true;
}

static bool br_table(wasm_fv *v, wasm_instr *ins) {
  size_t at = ins->offset;
  uint32_t n = ins->imm.br_table.n;
  const uint32_t *t = ins->imm.br_table.targets;
  TRY(pop(v, at, RUSM_I32));
  TRY(check_label(v, ins, t[n]));
  const wasm_ctrl *def = &v->ctrls[v->n_ctrls - 1 - t[n]];
  uint32_t arity = wasm_ctrl_label_arity(def);
  TRY(ensure_tmp(v, arity));
  for (uint32_t i = 0; i < n; i++) {
    TRY(check_label(v, ins, t[i]));
    const wasm_ctrl *c = &v->ctrls[v->n_ctrls - 1 - t[i]];
    if (wasm_ctrl_label_arity(c) != arity) return MISMATCH(v, at);
    /* pop the label's types, then push back what was popped */
    const rusm_valtype *lt = wasm_ctrl_label_types(c);
    for (uint32_t k = arity; k-- > 0;) {
      uint8_t got = 0;
      TRY(pop_any(v, at, &got));
      if (got != lt[k] && got != WASM_T_UNKNOWN) return MISMATCH(v, at);
      v->tmp[k] = got;
    }
    for (uint32_t k = 0; k < arity; k++) TRY(push(v, v->tmp[k]));
  }
  TRY(pop_types(v, at, arity, wasm_ctrl_label_types(def)));
  set_unreachable(v);
  return true;
}

static inline bool is_num_or_vec(uint8_t t) {
  return t == WASM_T_UNKNOWN || (t >= 0x7b && t <= 0x7f);
}
static inline bool is_ref_or_unknown(uint8_t t) {
  return t == WASM_T_UNKNOWN || t == RUSM_FUNCREF || t == RUSM_EXTERNREF;
}

/* Everything whose wasm_opinfo row is special. */
__attribute__((noinline)) static bool special(wasm_fv *v, wasm_instr *ins) {
  const wasm_module *m = v->m;
  size_t at = ins->offset;
  uint8_t t1 = 0, t2 = 0;
  switch (ins->op) {
  case WASM_OP_UNREACHABLE: set_unreachable(v); return true;
  case WASM_OP_BLOCK:
  case WASM_OP_LOOP:
    TRY(blocktype(v, ins));
    TRY(pop_types(v, at, ins->imm.block.n_params, ins->imm.block.params));
    TRY(push_ctrl(v, ins->op, &ins->imm.block));
    ins->ctrl = top(v);
    return true;
  case WASM_OP_IF:
    TRY(blocktype(v, ins));
    TRY(pop(v, at, RUSM_I32));
    TRY(pop_types(v, at, ins->imm.block.n_params, ins->imm.block.params));
    TRY(push_ctrl(v, ins->op, &ins->imm.block));
    ins->ctrl = top(v);
    return true;
  case WASM_OP_ELSE: {
    wasm_ctrl *c = top(v);
    if (c->op != WASM_OP_IF) return verr(v, at, "END opcode expected");
    TRY(pop_ctrl(v, at));
    v->n_ctrls++; /* reopen the same frame as the else branch */
    c->op = WASM_OP_ELSE;
    c->has_else = true;
    c->unreachable = false;
    TRY(push_types(v, c->type.n_params, c->type.params));
    ins->ctrl = c;
    return true;
  }
  case WASM_OP_END: {
    wasm_ctrl *c = top(v);
    if (c->op == WASM_OP_IF) {
      /* An if without else has an empty else branch: [t1*] -> [t2*] must
      ** then be [t*] -> [t*]. */
      const wasm_blocktype *bt = &c->type;
      bool same = bt->n_params == bt->n_results;
      for (uint32_t i = 0; same && i < bt->n_params; i++) same = bt->params[i] == bt->results[i];
      if (!same) return MISMATCH(v, at);
    }
    TRY(pop_ctrl(v, at));
    ins->ctrl = c;
    if (v->n_ctrls == 0) {
      if (wasm_rd_pos(&v->r) != v->f->code_end)
        return verr(v, wasm_rd_pos(&v->r), "section size mismatch");
      v->done = true;
      return true;
    }
    return push_types(v, c->type.n_results, c->type.results);
  }
  case WASM_OP_BR:
    TRY(check_label(v, ins, ins->imm.index));
    ins->ctrl = &v->ctrls[v->n_ctrls - 1 - ins->imm.index];
    TRY(pop_types(v, at, wasm_ctrl_label_arity(ins->ctrl), wasm_ctrl_label_types(ins->ctrl)));
    set_unreachable(v);
    return true;
  case WASM_OP_BR_IF:
    TRY(check_label(v, ins, ins->imm.index));
    ins->ctrl = &v->ctrls[v->n_ctrls - 1 - ins->imm.index];
    TRY(pop(v, at, RUSM_I32));
    TRY(pop_types(v, at, wasm_ctrl_label_arity(ins->ctrl), wasm_ctrl_label_types(ins->ctrl)));
    return push_types(v, wasm_ctrl_label_arity(ins->ctrl), wasm_ctrl_label_types(ins->ctrl));
  case WASM_OP_BR_TABLE: return br_table(v, ins);
  case WASM_OP_RETURN:
    ins->ctrl = &v->ctrls[0];
    TRY(pop_types(v, at, v->ctrls[0].type.n_results, v->ctrls[0].type.results));
    set_unreachable(v);
    return true;
  case WASM_OP_CALL: {
    if (ins->imm.index >= m->n_funcs) return verr(v, at, "unknown function %u", ins->imm.index);
    const wasm_functype *ft = wasm_module_func_type(m, ins->imm.index);
    TRY(pop_types(v, at, ft->n_params, ft->params));
    return push_types(v, ft->n_results, ft->results);
  }
  case WASM_OP_CALL_INDIRECT: {
    TRY(need_table(v, ins, ins->imm.pair.b));
    if (ins->imm.pair.a >= m->n_types) return verr(v, at, "unknown type %u", ins->imm.pair.a);
    if (m->tables[ins->imm.pair.b].elem != RUSM_FUNCREF) return MISMATCH(v, at);
    const wasm_functype *ft = &m->types[ins->imm.pair.a];
    TRY(pop(v, at, RUSM_I32));
    TRY(pop_types(v, at, ft->n_params, ft->params));
    return push_types(v, ft->n_results, ft->results);
  }
  case WASM_OP_DROP:
    TRY(pop_any(v, at, &t1));
    ins->type = t1;
    return true;
  case WASM_OP_SELECT:
    TRY(pop(v, at, RUSM_I32));
    TRY(pop_any(v, at, &t1));
    TRY(pop_any(v, at, &t2));
    if (!is_num_or_vec(t1) || !is_num_or_vec(t2)) return MISMATCH(v, at);
    if (t1 != t2 && t1 != WASM_T_UNKNOWN && t2 != WASM_T_UNKNOWN) return MISMATCH(v, at);
    ins->type = t1 == WASM_T_UNKNOWN ? t2 : t1;
    return push(v, ins->type);
  case WASM_OP_SELECT_T:
    if (ins->imm.pair.a != 1) return verr(v, at, "invalid result arity");
    TRY(pop(v, at, RUSM_I32));
    TRY(pop(v, at, ins->type));
    TRY(pop(v, at, ins->type));
    return push(v, ins->type);
  case WASM_OP_LOCAL_GET:
  case WASM_OP_LOCAL_SET:
  case WASM_OP_LOCAL_TEE:
    if (ins->imm.index >= v->n_locals) return verr(v, at, "unknown local %u", ins->imm.index);
    ins->type = v->f->locals[ins->imm.index];
    if (ins->op != WASM_OP_LOCAL_GET) TRY(pop(v, at, ins->type));
    return ins->op == WASM_OP_LOCAL_SET ? true : push(v, ins->type);
  case WASM_OP_GLOBAL_GET:
  case WASM_OP_GLOBAL_SET: {
    if (ins->imm.index >= m->n_globals) return verr(v, at, "unknown global %u", ins->imm.index);
    const wasm_global *g = &m->globals[ins->imm.index];
    ins->type = g->type;
    if (ins->op == WASM_OP_GLOBAL_GET) return push(v, g->type);
    if (!g->mutable_) return verr(v, at, "global is immutable");
    return pop(v, at, g->type);
  }
  case WASM_OP_TABLE_GET: TRY(pop(v, at, RUSM_I32)); return push(v, ins->type);
  case WASM_OP_TABLE_SET: TRY(pop(v, at, ins->type)); return pop(v, at, RUSM_I32);
  case WASM_OP_TABLE_GROW:
    TRY(pop(v, at, RUSM_I32));
    TRY(pop(v, at, ins->type));
    return push(v, RUSM_I32);
  case WASM_OP_TABLE_FILL:
    TRY(pop(v, at, RUSM_I32));
    TRY(pop(v, at, ins->type));
    return pop(v, at, RUSM_I32);
  case WASM_OP_REF_NULL: return push(v, ins->type);
  case WASM_OP_REF_IS_NULL:
    TRY(pop_any(v, at, &t1));
    if (!is_ref_or_unknown(t1)) return MISMATCH(v, at);
    ins->type = t1;
    return push(v, RUSM_I32);
  case WASM_OP_REF_FUNC:
    if (ins->imm.index >= m->n_funcs) return verr(v, at, "unknown function %u", ins->imm.index);
    if (!m->funcs[ins->imm.index].declared) return verr(v, at, "undeclared function reference");
    return push(v, RUSM_FUNCREF);
  }
  return verr(v, at, "illegal opcode");
}

/* ------------------------------------------------------------- API */

wasm_fv *wasm_fv_new(const wasm_module *m) {
  wasm_fv *v = calloc(1, sizeof *v);
  if (v) v->m = m;
  return v;
}

void wasm_fv_free(wasm_fv *v) {
  if (!v) return;
  free(v->vals);
  free(v->ctrls);
  free(v->targets.v);
  free(v->tmp);
  free(v);
}

bool wasm_fv_begin(wasm_fv *v, uint32_t func_index, rusm_error *o_err) {
  const wasm_module *m = v->m;
  v->err = o_err;
  if (func_index < m->n_imported_funcs || func_index >= m->n_funcs || !m->funcs[func_index].locals)
    return verr(v, 0, "unknown function %u", func_index);
  const wasm_func *f = &m->funcs[func_index];
  const wasm_functype *ft = &m->types[f->type_index];
  v->f = f;
  v->n_locals = ft->n_params + f->n_locals;
  v->r = (wasm_reader){m->bytes + f->code_start, m->bytes + m->len, m->bytes, NULL, 0};
  v->n_vals = v->max_vals = 0;
  v->n_ctrls = 0;
  v->done = false;
  wasm_blocktype bt = {0, ft->n_results, NULL, ft->results, f->type_index};
  return push_ctrl(v, 0, &bt);
}

/* Immediate kinds check_imm looks at. */
#define CHECKED_IMMS                                                                               \
  (1u << WASM_IMM_TABLE | 1u << WASM_IMM_MEMARG | 1u << WASM_IMM_MEM | 1u << WASM_IMM_LANE |       \
   1u << WASM_IMM_SHUFFLE | 1u << WASM_IMM_MEMARG_LANE | 1u << WASM_IMM_MEMORY_INIT |              \
   1u << WASM_IMM_DATA | 1u << WASM_IMM_MEMORY_COPY | 1u << WASM_IMM_MEMORY_FILL |                 \
   1u << WASM_IMM_TABLE_INIT | 1u << WASM_IMM_ELEM | 1u << WASM_IMM_TABLE_COPY)

/* The stack effect of a simple opcode. The common case (operands present
** with exactly the wanted types) is one comparison per operand. */
static inline bool simple_effect(wasm_fv *v, const wasm_opinfo *info, size_t at) {
  uint32_t n = info->n_pop;
  if (v->n_vals - top(v)->height >= n) {
    bool same = true;
    if (n) { /* vals may still be NULL when nothing was ever pushed */
      const uint8_t *s = v->vals + v->n_vals - n;
      for (uint32_t i = 0; i < n; i++) same &= s[i] == info->pop[i];
    }
    if (same) {
      v->n_vals -= n;
      goto pushed;
    }
  }
  for (uint32_t i = n; i-- > 0;) TRY(pop(v, at, info->pop[i]));
pushed:
  return info->push ? push(v, info->push) : true;
}

/* Fast paths for the most frequent instructions in real code (numeric
** opcodes, local.get/set/tee, i32.const, plain loads and stores): decode
** and type them on locals, writing the state back once (the type stack is
** bytes, so each store through it would otherwise force reloads). Anything
** unusual (an operand of the wrong or unknown type, a full stack, a long
** immediate, an error) returns 0 before changing any state, and the general
** path redoes the instruction. 1: done. */
static inline int fast_next(wasm_fv *v, wasm_instr *ins, uint32_t nv, uint32_t h) {
  const uint8_t *p = v->r.p, *end = v->r.end;
  uint8_t *vals = v->vals;
  if (end - p < 3 || nv >= v->cap_vals) return 0; /* (room for one push below) */
  unsigned b = p[0];
  const wasm_opinfo *info = &wasm_opinfo_table[b];
  switch (info->imm) {
  case WASM_IMM_NONE:
    if (b == WASM_OP_END) {
      /* a block, loop or else branch whose results are exactly in place:
      ** popping and re-pushing them leaves the stack as it is */
      wasm_ctrl *c = &v->ctrls[v->n_ctrls - 1];
      if (c->op != WASM_OP_BLOCK && c->op != WASM_OP_LOOP && c->op != WASM_OP_ELSE) return 0;
      uint32_t nr = c->type.n_results;
      if (nv - h != nr) return 0;
      for (uint32_t i = 0; i < nr; i++)
        if (vals[h + i] != (uint8_t)c->type.results[i]) return 0;
      v->n_ctrls--;
      ins->ctrl = c;
      p += 1;
      goto done;
    }
    if (info->special || !info->name) return 0;
    p += 1;
    break;
  case WASM_IMM_BLOCKTYPE: {
    /* empty or single-value block types; params need the general path */
    uint8_t bt = p[1];
    if ((bt != 0x40 && !wasm_is_valtype(bt)) || v->n_ctrls == v->cap_ctrls) return 0;
    if (b == WASM_OP_IF) {
      if (nv == h || vals[nv - 1] != RUSM_I32) return 0;
      nv--;
    }
    wasm_ctrl *c = &v->ctrls[v->n_ctrls++];
    c->op = (uint16_t)b;
    c->unreachable = false;
    c->has_else = false;
    c->height = nv;
    c->type.n_params = 0;
    c->type.params = NULL;
    c->type.n_results = bt != 0x40;
    c->type.results = bt != 0x40 ? single((rusm_valtype)bt) : NULL;
    c->type.type_index = WASM_NONE;
    c->user = 0;
    ins->imm.block = c->type;
    ins->ctrl = c;
    p += 2;
    goto done;
  }
  case WASM_IMM_LABEL: {
    /* br / br_if to a label within 127 frames, operands exactly typed */
    uint32_t depth = p[1];
    if (depth >= 0x80 || depth >= v->n_ctrls) return 0;
    wasm_ctrl *t = &v->ctrls[v->n_ctrls - 1 - depth];
    uint32_t top = nv;
    if (b == WASM_OP_BR_IF) {
      if (nv == h || vals[nv - 1] != RUSM_I32) return 0;
      top--;
    }
    uint32_t n = wasm_ctrl_label_arity(t);
    const rusm_valtype *lt = wasm_ctrl_label_types(t);
    if (top - h < n) return 0;
    for (uint32_t i = 0; i < n; i++)
      if (vals[top - n + i] != (uint8_t)lt[i]) return 0;
    if (b == WASM_OP_BR) {
      nv = h; /* the rest of the frame is dead code */
      v->ctrls[v->n_ctrls - 1].unreachable = true;
    } else {
      nv = top; /* br_if leaves the label values */
    }
    ins->imm.index = depth;
    ins->ctrl = t;
    p += 2;
    goto done;
  }
  case WASM_IMM_LOCAL: {
    uint32_t x = p[1];
    int len = 2;
    if (x >= 0x80) {
      if (p[2] >= 0x80) return 0;
      x = (x & 0x7f) | (uint32_t)p[2] << 7;
      len = 3;
    }
    if (x >= v->n_locals) return 0;
    uint8_t t = (uint8_t)v->f->locals[x];
    if (b == WASM_OP_LOCAL_GET) {
      vals[nv++] = t;
    } else {
      if (nv == h || vals[nv - 1] != t) return 0;
      if (b == WASM_OP_LOCAL_SET) nv--;
    }
    ins->imm.index = x;
    ins->type = (rusm_valtype)t;
    p += len;
    goto done;
  }
  case WASM_IMM_I32: {
    /* s32, up to 4 bytes (28 bits); longer forms take the general path */
    uint32_t x = 0;
    int k = 1;
    for (;; k++) {
      if (k > 4 || end - p <= k) return 0;
      x |= (uint32_t)(p[k] & 0x7f) << (7 * (k - 1));
      if (!(p[k] & 0x80)) break;
    }
    if (p[k] & 0x40) x |= ~0u << (7 * k);
    ins->imm.i32 = (int32_t)x;
    vals[nv++] = RUSM_I32;
    p += k + 1;
    goto done;
  }
  case WASM_IMM_MEMARG: {
    /* one-byte align, offset up to 3 bytes, memory present, natural
    ** alignment */
    uint32_t off = 0;
    int k = 2;
    if (b >= 0x100 || p[1] >= 0x80 || v->m->n_memories == 0 || p[1] > natural_align(b)) return 0;
    for (;; k++) {
      if (k > 4 || end - p <= k) return 0;
      off |= (uint32_t)(p[k] & 0x7f) << (7 * (k - 2));
      if (!(p[k] & 0x80)) break;
    }
    ins->imm.mem.align = p[1];
    ins->imm.mem.offset = off;
    p += k + 1;
    break;
  }
  case WASM_IMM_GLOBAL: {
    uint32_t x = p[1];
    if (b != WASM_OP_GLOBAL_GET || x >= 0x80 || x >= v->m->n_globals) return 0;
    uint8_t t = (uint8_t)v->m->globals[x].type;
    vals[nv++] = t;
    ins->imm.index = x;
    ins->type = (rusm_valtype)t;
    p += 2;
    goto done;
  }
  case WASM_IMM_FUNC: {
    /* call with a function index of up to 2 bytes, exact operand types */
    uint32_t x = p[1];
    int len = 2;
    if (b != WASM_OP_CALL) return 0;
    if (x >= 0x80) {
      if (p[2] >= 0x80) return 0;
      x = (x & 0x7f) | (uint32_t)p[2] << 7;
      len = 3;
    }
    if (x >= v->m->n_funcs) return 0;
    const wasm_functype *ft = wasm_module_func_type(v->m, x);
    uint32_t np = ft->n_params, nr = ft->n_results;
    if (nv - h < np || nv - np + nr > v->cap_vals) return 0;
    for (uint32_t i = 0; i < np; i++)
      if (vals[nv - np + i] != (uint8_t)ft->params[i]) return 0;
    nv -= np;
    for (uint32_t i = 0; i < nr; i++) vals[nv++] = (uint8_t)ft->results[i];
    ins->imm.index = x;
    p += len;
    goto done;
  }
  default: return 0;
  }
  /* a simple row: pop and push by the table */
  uint32_t n = info->n_pop;
  if (nv - h < n) return 0;
  for (uint32_t i = 0; i < n; i++)
    if (vals[nv - n + i] != info->pop[i]) return 0;
  nv -= n;
  if (info->push) vals[nv++] = info->push;
done:
  ins->op = (uint16_t)b;
  ins->offset = (uint32_t)(v->r.p - v->r.base);
  v->r.p = p;
  v->n_vals = nv;
  if (nv > v->max_vals) v->max_vals = nv;
  return 1;
}

/* Everything but the fast path; kept out of line so that wasm_fv_next
** stays a small function with a cheap prologue. */
__attribute__((noinline)) static int next_slow(wasm_fv *v, wasm_instr *ins, rusm_error *o_err) {
  v->err = o_err;
  if (v->n_ctrls == 0) {
    if (v->done) return 0;
    return verr(v, wasm_rd_pos(&v->r), "no function begun"), -1;
  }
  if (!wasm_read_instr(&v->r, ins, &v->targets)) {
    /* The body is read up to the end of the binary, as the reference
    ** interpreter does; running off it is a malformed function. */
    wasm_error(o_err, "code", v->r.err_at, "%s", v->r.err);
    return -1;
  }
  const wasm_opinfo *info = wasm_op_info(ins->op);
  if ((CHECKED_IMMS >> info->imm & 1) && !check_imm(v, ins, info)) return -1;
  if (info->special) return special(v, ins) ? 1 : -1;
  return simple_effect(v, info, ins->offset) ? 1 : -1;
}

bool wasm_fv_general_only;

int wasm_fv_next(wasm_fv *v, wasm_instr *ins, rusm_error *o_err) {
  ins->ctrl = NULL;
  ins->type = 0;
  if (v->n_ctrls == 0) return next_slow(v, ins, o_err);
  const wasm_ctrl *c = &v->ctrls[v->n_ctrls - 1];
  uint32_t nv = v->n_vals;
  ins->height = nv;
  ins->unreachable = c->unreachable;
  if (!wasm_fv_general_only && fast_next(v, ins, nv, c->height)) return 1;
  return next_slow(v, ins, o_err);
}

uint32_t wasm_fv_height(const wasm_fv *v) {
  return v->n_vals;
}
const uint8_t *wasm_fv_stack(const wasm_fv *v) {
  return v->vals;
}
uint32_t wasm_fv_depth(const wasm_fv *v) {
  return v->n_ctrls;
}
uint32_t wasm_fv_max_height(const wasm_fv *v) {
  return v->max_vals;
}

wasm_ctrl *wasm_fv_ctrl(wasm_fv *v, uint32_t depth) {
  if (depth >= v->n_ctrls) return NULL;
  return &v->ctrls[v->n_ctrls - 1 - depth];
}

bool wasm_validate_func(wasm_fv *v, uint32_t func_index, rusm_error *o_err) {
  if (!wasm_fv_begin(v, func_index, o_err)) return false;
  wasm_instr ins;
  int r;
  while ((r = wasm_fv_next(v, &ins, o_err)) > 0) {
  }
  return r == 0;
}
