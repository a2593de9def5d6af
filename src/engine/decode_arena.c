/*
** decode_arena.c: the bump allocator behind a wasm_module. A module is
** built once and freed whole, so per-block frees would only cost time.
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"

typedef struct chunk {
  struct chunk *next;
  size_t used, cap;
  _Alignas(16) unsigned char data[];
} chunk;

struct wasm_arena {
  chunk *head;
};

wasm_arena *wasm_arena_new(void) {
  return calloc(1, sizeof(wasm_arena));
}

void wasm_arena_free(wasm_arena *a) {
  if (!a) return;
  for (chunk *c = a->head, *n; c; c = n) {
    n = c->next;
    free(c);
  }
  free(a);
}

static void *arena_take(wasm_arena *a, size_t size) {
  if (size > (SIZE_MAX >> 2)) return NULL;
  size = (size + 15) & ~(size_t)15;
  if (size == 0) size = 16;
  chunk *c = a->head;
  if (!c || c->cap - c->used < size) {
    size_t cap = size > 16384 ? size : 16384;
    c = malloc(sizeof(chunk) + cap);
    if (!c) return NULL;
    c->used = 0;
    c->cap = cap;
    if (a->head && size > 16384) {
      /* A big block gets its own chunk behind the current one, so the
      ** current chunk's free space is not wasted. */
      c->next = a->head->next;
      a->head->next = c;
    } else {
      c->next = a->head;
      a->head = c;
    }
  }
  void *p = c->data + c->used;
  c->used += size;
  return p;
}

void *wasm_arena_alloc(wasm_arena *a, size_t size) {
  void *p = arena_take(a, size);
  if (p) memset(p, 0, size);
  return p;
}

void *wasm_arena_alloc_raw(wasm_arena *a, size_t size) {
  return arena_take(a, size);
}
