/*
** wbuild.h: building small Wasm binaries byte by byte in tests.
**
** Sections are given as C string literals with \x escapes (as in the
** spec's `module binary` form); the builder writes the header, section ids
** and LEB128 sizes, so a test spells out only the bytes it is about.
*/
#ifndef RUSM_TESTS_WBUILD_H
#define RUSM_TESTS_WBUILD_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct wbuf {
  uint8_t b[16384];
  size_t n;
} wbuf;

static inline void wb_put(wbuf *w, const void *p, size_t n) {
  if (w->n + n > sizeof w->b) return;
  memcpy(w->b + w->n, p, n);
  w->n += n;
}

static inline void wb_leb(wbuf *w, uint32_t v) {
  do {
    uint8_t c = v & 0x7f;
    v >>= 7;
    if (v) c |= 0x80;
    wb_put(w, &c, 1);
  } while (v);
}

static inline void wb_init(wbuf *w) {
  w->n = 0;
  wb_put(w, "\0asm\1\0\0\0", 8);
}

static inline void wb_sec(wbuf *w, uint8_t id, const char *content, size_t n) {
  wb_put(w, &id, 1);
  wb_leb(w, (uint32_t)n);
  wb_put(w, content, n);
}
#define WB_SEC(w, id, lit) wb_sec(w, id, lit, sizeof(lit) - 1)

/* A code section with one body: no locals, then body (which must end with
** its own 0x0b). */
static inline void wb_code1(wbuf *w, const char *body, size_t n) {
  wbuf c = {.n = 0};
  wb_leb(&c, 1);
  wb_leb(&c, (uint32_t)n + 1);
  wb_put(&c, "\0", 1);
  wb_put(&c, body, n);
  wb_sec(w, 10, (const char *)c.b, c.n);
}

#endif
