/*
** exec_util.h: helpers for the engine back-half tests: load a .wasm built
** from tests/engine/wat at build time, instantiate without imports, call
** an export by name.
*/
#ifndef RUSM_TESTS_EXEC_UTIL_H
#define RUSM_TESTS_EXEC_UTIL_H

#include <stdio.h>
#include <stdlib.h>

#include "rusm/engine.h"

#ifndef WASM_DIR
#error "WASM_DIR must name the folder of the built .wasm files"
#endif

/* Loads WASM_DIR/<name>.wasm; NULL (and a message on stderr) on failure. */
static inline rusm_module *eu_load(const char *name) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s.wasm", WASM_DIR, name);
  FILE *f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "  cannot open %s\n", path);
    return NULL;
  }
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  uint8_t *b = malloc((size_t)n);
  size_t got = b ? fread(b, 1, (size_t)n, f) : 0;
  fclose(f);
  rusm_error err;
  rusm_module *m = got == (size_t)n ? rusm_module_load(b, (size_t)n, &err) : NULL;
  if (!m) fprintf(stderr, "  load %s: %s at %zu: %s\n", name, err.section, err.offset, err.reason);
  free(b);
  return m;
}

/* The export's function (borrowed), or NULL. */
static inline rusm_func *eu_func(rusm_instance *inst, const char *name) {
  rusm_extern e;
  if (!rusm_instance_export(inst, name, &e) || e.kind != RUSM_EXTERN_FUNC) return NULL;
  return e.u.func;
}

/* Calls export `name` with up to 3 i32/i64 args (as given) to completion;
** returns the status, result 0 in *o. */
static inline rusm_exec_status eu_call(rusm_instance *inst, const char *name, const rusm_val *args,
                                       rusm_val *o) {
  rusm_func *f = eu_func(inst, name);
  if (!f) return RUSM_EXEC_TRAP;
  rusm_exec_status s = rusm_invoke(inst, f, args, UINT32_MAX);
  if (s == RUSM_EXEC_DONE && o) rusm_results(inst, o);
  return s;
}

static inline int32_t eu_i32(rusm_instance *inst, const char *name, int32_t a) {
  rusm_val arg = {.i32 = a}, r = {0};
  if (eu_call(inst, name, &arg, &r) != RUSM_EXEC_DONE) return INT32_MIN;
  return r.i32;
}

#endif
