/*
** spectest.c: the spectest host module (see spectest.h).
**
** The print functions print nothing: scripts only need them to exist with
** the right types, and silent output keeps failure lines readable.
*/
#include "spectest.h"

#include <stdlib.h>
#include <string.h>

/* The print functions, defined once: name, parameter types. */
#define SPECTEST_PRINTS(X)                                                                         \
  X(print, 0, {0})                                                                                 \
  X(print_i32, 1, {RUSM_I32})                                                                      \
  X(print_i64, 1, {RUSM_I64})                                                                      \
  X(print_f32, 1, {RUSM_F32})                                                                      \
  X(print_f64, 1, {RUSM_F64})                                                                      \
  X(print_i32_f32, 2, {RUSM_I32 COMMA RUSM_F32})                                                   \
  X(print_f64_f64, 2, {RUSM_F64 COMMA RUSM_F64})

#define COMMA ,

enum {
#define X(name, n, ptypes) SPECTEST_##name,
  SPECTEST_PRINTS(X)
#undef X
      SPECTEST_N_PRINTS
};

static const char *const print_names[] = {
#define X(name, n, ptypes) #name,
    SPECTEST_PRINTS(X)
#undef X
};

struct spectest {
  rusm_func *prints[SPECTEST_N_PRINTS];
  rusm_global *global_i32, *global_i64, *global_f32, *global_f64;
  rusm_table *table;
  rusm_memory *memory;
};

static rusm_host_status print_fn(rusm_call *call, void *env, const rusm_val *args,
                                 rusm_val *o_results) {
  return RUSM_HOST_OK;
}

spectest *spectest_new(void) {
  spectest *s = calloc(1, sizeof *s);
  if (!s) return NULL;
  bool ok = true;
#define X(name, n, ptypes)                                                                         \
  {                                                                                                \
    static const rusm_valtype p[] = ptypes;                                                        \
    rusm_functype ft = {.n_params = n, .params = p};                                               \
    s->prints[SPECTEST_##name] = rusm_func_new_host(&ft, print_fn, NULL);                          \
    ok = ok && s->prints[SPECTEST_##name];                                                         \
  }
  SPECTEST_PRINTS(X)
#undef X
  float f32 = 666.6f;
  double f64 = 666.6;
  rusm_val v;
  memset(&v, 0, sizeof v);
  v.i32 = 666;
  s->global_i32 = rusm_global_new(RUSM_I32, false, v);
  v.i64 = 666;
  s->global_i64 = rusm_global_new(RUSM_I64, false, v);
  memset(&v, 0, sizeof v);
  memcpy(&v.f32_bits, &f32, sizeof f32);
  s->global_f32 = rusm_global_new(RUSM_F32, false, v);
  memcpy(&v.f64_bits, &f64, sizeof f64);
  s->global_f64 = rusm_global_new(RUSM_F64, false, v);
  s->table = rusm_table_new(RUSM_FUNCREF, (rusm_limits){10, 20});
  s->memory = rusm_memory_new((rusm_limits){1, 2});
  ok = ok && s->global_i32 && s->global_i64 && s->global_f32 && s->global_f64 && s->table &&
       s->memory;
  if (!ok) {
    spectest_free(s);
    return NULL;
  }
  return s;
}

void spectest_free(spectest *s) {
  if (!s) return;
  for (int i = 0; i < SPECTEST_N_PRINTS; i++)
    if (s->prints[i]) rusm_func_free(s->prints[i]);
  if (s->global_i32) rusm_global_free(s->global_i32);
  if (s->global_i64) rusm_global_free(s->global_i64);
  if (s->global_f32) rusm_global_free(s->global_f32);
  if (s->global_f64) rusm_global_free(s->global_f64);
  if (s->table) rusm_table_free(s->table);
  if (s->memory) rusm_memory_free(s->memory);
  free(s);
}

bool spectest_lookup(spectest *s, const char *name, rusm_extern *o_ext) {
  for (int i = 0; i < SPECTEST_N_PRINTS; i++)
    if (strcmp(name, print_names[i]) == 0) {
      o_ext->kind = RUSM_EXTERN_FUNC;
      o_ext->u.func = s->prints[i];
      return true;
    }
  static const char *const global_names[] = {"global_i32", "global_i64", "global_f32",
                                             "global_f64"};
  rusm_global *globals[] = {s->global_i32, s->global_i64, s->global_f32, s->global_f64};
  for (int i = 0; i < 4; i++)
    if (strcmp(name, global_names[i]) == 0) {
      o_ext->kind = RUSM_EXTERN_GLOBAL;
      o_ext->u.global = globals[i];
      return true;
    }
  if (strcmp(name, "table") == 0) {
    o_ext->kind = RUSM_EXTERN_TABLE;
    o_ext->u.table = s->table;
    return true;
  }
  if (strcmp(name, "memory") == 0) {
    o_ext->kind = RUSM_EXTERN_MEMORY;
    o_ext->u.memory = s->memory;
    return true;
  }
  return false;
}
