/*
** fuzz_driver.c: drives a module through load, prepare, instantiate and
** execution with dummy imports (see fuzz_driver.h).
**
** Limits keep one input cheap: imported memories are refused above 64
** pages, instances are capped at 16 MiB and 256 frames, and every call gets
** a few small budget slices, so infinite loops end in YIELD and are dropped.
*/
#include "fuzz_driver.h"

#include <stdlib.h>
#include <string.h>

#include "rusm/engine.h"

#define FUZZ_BUDGET 20000u
#define FUZZ_SLICES 4
#define FUZZ_MAX_IMPORT_PAGES 64
#define FUZZ_MAX_EXPORT_CALLS 64

typedef struct {
  uint32_t n_results;
} fuzz_host_env;

static rusm_host_status zero_results(rusm_call *call, void *env, const rusm_val *args,
                                     rusm_val *o_results) {
  const fuzz_host_env *e = env;
  memset(o_results, 0, e->n_results * sizeof *o_results);
  return RUSM_HOST_OK;
}

/* Everything made for the imports, freed after the module. */
typedef struct {
  rusm_extern *ext;
  fuzz_host_env *envs;
  size_t n;
} fuzz_imports;

static void imports_free(fuzz_imports *im) {
  for (size_t i = 0; i < im->n; i++) {
    rusm_extern *e = &im->ext[i];
    switch (e->kind) {
    case RUSM_EXTERN_FUNC:
      if (e->u.func) rusm_func_free(e->u.func);
      break;
    case RUSM_EXTERN_TABLE:
      if (e->u.table) rusm_table_free(e->u.table);
      break;
    case RUSM_EXTERN_MEMORY:
      if (e->u.memory) rusm_memory_free(e->u.memory);
      break;
    case RUSM_EXTERN_GLOBAL:
      if (e->u.global) rusm_global_free(e->u.global);
      break;
    }
  }
  free(im->ext);
  free(im->envs);
}

static bool imports_make(rusm_module *m, fuzz_imports *im) {
  size_t n = rusm_module_import_count(m);
  im->ext = calloc(n ? n : 1, sizeof *im->ext);
  im->envs = calloc(n ? n : 1, sizeof *im->envs);
  if (!im->ext || !im->envs) return false;
  for (size_t i = 0; i < n; i++) {
    const char *mod, *name;
    rusm_externtype t;
    rusm_module_import(m, i, &mod, &name, &t);
    rusm_extern *e = &im->ext[i];
    e->kind = t.kind;
    im->n = i + 1;
    rusm_val zero;
    memset(&zero, 0, sizeof zero);
    switch (t.kind) {
    case RUSM_EXTERN_FUNC:
      im->envs[i].n_results = t.func.n_results;
      e->u.func = rusm_func_new_host(&t.func, zero_results, &im->envs[i]);
      if (!e->u.func) return false;
      break;
    case RUSM_EXTERN_TABLE:
      if (t.table.limits.min > 100000) return false;
      e->u.table = rusm_table_new(t.table.elem, t.table.limits);
      if (!e->u.table) return false;
      break;
    case RUSM_EXTERN_MEMORY:
      if (t.memory.min > FUZZ_MAX_IMPORT_PAGES) return false;
      e->u.memory = rusm_memory_new(t.memory);
      if (!e->u.memory) return false;
      break;
    case RUSM_EXTERN_GLOBAL:
      e->u.global = rusm_global_new(t.global.type, t.global.mutable_, zero);
      if (!e->u.global) return false;
      break;
    }
  }
  return true;
}

/* Calls every exported function of inst that takes no more than 16 params
** with zeros, results read back into a buffer large enough for them. */
static void call_exports(rusm_instance *inst, const rusm_module *m) {
  size_t n = rusm_module_export_count(m), calls = 0;
  for (size_t i = 0; i < n && calls < FUZZ_MAX_EXPORT_CALLS; i++) {
    const char *name;
    rusm_externtype t;
    rusm_module_export(m, i, &name, &t);
    if (t.kind != RUSM_EXTERN_FUNC) continue;
    rusm_extern ext;
    if (!rusm_instance_export(inst, name, &ext) || ext.kind != RUSM_EXTERN_FUNC) continue;
    rusm_functype ft;
    rusm_func_type(ext.u.func, &ft);
    rusm_val *args = calloc(ft.n_params + 1, sizeof *args);
    rusm_val *results = calloc(ft.n_results + 1, sizeof *results);
    if (args && results) {
      rusm_exec_status st = rusm_invoke(inst, ext.u.func, args, FUZZ_BUDGET);
      for (int s = 0; s < FUZZ_SLICES && st == RUSM_EXEC_YIELD; s++)
        st = rusm_continue(inst, FUZZ_BUDGET);
      if (st == RUSM_EXEC_DONE)
        rusm_results(inst, results);
      else if (st == RUSM_EXEC_TRAP) {
        char buf[256];
        rusm_trap_format(rusm_last_trap(inst), buf, sizeof buf);
      }
      calls++;
      if (st == RUSM_EXEC_YIELD || st == RUSM_EXEC_SUSPEND) {
        free(args);
        free(results);
        break;
      }
    }
    free(args);
    free(results);
    /* A call still in YIELD is abandoned with its instance, as a killed
    ** process would be; the API does not promise a new invoke meanwhile. */
    if (!args || !results) break;
  }
}

int fuzz_run_module(const uint8_t *bytes, size_t len) {
  rusm_error err;
  rusm_module *m = rusm_module_load(bytes, len, &err);
  if (!m) return 0;
  int reached = 1;
  fuzz_imports im = {0};
  if (imports_make(m, &im)) {
    rusm_prepared *p = rusm_prepare(m, im.ext, im.n, &err);
    if (p) {
      reached = 2;
      rusm_instance_config cfg = {.max_memory_bytes = 16u << 20, .max_call_depth = 256};
      rusm_instance *inst = rusm_instantiate(p, &cfg, &err);
      if (inst) {
        reached = 3;
        rusm_exec_status st = rusm_run_start(inst, FUZZ_BUDGET);
        for (int s = 0; s < FUZZ_SLICES && st == RUSM_EXEC_YIELD; s++)
          st = rusm_continue(inst, FUZZ_BUDGET);
        if (st == RUSM_EXEC_DONE) {
          reached = 4;
          call_exports(inst, m);
        }
        rusm_instance_free(inst);
      }
      rusm_prepared_free(p);
    }
  }
  imports_free(&im);
  rusm_module_free(m);
  return reached;
}
