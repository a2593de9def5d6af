/*
** table.c: tables of references (funcref elements are rusm_func*,
** externref elements the embedder's pointers; NULL is the null reference).
*/
#include <stdlib.h>
#include <string.h>

#include "instance.h"

#define MAX_TABLE 10000000u /* elements: a sane bound, like other engines */

bool tab_init(rusm_table *t, rusm_valtype elem, uint64_t min, uint64_t max) {
  memset(t, 0, sizeof *t);
  t->elem = elem;
  t->max = max;
  if (min > MAX_TABLE) return false;
  if (min) {
    t->elems = calloc(min, sizeof(void *));
    if (!t->elems) return false;
  }
  t->size = t->cap = (uint32_t)min;
  return true;
}

int64_t tab_grow(rusm_table *t, uint64_t delta, void *init) {
  uint64_t old = t->size, n = old + delta;
  if (n > t->max || n > MAX_TABLE) return -1;
  if (n > t->cap) {
    uint64_t nc = t->cap * 2 > n ? t->cap * 2 : n;
    if (nc > MAX_TABLE) nc = n;
    void **ne = realloc(t->elems, nc * sizeof(void *));
    if (!ne) return -1;
    t->elems = ne;
    t->cap = (uint32_t)nc;
  }
  for (uint64_t i = old; i < n; i++) t->elems[i] = init;
  t->size = (uint32_t)n;
  return (int64_t)old;
}

void tab_release(rusm_table *t) {
  free(t->elems);
  memset(t, 0, sizeof *t);
}

rusm_table *rusm_table_new(rusm_valtype elem, rusm_limits limits) {
  rusm_table *t = malloc(sizeof *t);
  if (!t) return NULL;
  if (!tab_init(t, elem, limits.min, limits.max)) {
    free(t);
    return NULL;
  }
  return t;
}

void rusm_table_free(rusm_table *t) {
  if (!t) return;
  tab_release(t);
  free(t);
}
