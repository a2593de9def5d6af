/*
** func.c: function objects (host functions and an instance's Wasm
** functions) and function-type identity across modules.
*/
#include <stdlib.h>
#include <string.h>

#include "instance.h"

uint32_t func_slots(const rusm_valtype *t, uint32_t n) {
  uint32_t s = 0;
  for (uint32_t i = 0; i < n; i++) s += t[i] == RUSM_V128 ? 2 : 1;
  return s;
}

/* FNV-1a over the signature: a cheap first test before the structural one. */
uint64_t func_type_hash(const rusm_valtype *p, uint32_t np, const rusm_valtype *r, uint32_t nr) {
  uint64_t h = 1469598103934665603ull;
  for (uint32_t i = 0; i < np; i++) h = (h ^ (uint8_t)p[i]) * 1099511628211ull;
  h = (h ^ 0x40) * 1099511628211ull;
  for (uint32_t i = 0; i < nr; i++) h = (h ^ (uint8_t)r[i]) * 1099511628211ull;
  return h;
}

bool func_type_eq(const rusm_functype *a, const rusm_functype *b) {
  if (a->n_params != b->n_params || a->n_results != b->n_results) return false;
  for (uint32_t i = 0; i < a->n_params; i++)
    if (a->params[i] != b->params[i]) return false;
  for (uint32_t i = 0; i < a->n_results; i++)
    if (a->results[i] != b->results[i]) return false;
  return true;
}

void func_init_wasm(rusm_func *f, rusm_instance *inst, const cmp_func *code) {
  const wasm_functype *t = &inst->wm->types[code->type_index];
  memset(f, 0, sizeof *f);
  f->kind = FUNC_WASM;
  f->type.n_params = t->n_params;
  f->type.n_results = t->n_results;
  f->type.params = t->params;
  f->type.results = t->results;
  f->type_hash = inst->mod->type_hash[code->type_index];
  f->n_param_slots = code->n_param_slots;
  f->n_result_slots = code->n_result_slots;
  f->inst = inst;
  f->code = code;
}

rusm_func *rusm_func_new_host(const rusm_functype *type, rusm_host_fn fn, void *env) {
  rusm_func *f = calloc(1, sizeof *f);
  if (!f) return NULL;
  size_t n = (size_t)type->n_params + type->n_results;
  rusm_valtype *tv = malloc((n ? n : 1) * sizeof(rusm_valtype));
  if (!tv) {
    free(f);
    return NULL;
  }
  if (type->n_params) memcpy(tv, type->params, type->n_params * sizeof(rusm_valtype));
  if (type->n_results)
    memcpy(tv + type->n_params, type->results, type->n_results * sizeof(rusm_valtype));
  f->kind = FUNC_HOST;
  f->type.n_params = type->n_params;
  f->type.n_results = type->n_results;
  f->type.params = tv;
  f->type.results = tv + type->n_params;
  f->type_hash = func_type_hash(tv, type->n_params, tv + type->n_params, type->n_results);
  f->n_param_slots = func_slots(tv, type->n_params);
  f->n_result_slots = func_slots(tv + type->n_params, type->n_results);
  f->fn = fn;
  f->env = env;
  return f;
}

void rusm_func_free(rusm_func *f) {
  if (!f || f->kind != FUNC_HOST) return;
  free((void *)f->type.params);
  free(f);
}

void rusm_func_type(const rusm_func *f, rusm_functype *o_type) {
  *o_type = f->type;
}
