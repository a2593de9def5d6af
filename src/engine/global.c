/*
** global.c: global cells. A global's value is kept in slot form (what the
** interpreter moves); rusm_val is the API's form.
*/
#include <stdlib.h>
#include <string.h>

#include "instance.h"

void glob_to_slots(rusm_valtype t, const rusm_val *v, uint64_t *slots) {
  switch (t) {
  case RUSM_I32: slots[0] = (uint32_t)v->i32; break;
  case RUSM_I64: slots[0] = (uint64_t)v->i64; break;
  case RUSM_F32: slots[0] = v->f32_bits; break;
  case RUSM_F64: slots[0] = v->f64_bits; break;
  case RUSM_V128:
    slots[0] = v->v128[0];
    slots[1] = v->v128[1];
    break;
  default: slots[0] = (uint64_t)(uintptr_t)v->ref; break;
  }
}

void glob_from_slots(rusm_valtype t, const uint64_t *slots, rusm_val *v) {
  memset(v, 0, sizeof *v);
  switch (t) {
  case RUSM_I32: v->i32 = (int32_t)(uint32_t)slots[0]; break;
  case RUSM_I64: v->i64 = (int64_t)slots[0]; break;
  case RUSM_F32: v->f32_bits = (uint32_t)slots[0]; break;
  case RUSM_F64: v->f64_bits = slots[0]; break;
  case RUSM_V128:
    v->v128[0] = slots[0];
    v->v128[1] = slots[1];
    break;
  default: v->ref = (void *)(uintptr_t)slots[0]; break;
  }
}

rusm_global *rusm_global_new(rusm_valtype type, bool mutable_, rusm_val init) {
  rusm_global *g = calloc(1, sizeof *g);
  if (!g) return NULL;
  g->type = type;
  g->mutable_ = mutable_;
  glob_to_slots(type, &init, g->v);
  return g;
}

void rusm_global_free(rusm_global *g) {
  free(g);
}

rusm_val rusm_global_get(const rusm_global *g) {
  rusm_val v;
  glob_from_slots(g->type, g->v, &v);
  return v;
}
