/*
** validate_module.c: module-level validation (everything but instruction
** sequences): index spaces, limits, constant expressions, exports, start,
** segments, and the set of functions ref.func may name (C.refs).
*/
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "decode.h"
#include "error.h"
#include "validate.h"

#define TRY(x)                                                                                     \
  do {                                                                                             \
    if (!(x)) return false;                                                                        \
  } while (0)

#define MAX_PAGES 65536u

typedef struct mv {
  wasm_module *m;
  rusm_error *err;
} mv;

static bool merr(mv *v, const char *sec, size_t at, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static bool merr(mv *v, const char *sec, size_t at, const char *fmt, ...) {
  char buf[160];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  return wasm_error(v->err, sec, at, "%s", buf);
}

/* Where a module-level error points: the section's id byte. */
static size_t sec_at(const mv *v, int id) {
  return v->m->section_offset[id];
}

enum { S_IMPORT = 2, S_FUNCTION = 3, S_TABLE = 4, S_MEMORY = 5, S_EXPORT = 7, S_START = 8 };

static bool table_limits(mv *v, const char *sec, const rusm_limits *l) {
  size_t at = sec_at(v, strcmp(sec, "import") == 0 ? S_IMPORT : S_TABLE);
  if (l->max != UINT64_MAX && l->min > l->max)
    return merr(v, sec, at, "size minimum must not be greater than maximum");
  return true;
}

static bool memory_limits(mv *v, const char *sec, const rusm_limits *l) {
  size_t at = sec_at(v, strcmp(sec, "import") == 0 ? S_IMPORT : S_MEMORY);
  if (l->min > MAX_PAGES || (l->max != UINT64_MAX && l->max > MAX_PAGES))
    return merr(v, sec, at, "memory size must be at most 65536 pages (4GiB)");
  if (l->max != UINT64_MAX && l->min > l->max)
    return merr(v, sec, at, "size minimum must not be greater than maximum");
  return true;
}

/* Types a constant expression against `want`. n_globals: how many globals
** it may read (in 2.0, only imported ones, for every constant expression). */
static bool const_expr(mv *v, const char *sec, wasm_constexpr *ce, rusm_valtype want,
                       uint32_t n_globals) {
  const wasm_module *m = v->m;
  switch (ce->kind) {
  case WASM_CONST_NONCONST: return merr(v, sec, ce->offset, "constant expression required");
  case WASM_CONST_ARITY: return merr(v, sec, ce->offset, "type mismatch");
  case WASM_CONST_GLOBAL_GET:
    if (ce->index >= n_globals) return merr(v, sec, ce->offset, "unknown global %u", ce->index);
    if (m->globals[ce->index].mutable_)
      return merr(v, sec, ce->offset, "constant expression required");
    ce->type = m->globals[ce->index].type;
    break;
  case WASM_CONST_REF_FUNC:
    if (ce->index >= m->n_funcs) return merr(v, sec, ce->offset, "unknown function %u", ce->index);
    break;
  default: break;
  }
  if (ce->type != want) return merr(v, sec, ce->offset, "type mismatch");
  return true;
}

static bool func_type_ok(mv *v, const char *sec, uint32_t type_index) {
  size_t at = sec_at(v, strcmp(sec, "import") == 0 ? S_IMPORT : S_FUNCTION);
  if (type_index >= v->m->n_types) return merr(v, sec, at, "unknown type %u", type_index);
  return true;
}

/* C.refs: functions named by ref.func outside function bodies or exported. */
static void declare_refs(wasm_module *m) {
  for (uint32_t i = 0; i < m->n_globals; i++) {
    const wasm_constexpr *ce = &m->globals[i].init;
    if (m->globals[i].import == WASM_NONE && ce->kind == WASM_CONST_REF_FUNC &&
        ce->index < m->n_funcs)
      m->funcs[ce->index].declared = true;
  }
  for (uint32_t i = 0; i < m->n_elems; i++)
    for (uint32_t k = 0; k < m->elems[i].n_items; k++) {
      const wasm_constexpr *ce = &m->elems[i].items[k];
      if (ce->kind == WASM_CONST_REF_FUNC && ce->index < m->n_funcs)
        m->funcs[ce->index].declared = true;
    }
  for (uint32_t i = 0; i < m->n_exports; i++)
    if (m->exports[i].kind == RUSM_EXTERN_FUNC && m->exports[i].index < m->n_funcs)
      m->funcs[m->exports[i].index].declared = true;
}

bool wasm_validate_module_level(wasm_module *m, rusm_error *o_err) {
  mv v = {m, o_err};
  for (uint32_t i = 0; i < m->n_funcs; i++)
    TRY(func_type_ok(&v, i < m->n_imported_funcs ? "import" : "function", m->funcs[i].type_index));
  for (uint32_t i = 0; i < m->n_tables; i++)
    TRY(table_limits(&v, m->tables[i].import == WASM_NONE ? "table" : "import",
                     &m->tables[i].limits));
  if (m->n_memories > 1) return merr(&v, "memory", sec_at(&v, S_MEMORY), "multiple memories");
  for (uint32_t i = 0; i < m->n_memories; i++)
    TRY(memory_limits(&v, m->memories[i].import == WASM_NONE ? "memory" : "import",
                      &m->memories[i].limits));
  for (uint32_t i = m->n_imported_globals; i < m->n_globals; i++) {
    wasm_global *g = (wasm_global *)&m->globals[i];
    TRY(const_expr(&v, "global", &g->init, g->type, m->n_imported_globals));
  }
  for (uint32_t i = 0; i < m->n_elems; i++) {
    wasm_elem *e = (wasm_elem *)&m->elems[i];
    if (e->mode == WASM_SEG_ACTIVE) {
      if (e->table >= m->n_tables)
        return merr(&v, "elem", e->offset_in_binary, "unknown table %u", e->table);
      TRY(const_expr(&v, "elem", &e->offset, RUSM_I32, m->n_imported_globals));
      if (m->tables[e->table].elem != e->type)
        return merr(&v, "elem", e->offset_in_binary, "type mismatch");
    }
    for (uint32_t k = 0; k < e->n_items; k++)
      TRY(const_expr(&v, "elem", (wasm_constexpr *)&e->items[k], e->type, m->n_imported_globals));
  }
  for (uint32_t i = 0; i < m->n_datas; i++) {
    wasm_data *d = (wasm_data *)&m->datas[i];
    if (d->mode != WASM_SEG_ACTIVE) continue;
    if (d->memory >= m->n_memories)
      return merr(&v, "data", d->offset.offset, "unknown memory %u", d->memory);
    TRY(const_expr(&v, "data", &d->offset, RUSM_I32, m->n_imported_globals));
  }
  if (m->start != WASM_NONE) {
    size_t at = sec_at(&v, S_START);
    if (m->start >= m->n_funcs) return merr(&v, "start", at, "unknown function %u", m->start);
    const wasm_functype *ft = wasm_module_func_type(m, m->start);
    if (ft->n_params || ft->n_results) return merr(&v, "start", at, "start function");
  }
  static const char *const kind_name[] = {"function", "table", "memory", "global"};
  for (uint32_t i = 0; i < m->n_exports; i++) {
    const wasm_export *e = &m->exports[i];
    uint32_t n = e->kind == RUSM_EXTERN_FUNC     ? m->n_funcs
                 : e->kind == RUSM_EXTERN_TABLE  ? m->n_tables
                 : e->kind == RUSM_EXTERN_MEMORY ? m->n_memories
                                                 : m->n_globals;
    if (e->index >= n)
      return merr(&v, "export", sec_at(&v, S_EXPORT), "unknown %s %u", kind_name[e->kind],
                  e->index);
  }
  for (uint32_t i = 1; i < m->n_exports; i++) {
    const wasm_name *a = &m->exports[m->export_by_name[i - 1]].name;
    const wasm_name *b = &m->exports[m->export_by_name[i]].name;
    if (a->len == b->len && memcmp(a->str, b->str, a->len) == 0)
      return merr(&v, "export", sec_at(&v, S_EXPORT), "duplicate export name");
  }
  declare_refs(m);
  return true;
}

void wasm_refine_error(const wasm_module *m, rusm_error *io_err) {
  for (uint32_t i = m->n_imported_funcs; i < m->n_funcs; i++)
    if (!wasm_scan_body(m->bytes, m->len, m->funcs[i].code_start, m->funcs[i].code_end, io_err))
      return;
}

bool wasm_validate_module(wasm_module *m, rusm_error *o_err) {
  bool ok = wasm_validate_module_level(m, o_err);
  if (ok && m->n_funcs > m->n_imported_funcs) {
    wasm_fv *v = wasm_fv_new(m);
    if (!v) return wasm_error(o_err, "code", 0, "out of memory");
    for (uint32_t i = m->n_imported_funcs; ok && i < m->n_funcs; i++)
      ok = wasm_validate_func(v, i, o_err);
    wasm_fv_free(v);
  }
  if (!ok) wasm_refine_error(m, o_err);
  return ok;
}
