/*
** decode.c: the binary format of a module, section by section.
**
** The reader follows the reference interpreter's shape, because the spec
** tests pin its error texts: a section's declared size is checked against
** the bytes left ("length out of bounds"), its payload is read bounded by
** the end of the binary (not of the section), and a payload that stops
** short of or runs past the declared size is "section size mismatch".
** Lengths and vector counts are checked against the bytes left before
** anything is allocated. Function bodies are only delimited here; their
** instructions are decoded by the validator (validate.h).
*/
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "error.h"

/* Locals per function. The spec allows 2^32-1; nothing useful needs more
** than this, and each local costs the translator a slot. */
#define MAX_LOCALS 50000

#define TRY(x)                                                                                     \
  do {                                                                                             \
    if (!(x)) return false;                                                                        \
  } while (0)

enum {
  SEC_CUSTOM,
  SEC_TYPE,
  SEC_IMPORT,
  SEC_FUNCTION,
  SEC_TABLE,
  SEC_MEMORY,
  SEC_GLOBAL,
  SEC_EXPORT,
  SEC_START,
  SEC_ELEMENT,
  SEC_CODE,
  SEC_DATA,
  SEC_DATACOUNT,
  SEC_COUNT
};

static const char *const section_name[SEC_COUNT] = {
    "custom", "type",  "import", "function", "table", "memory",    "global",
    "export", "start", "elem",   "code",     "data",  "data count"};

/* Position of each section id in the required order (data count sits
** between element and code). */
static const uint8_t section_rank[SEC_COUNT] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 10};

typedef struct body {
  uint32_t body_offset, code_start, code_end;
  uint32_t n_runs, n_locals;
  const wasm_local_run *runs;
} body;

typedef struct dec {
  wasm_reader r;
  wasm_module *m;
  wasm_arena *a;
  int sec; /* current section id, -1 outside */

  /* Imports by kind, until the index spaces are built. */
  uint32_t *imp_func_types;
  wasm_table *imp_tables;
  wasm_memory *imp_mems;
  wasm_global *imp_globals;
  bool built[4]; /* funcs, tables, memories, globals */

  uint32_t n_defined_funcs;
  uint32_t n_bodies;
  body *bodies;
  uint32_t data_count;

  const uint8_t *names, *names_end; /* the "name" section's payload */
} dec;

static bool fail(dec *d, const uint8_t *at, const char *msg) {
  return wasm_rd_fail(&d->r, at, msg);
}

static void *alloc(dec *d, size_t n) {
  void *p = wasm_arena_alloc(d->a, n);
  if (!p) fail(d, d->r.p, "out of memory");
  return p;
}

static bool byte(dec *d, uint8_t *o) {
  return wasm_rd_u8(&d->r, o);
}
static bool u32(dec *d, uint32_t *o) {
  return wasm_rd_u32(&d->r, o);
}
static bool len(dec *d, uint32_t *o) {
  return wasm_rd_len(&d->r, o);
}

static bool name(dec *d, wasm_name *o) {
  uint32_t n;
  TRY(len(d, &n));
  const uint8_t *s = d->r.p;
  if (wasm_rd_left(&d->r) < n) return fail(d, s, WASM_ERR_EOF);
  if (!wasm_utf8_valid(s, n)) return fail(d, s, "malformed UTF-8 encoding");
  char *c = alloc(d, (size_t)n + 1);
  if (!c) return false;
  memcpy(c, s, n);
  d->r.p += n;
  o->str = c;
  o->len = n;
  return true;
}

static bool valtype(dec *d, rusm_valtype *o) {
  uint8_t b;
  TRY(byte(d, &b));
  if (!wasm_is_valtype(b)) return fail(d, d->r.p - 1, "malformed value type");
  *o = (rusm_valtype)b;
  return true;
}

static bool reftype(dec *d, rusm_valtype *o) {
  uint8_t b;
  TRY(byte(d, &b));
  if (!wasm_is_reftype(b)) return fail(d, d->r.p - 1, "malformed reference type");
  *o = (rusm_valtype)b;
  return true;
}

static bool limits(dec *d, rusm_limits *o) {
  uint64_t flags; /* a 1-bit LEB128 in the reference interpreter */
  uint32_t min, max;
  TRY(wasm_rd_uN(&d->r, 1, &flags));
  TRY(u32(d, &min));
  o->min = min;
  o->max = UINT64_MAX;
  if (flags & 1) {
    TRY(u32(d, &max));
    o->max = max;
  }
  return true;
}

static bool globaltype(dec *d, wasm_global *g) {
  uint8_t mut;
  TRY(valtype(d, &g->type));
  TRY(byte(d, &mut));
  if (mut > 1) return fail(d, d->r.p - 1, "malformed mutability");
  g->mutable_ = mut;
  return true;
}

/* A constant expression: instructions up to the matching end. Anything but
** one constant instruction is recorded for the validator to reject. */
static bool const_expr(dec *d, wasm_constexpr *ce) {
  wasm_instr ins;
  uint32_t depth = 0, n = 0;
  bool nonconst = false;
  memset(ce, 0, sizeof *ce);
  ce->offset = (uint32_t)wasm_rd_pos(&d->r);
  /* The usual segment offset, `i32.const n end`, without the general loop. */
  const uint8_t *p0 = d->r.p;
  if (d->r.end - p0 >= 3 && p0[0] == 0x41) {
    int32_t x;
    d->r.p++;
    if (wasm_rd_s32(&d->r, &x) && d->r.p < d->r.end && *d->r.p == 0x0b) {
      d->r.p++;
      ce->kind = WASM_CONST_I32;
      ce->type = RUSM_I32;
      ce->u.i32 = x;
      return true;
    }
    d->r.p = p0; /* let the general loop report or handle it */
    d->r.err = NULL;
  }
  for (;;) {
    TRY(wasm_read_instr(&d->r, &ins, NULL));
    wasm_constexpr v = {0};
    switch (ins.op) {
    case WASM_OP_END:
      if (depth == 0) goto done;
      depth--;
      continue;
    case WASM_OP_BLOCK:
    case WASM_OP_LOOP:
    case WASM_OP_IF: depth++, nonconst = true; continue;
    case WASM_OP_I32_CONST:
      v.kind = WASM_CONST_I32, v.type = RUSM_I32, v.u.i32 = ins.imm.i32;
      break;
    case WASM_OP_I64_CONST:
      v.kind = WASM_CONST_I64, v.type = RUSM_I64, v.u.i64 = ins.imm.i64;
      break;
    case WASM_OP_F32_CONST:
      v.kind = WASM_CONST_F32, v.type = RUSM_F32, v.u.f32_bits = ins.imm.f32_bits;
      break;
    case WASM_OP_F64_CONST:
      v.kind = WASM_CONST_F64, v.type = RUSM_F64, v.u.f64_bits = ins.imm.f64_bits;
      break;
    case WASM_OP_V128_CONST:
      v.kind = WASM_CONST_V128, v.type = RUSM_V128;
      memcpy(v.u.v128, ins.imm.bytes, 16);
      break;
    case WASM_OP_REF_NULL: v.kind = WASM_CONST_REF_NULL, v.type = ins.type; break;
    case WASM_OP_REF_FUNC:
      v.kind = WASM_CONST_REF_FUNC, v.type = RUSM_FUNCREF, v.index = ins.imm.index;
      break;
    case WASM_OP_GLOBAL_GET: v.kind = WASM_CONST_GLOBAL_GET, v.index = ins.imm.index; break;
    default: nonconst = true; continue;
    }
    if (n++ == 0) {
      v.offset = ce->offset;
      *ce = v;
    }
  }
done:
  if (nonconst)
    ce->kind = WASM_CONST_NONCONST;
  else if (n != 1)
    ce->kind = WASM_CONST_ARITY;
  return true;
}

/* ------------------------------------------------------ index spaces */

static bool build_funcs(dec *d, uint32_t n_defined) {
  wasm_module *m = d->m;
  m->n_funcs = m->n_imported_funcs + n_defined;
  m->funcs = alloc(d, (size_t)m->n_funcs * sizeof *m->funcs);
  if (!m->funcs) return false;
  for (uint32_t i = 0, k = 0; i < m->n_imports; i++)
    if (m->imports[i].kind == RUSM_EXTERN_FUNC) {
      m->funcs[k].type_index = d->imp_func_types[k];
      m->funcs[k].import = i;
      k++;
    }
  for (uint32_t i = m->n_imported_funcs; i < m->n_funcs; i++) m->funcs[i].import = WASM_NONE;
  d->built[0] = true;
  return true;
}

#define BUILD_SPACE(fn, field, count, nimp, imp, idx)                                              \
  static bool fn(dec *d, uint32_t n_defined, __typeof__(d->imp) *o_defined) {                      \
    wasm_module *m = d->m;                                                                         \
    m->count = m->nimp + n_defined;                                                                \
    __typeof__(d->imp) arr = alloc(d, (size_t)m->count * sizeof *arr);                             \
    if (!arr) return false;                                                                        \
    if (m->nimp) memcpy(arr, d->imp, (size_t)m->nimp * sizeof *arr);                               \
    for (uint32_t i = m->nimp; i < m->count; i++) arr[i].import = WASM_NONE;                       \
    m->field = arr;                                                                                \
    if (o_defined) *o_defined = arr + m->nimp;                                                     \
    d->built[idx] = true;                                                                          \
    return true;                                                                                   \
  }
BUILD_SPACE(build_tables, tables, n_tables, n_imported_tables, imp_tables, 1)
BUILD_SPACE(build_memories, memories, n_memories, n_imported_memories, imp_mems, 2)
BUILD_SPACE(build_globals, globals, n_globals, n_imported_globals, imp_globals, 3)

/* ------------------------------------------------------------ sections */

static bool sec_type(dec *d) {
  wasm_module *m = d->m;
  uint32_t n;
  TRY(len(d, &n));
  wasm_functype *types = alloc(d, (size_t)n * sizeof *types);
  if (!types) return false;
  for (uint32_t i = 0; i < n; i++) {
    uint8_t form;
    uint32_t np, nr;
    TRY(byte(d, &form));
    /* The form is a signed 7-bit LEB128 (-0x20). */
    if (form & 0x80) return fail(d, d->r.p, "integer representation too long");
    if (form != 0x60) return fail(d, d->r.p - 1, "malformed function type");
    TRY(len(d, &np));
    rusm_valtype *pv = alloc(d, (size_t)np * sizeof *pv);
    if (!pv) return false;
    for (uint32_t k = 0; k < np; k++) TRY(valtype(d, &pv[k]));
    TRY(len(d, &nr));
    rusm_valtype *rv = alloc(d, (size_t)nr * sizeof *rv);
    if (!rv) return false;
    for (uint32_t k = 0; k < nr; k++) TRY(valtype(d, &rv[k]));
    types[i].n_params = np;
    types[i].n_results = nr;
    types[i].params = pv;
    types[i].results = rv;
    types[i].canon = i;
  }
  m->n_types = n;
  m->types = types;
  return true;
}

static bool sec_import(dec *d) {
  wasm_module *m = d->m;
  uint32_t n;
  TRY(len(d, &n));
  wasm_import *imps = alloc(d, (size_t)n * sizeof *imps);
  d->imp_func_types = alloc(d, (size_t)n * sizeof *d->imp_func_types);
  d->imp_tables = alloc(d, (size_t)n * sizeof *d->imp_tables);
  d->imp_mems = alloc(d, (size_t)n * sizeof *d->imp_mems);
  d->imp_globals = alloc(d, (size_t)n * sizeof *d->imp_globals);
  if (!imps || !d->imp_func_types || !d->imp_tables || !d->imp_mems || !d->imp_globals)
    return false;
  for (uint32_t i = 0; i < n; i++) {
    wasm_import *im = &imps[i];
    uint8_t kind;
    TRY(name(d, &im->module));
    TRY(name(d, &im->name));
    TRY(byte(d, &kind));
    switch (kind) {
    case 0:
      im->kind = RUSM_EXTERN_FUNC;
      im->index = m->n_imported_funcs;
      TRY(u32(d, &d->imp_func_types[m->n_imported_funcs++]));
      break;
    case 1: {
      wasm_table *t = &d->imp_tables[m->n_imported_tables];
      im->kind = RUSM_EXTERN_TABLE;
      im->index = m->n_imported_tables++;
      TRY(reftype(d, &t->elem));
      TRY(limits(d, &t->limits));
      t->import = i;
      break;
    }
    case 2: {
      wasm_memory *mem = &d->imp_mems[m->n_imported_memories];
      im->kind = RUSM_EXTERN_MEMORY;
      im->index = m->n_imported_memories++;
      TRY(limits(d, &mem->limits));
      mem->import = i;
      break;
    }
    case 3: {
      wasm_global *g = &d->imp_globals[m->n_imported_globals];
      im->kind = RUSM_EXTERN_GLOBAL;
      im->index = m->n_imported_globals++;
      TRY(globaltype(d, g));
      g->import = i;
      break;
    }
    default: return fail(d, d->r.p - 1, "malformed import kind");
    }
    m->n_imports = i + 1;
  }
  m->imports = imps;
  return true;
}

static bool sec_function(dec *d) {
  uint32_t n;
  TRY(len(d, &n));
  TRY(build_funcs(d, n));
  d->n_defined_funcs = n;
  for (uint32_t i = 0; i < n; i++) TRY(u32(d, &d->m->funcs[d->m->n_imported_funcs + i].type_index));
  return true;
}

static bool sec_table(dec *d) {
  uint32_t n;
  wasm_table *t;
  TRY(len(d, &n));
  TRY(build_tables(d, n, &t));
  for (uint32_t i = 0; i < n; i++) {
    TRY(reftype(d, &t[i].elem));
    TRY(limits(d, &t[i].limits));
  }
  return true;
}

static bool sec_memory(dec *d) {
  uint32_t n;
  wasm_memory *mem;
  TRY(len(d, &n));
  TRY(build_memories(d, n, &mem));
  for (uint32_t i = 0; i < n; i++) TRY(limits(d, &mem[i].limits));
  return true;
}

static bool sec_global(dec *d) {
  uint32_t n;
  wasm_global *g;
  TRY(len(d, &n));
  TRY(build_globals(d, n, &g));
  for (uint32_t i = 0; i < n; i++) {
    TRY(globaltype(d, &g[i]));
    TRY(const_expr(d, &g[i].init));
  }
  return true;
}

static bool sec_export(dec *d) {
  uint32_t n;
  TRY(len(d, &n));
  wasm_export *ex = alloc(d, (size_t)n * sizeof *ex);
  if (!ex) return false;
  for (uint32_t i = 0; i < n; i++) {
    uint8_t kind;
    TRY(name(d, &ex[i].name));
    TRY(byte(d, &kind));
    if (kind > 3) return fail(d, d->r.p - 1, "malformed export kind");
    ex[i].kind = (rusm_extern_kind)kind;
    TRY(u32(d, &ex[i].index));
  }
  d->m->n_exports = n;
  d->m->exports = ex;
  return true;
}

static bool sec_elem(dec *d) {
  uint32_t n;
  TRY(len(d, &n));
  wasm_elem *es = alloc(d, (size_t)n * sizeof *es);
  if (!es) return false;
  for (uint32_t i = 0; i < n; i++) {
    wasm_elem *e = &es[i];
    uint32_t flags, count;
    e->offset_in_binary = (uint32_t)wasm_rd_pos(&d->r);
    TRY(u32(d, &flags));
    if (flags > 7) return fail(d, d->r.p - 1, "malformed elements segment kind");
    /* bit 0: passive/declarative (else active); bit 1: explicit table
    ** (active) or declarative (not active); bit 2: items are expressions. */
    e->mode = !(flags & 1)  ? WASM_SEG_ACTIVE
              : (flags & 2) ? WASM_SEG_DECLARATIVE
                            : WASM_SEG_PASSIVE;
    e->type = RUSM_FUNCREF;
    if (e->mode == WASM_SEG_ACTIVE) {
      if (flags & 2) TRY(u32(d, &e->table));
      TRY(const_expr(d, &e->offset));
    }
    if (flags & 3) { /* an element kind or reference type is present */
      if (flags & 4)
        TRY(reftype(d, &e->type));
      else {
        uint8_t kind;
        TRY(byte(d, &kind));
        if (kind != 0) return fail(d, d->r.p - 1, "malformed element kind");
      }
    }
    TRY(len(d, &count));
    wasm_constexpr *items = alloc(d, (size_t)count * sizeof *items);
    if (!items) return false;
    for (uint32_t k = 0; k < count; k++) {
      if (flags & 4) {
        TRY(const_expr(d, &items[k]));
      } else {
        items[k].offset = (uint32_t)wasm_rd_pos(&d->r);
        items[k].kind = WASM_CONST_REF_FUNC;
        items[k].type = RUSM_FUNCREF;
        TRY(u32(d, &items[k].index));
      }
    }
    e->n_items = count;
    e->items = items;
  }
  d->m->n_elems = n;
  d->m->elems = es;
  return true;
}

static bool sec_code(dec *d) {
  uint32_t n;
  TRY(len(d, &n));
  d->bodies = alloc(d, (size_t)n * sizeof *d->bodies);
  if (!d->bodies) return false;
  for (uint32_t i = 0; i < n; i++) {
    body *b = &d->bodies[i];
    uint32_t size, n_runs;
    b->body_offset = (uint32_t)wasm_rd_pos(&d->r);
    TRY(len(d, &size));
    const uint8_t *end = d->r.p + size;
    const uint8_t *runs_at = d->r.p;
    TRY(len(d, &n_runs));
    wasm_local_run *runs = alloc(d, (size_t)n_runs * sizeof *runs);
    if (!runs) return false;
    uint64_t total = 0;
    for (uint32_t k = 0; k < n_runs; k++) {
      TRY(u32(d, &runs[k].count));
      TRY(valtype(d, &runs[k].type));
      total += runs[k].count;
    }
    if (total > MAX_LOCALS) return fail(d, runs_at, "too many locals");
    if (d->r.p > end) return fail(d, end, "section size mismatch");
    b->n_runs = n_runs;
    b->runs = runs;
    b->n_locals = (uint32_t)total;
    b->code_start = (uint32_t)wasm_rd_pos(&d->r);
    b->code_end = (uint32_t)(end - d->r.base);
    d->r.p = end;
    d->n_bodies = i + 1;
  }
  d->n_bodies = n;
  return true;
}

static bool sec_data(dec *d) {
  uint32_t n;
  TRY(len(d, &n));
  wasm_data *ds = alloc(d, (size_t)n * sizeof *ds);
  if (!ds) return false;
  for (uint32_t i = 0; i < n; i++) {
    wasm_data *s = &ds[i];
    uint32_t flags;
    TRY(u32(d, &flags));
    if (flags > 2) return fail(d, d->r.p - 1, "malformed data segment kind");
    s->mode = flags == 1 ? WASM_SEG_PASSIVE : WASM_SEG_ACTIVE;
    if (flags == 2) TRY(u32(d, &s->memory));
    if (s->mode == WASM_SEG_ACTIVE) TRY(const_expr(d, &s->offset));
    TRY(len(d, &s->len));
    if (wasm_rd_left(&d->r) < s->len) return fail(d, d->r.p, WASM_ERR_EOF);
    s->bytes_offset = (uint32_t)wasm_rd_pos(&d->r);
    d->r.p += s->len;
  }
  d->m->n_datas = n;
  d->m->datas = ds;
  return true;
}

static bool sec_custom(dec *d, const uint8_t *sec_end) {
  wasm_name nm;
  TRY(name(d, &nm));
  if (d->r.p > sec_end) return fail(d, sec_end, "unexpected end");
  if (nm.len == 4 && memcmp(nm.str, "name", 4) == 0) {
    d->names = d->r.p;
    d->names_end = sec_end;
  }
  d->r.p = sec_end;
  return true;
}

static bool section(dec *d, int id, const uint8_t *sec_end) {
  switch (id) {
  case SEC_CUSTOM: return sec_custom(d, sec_end);
  case SEC_TYPE: return sec_type(d);
  case SEC_IMPORT: return sec_import(d);
  case SEC_FUNCTION: return sec_function(d);
  case SEC_TABLE: return sec_table(d);
  case SEC_MEMORY: return sec_memory(d);
  case SEC_GLOBAL: return sec_global(d);
  case SEC_EXPORT: return sec_export(d);
  case SEC_START: return u32(d, &d->m->start);
  case SEC_ELEMENT: return sec_elem(d);
  case SEC_CODE: return sec_code(d);
  case SEC_DATA: return sec_data(d);
  case SEC_DATACOUNT: d->m->has_data_count = true; return u32(d, &d->data_count);
  }
  return fail(d, d->r.p, "malformed section id");
}

/* ------------------------------------------------------------ finish */

static uint64_t type_hash(const wasm_functype *t) {
  uint64_t h = 1469598103934665603ull ^ ((uint64_t)t->n_params << 32 | t->n_results);
  for (uint32_t i = 0; i < t->n_params; i++) h = (h ^ (uint8_t)t->params[i]) * 1099511628211ull;
  for (uint32_t i = 0; i < t->n_results; i++)
    h = (h ^ (uint8_t)t->results[i] ^ 0x100) * 1099511628211ull;
  return h;
}

static bool type_eq(const wasm_functype *a, const wasm_functype *b) {
  if (a->n_params != b->n_params || a->n_results != b->n_results) return false;
  for (uint32_t i = 0; i < a->n_params; i++)
    if (a->params[i] != b->params[i]) return false;
  for (uint32_t i = 0; i < a->n_results; i++)
    if (a->results[i] != b->results[i]) return false;
  return true;
}

/* canon = the first structurally equal type, via an open-addressed hash. */
static bool canonicalize_types(dec *d) {
  wasm_module *m = d->m;
  if (m->n_types < 2) return true;
  size_t cap = 4;
  while (cap < (size_t)m->n_types * 2) cap *= 2;
  uint32_t *slot = malloc(cap * sizeof *slot);
  if (!slot) return fail(d, d->r.p, "out of memory");
  memset(slot, 0xff, cap * sizeof *slot);
  wasm_functype *types = (wasm_functype *)m->types;
  for (uint32_t i = 0; i < m->n_types; i++) {
    size_t h = (size_t)type_hash(&types[i]) & (cap - 1);
    for (;; h = (h + 1) & (cap - 1)) {
      if (slot[h] == WASM_NONE) {
        slot[h] = i;
        types[i].canon = i;
        break;
      }
      if (type_eq(&types[slot[h]], &types[i])) {
        types[i].canon = slot[h];
        break;
      }
    }
  }
  free(slot);
  return true;
}

static int export_cmp(const wasm_module *m, uint32_t a, uint32_t b) {
  const wasm_name *x = &m->exports[a].name, *y = &m->exports[b].name;
  int c = memcmp(x->str, y->str, x->len < y->len ? x->len : y->len);
  if (c) return c;
  return x->len < y->len ? -1 : x->len > y->len;
}

/* Sorts export indices by name: insertion sort for the usual handful,
** merge sort beyond that. */
static bool sort_exports(dec *d) {
  wasm_module *m = d->m;
  uint32_t n = m->n_exports;
  uint32_t *idx = alloc(d, (size_t)n * sizeof *idx);
  if (!idx) return false;
  for (uint32_t i = 0; i < n; i++) idx[i] = i;
  if (n > 16) {
    uint32_t *tmp = malloc((size_t)n * sizeof *tmp);
    if (!tmp) return fail(d, d->r.p, "out of memory");
    for (uint32_t w = 1; w < n; w *= 2) {
      for (uint32_t lo = 0; lo < n; lo += 2 * w) {
        uint32_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
        uint32_t i = lo, j = mid, k = lo;
        while (i < mid && j < hi)
          tmp[k++] = export_cmp(m, idx[j], idx[i]) < 0 ? idx[j++] : idx[i++];
        while (i < mid) tmp[k++] = idx[i++];
        while (j < hi) tmp[k++] = idx[j++];
      }
      memcpy(idx, tmp, (size_t)n * sizeof *idx);
    }
    free(tmp);
  } else {
    for (uint32_t i = 1; i < n; i++)
      for (uint32_t j = i; j > 0 && export_cmp(m, idx[j], idx[j - 1]) < 0; j--) {
        uint32_t t = idx[j];
        idx[j] = idx[j - 1];
        idx[j - 1] = t;
      }
  }
  m->export_by_name = idx;
  return true;
}

/* The "name" section's function names. A malformed name section is
** ignored (the spec says custom sections never make a module invalid). */
static void parse_names(dec *d) {
  wasm_module *m = d->m;
  wasm_reader r = {d->names, d->names_end, d->r.base, NULL, 0};
  while (r.p < r.end && !r.err) {
    uint8_t id;
    uint32_t size, n;
    if (!wasm_rd_u8(&r, &id) || !wasm_rd_len(&r, &size)) return;
    const uint8_t *end = r.p + size;
    if (id != 1) {
      r.p = end;
      continue;
    }
    if (!wasm_rd_len(&r, &n) || m->n_funcs == 0) return;
    const char **names = wasm_arena_alloc(d->a, (size_t)m->n_funcs * sizeof *names);
    if (!names) return;
    for (uint32_t i = 0; i < n; i++) {
      uint32_t fi, len;
      if (!wasm_rd_u32(&r, &fi) || !wasm_rd_len(&r, &len)) return;
      if (!wasm_utf8_valid(r.p, len)) return;
      if (fi < m->n_funcs) {
        char *s = wasm_arena_alloc(d->a, (size_t)len + 1);
        if (!s) return;
        memcpy(s, r.p, len);
        names[fi] = s;
      }
      r.p += len;
    }
    m->func_names = names;
    return;
  }
}

static bool finish(dec *d) {
  wasm_module *m = d->m;
  if (!d->built[0]) TRY(build_funcs(d, 0));
  if (!d->built[1]) TRY(build_tables(d, 0, NULL));
  if (!d->built[2]) TRY(build_memories(d, 0, NULL));
  if (!d->built[3]) TRY(build_globals(d, 0, NULL));
  if (d->n_bodies != d->n_defined_funcs) {
    d->sec = SEC_CODE;
    return fail(d, d->r.p, "function and code section have inconsistent lengths");
  }
  if (m->has_data_count && d->data_count != m->n_datas) {
    d->sec = SEC_DATA;
    return fail(d, d->r.p, "data count and data section have inconsistent lengths");
  }
  for (uint32_t i = 0; i < d->n_bodies; i++) {
    wasm_func *f = &m->funcs[m->n_imported_funcs + i];
    const body *b = &d->bodies[i];
    f->n_local_runs = b->n_runs;
    f->local_runs = b->runs;
    f->n_locals = b->n_locals;
    f->body_offset = b->body_offset;
    f->code_start = b->code_start;
    f->code_end = b->code_end;
    if (f->type_index >= m->n_types) continue; /* invalid: the validator says so */
    const wasm_functype *t = &m->types[f->type_index];
    rusm_valtype *l = alloc(d, ((size_t)t->n_params + b->n_locals) * sizeof *l);
    if (!l) return false;
    if (t->n_params) memcpy(l, t->params, (size_t)t->n_params * sizeof *l);
    size_t k = t->n_params;
    for (uint32_t r = 0; r < b->n_runs; r++)
      for (uint32_t c = 0; c < b->runs[r].count; c++) l[k++] = b->runs[r].type;
    f->locals = l;
  }
  TRY(canonicalize_types(d));
  TRY(sort_exports(d));
  if (d->names) parse_names(d);
  return true;
}

static bool decode(dec *d) {
  wasm_reader *r = &d->r;
  static const uint8_t magic[4] = {0x00, 0x61, 0x73, 0x6d};
  if (wasm_rd_left(r) < 4) return fail(d, r->p, "unexpected end");
  if (memcmp(r->p, magic, 4) != 0) return fail(d, r->p, "magic header not detected");
  r->p += 4;
  if (wasm_rd_left(r) < 4) return fail(d, r->p, "unexpected end");
  if (memcmp(r->p, "\x01\x00\x00\x00", 4) != 0) return fail(d, r->p, "unknown binary version");
  r->p += 4;
  int last_rank = 0;
  while (r->p < r->end) {
    const uint8_t *at = r->p;
    uint8_t id = *r->p++;
    uint32_t size;
    d->sec = -1;
    if (id >= SEC_COUNT) return fail(d, at, "malformed section id");
    if (!wasm_rd_u32(r, &size)) {
      if (strcmp(r->err, WASM_ERR_EOF) == 0) r->err = "unexpected end";
      return false;
    }
    if (size > wasm_rd_left(r)) return fail(d, r->p, "length out of bounds");
    const uint8_t *sec_end = r->p + size;
    if (id != SEC_CUSTOM) {
      if (section_rank[id] <= last_rank)
        return fail(d, at, "unexpected content after last section");
      last_rank = section_rank[id];
    }
    d->sec = id;
    if (id != SEC_CUSTOM) d->m->section_offset[id] = (uint32_t)(at - r->base);
    TRY(section(d, id, sec_end));
    if (r->p != sec_end) return fail(d, r->p < sec_end ? r->p : sec_end, "section size mismatch");
  }
  d->sec = -1;
  return finish(d);
}

wasm_module *wasm_decode_module(const uint8_t *bytes, size_t len, rusm_error *o_err) {
  if (len > UINT32_MAX) {
    wasm_error(o_err, NULL, 0, "module too large");
    return NULL;
  }
  wasm_module *m = calloc(1, sizeof *m);
  wasm_arena *a = wasm_arena_new();
  uint8_t *copy = a ? wasm_arena_alloc_raw(a, len + 1) : NULL;
  if (!m || !copy) {
    free(m);
    wasm_arena_free(a);
    wasm_error(o_err, NULL, 0, "out of memory");
    return NULL;
  }
  if (len) memcpy(copy, bytes, len);
  copy[len] = 0;
  m->arena = a;
  m->bytes = copy;
  m->len = len;
  m->start = WASM_NONE;
  dec d = {.r = {copy, copy + len, copy, NULL, 0}, .m = m, .a = a, .sec = -1};
  if (!decode(&d)) {
    wasm_error(o_err, d.sec >= 0 ? section_name[d.sec] : NULL, d.r.err_at, "%s", d.r.err);
    /* The reference decodes bodies with the code section: a malformed body
    ** delimited before this error is what it would have reported. */
    for (uint32_t i = 0; i < d.n_bodies; i++)
      if (!wasm_scan_body(copy, len, d.bodies[i].code_start, d.bodies[i].code_end, o_err)) break;
    wasm_module_free(m);
    return NULL;
  }
  return m;
}

void wasm_module_free(wasm_module *m) {
  if (!m) return;
  wasm_arena_free(m->arena);
  free(m);
}

long wasm_module_find_export(const wasm_module *m, const char *name, size_t len) {
  size_t lo = 0, hi = m->n_exports;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    const wasm_name *x = &m->exports[m->export_by_name[mid]].name;
    int c = memcmp(x->str, name, x->len < len ? x->len : len);
    if (!c) c = x->len < len ? -1 : x->len > len;
    if (c == 0) return (long)m->export_by_name[mid];
    if (c < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return -1;
}

const char *wasm_module_func_name(const wasm_module *m, uint32_t func_index) {
  if (!m->func_names || func_index >= m->n_funcs) return NULL;
  return m->func_names[func_index];
}
