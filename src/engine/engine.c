/*
** engine.c: rusm_module_load (decode + validate + translate), module
** queries, and trap names.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "error.h"
#include "instance.h"
#include "validate.h"

static const char *const k_trap_names[] = {
#define X(n, s) s,
    RUSM_TRAPS(X)
#undef X
};

const char *rusm_trap_name(rusm_trap_kind k) {
  if ((unsigned)k >= sizeof k_trap_names / sizeof k_trap_names[0]) return "unknown trap";
  return k_trap_names[k];
}

char *rusm_trap_format(const rusm_trap *t, char *buf, size_t cap) {
  const char *what =
      t->kind == RUSM_TRAP_HOST && t->host_msg[0] ? t->host_msg : rusm_trap_name(t->kind);
  if (t->func_name)
    snprintf(buf, cap, "%s in function %s", what, t->func_name);
  else if (t->func_index != UINT32_MAX)
    snprintf(buf, cap, "%s in function #%u", what, t->func_index);
  else
    snprintf(buf, cap, "%s", what);
  return buf;
}

/* Per function: the name section's name, else the first export's name. */
static bool build_names(rusm_module *mod) {
  const wasm_module *wm = mod->wm;
  mod->names = calloc(wm->n_funcs ? wm->n_funcs : 1, sizeof(char *));
  if (!mod->names) return false;
  for (uint32_t i = 0; i < wm->n_exports; i++) {
    const wasm_export *e = &wm->exports[i];
    if (e->kind == RUSM_EXTERN_FUNC && !mod->names[e->index]) mod->names[e->index] = e->name.str;
  }
  if (wm->func_names) {
    for (uint32_t i = 0; i < wm->n_funcs; i++)
      if (wm->func_names[i]) mod->names[i] = wm->func_names[i];
  }
  return true;
}

rusm_module *rusm_module_load(const uint8_t *bytes, size_t len, rusm_error *o_err) {
  rusm_error scratch;
  rusm_error *err = o_err ? o_err : &scratch;
  memset(err, 0, sizeof *err);
  wasm_module *wm = wasm_decode_module(bytes, len, err);
  if (!wm) return NULL;
  if (!wasm_validate_module_level(wm, err)) {
    wasm_module_free(wm);
    return NULL;
  }
  rusm_module *mod = calloc(1, sizeof *mod);
  if (!mod) {
    wasm_module_free(wm);
    wasm_error(err, NULL, 0, "out of memory");
    return NULL;
  }
  mod->wm = wm;
  mod->type_hash = malloc((wm->n_types ? wm->n_types : 1) * sizeof(uint64_t));
  if (!mod->type_hash || !build_names(mod)) {
    wasm_error(err, NULL, 0, "out of memory");
    rusm_module_free(mod);
    return NULL;
  }
  for (uint32_t i = 0; i < wm->n_types; i++) {
    const wasm_functype *t = &wm->types[i];
    mod->type_hash[i] = func_type_hash(t->params, t->n_params, t->results, t->n_results);
  }
  if (!cmp_translate_module(mod, err)) {
    rusm_module_free(mod);
    return NULL;
  }
  return mod;
}

void rusm_module_free(rusm_module *m) {
  if (!m) return;
  cmp_free_module(m);
  free(m->type_hash);
  free(m->names);
  wasm_module_free(m->wm);
  free(m);
}

static void extern_type(const wasm_module *wm, rusm_extern_kind kind, uint32_t index,
                        rusm_externtype *o) {
  memset(o, 0, sizeof *o);
  o->kind = kind;
  switch (kind) {
  case RUSM_EXTERN_FUNC: {
    const wasm_functype *t = wasm_module_func_type(wm, index);
    o->func.n_params = t->n_params;
    o->func.n_results = t->n_results;
    o->func.params = t->params;
    o->func.results = t->results;
    break;
  }
  case RUSM_EXTERN_TABLE:
    o->table.elem = wm->tables[index].elem;
    o->table.limits = wm->tables[index].limits;
    break;
  case RUSM_EXTERN_MEMORY: o->memory = wm->memories[index].limits; break;
  case RUSM_EXTERN_GLOBAL:
    o->global.type = wm->globals[index].type;
    o->global.mutable_ = wm->globals[index].mutable_;
    break;
  }
}

size_t rusm_module_import_count(const rusm_module *m) {
  return m->wm->n_imports;
}

void rusm_module_import(const rusm_module *m, size_t i, const char **o_module, const char **o_name,
                        rusm_externtype *o_type) {
  const wasm_import *im = &m->wm->imports[i];
  if (o_module) *o_module = im->module.str;
  if (o_name) *o_name = im->name.str;
  if (o_type) extern_type(m->wm, im->kind, im->index, o_type);
}

size_t rusm_module_export_count(const rusm_module *m) {
  return m->wm->n_exports;
}

void rusm_module_export(const rusm_module *m, size_t i, const char **o_name,
                        rusm_externtype *o_type) {
  const wasm_export *e = &m->wm->exports[i];
  if (o_name) *o_name = e->name.str;
  if (o_type) extern_type(m->wm, e->kind, e->index, o_type);
}

long rusm_module_find_export(const rusm_module *m, const char *name) {
  return wasm_module_find_export(m->wm, name, strlen(name));
}
