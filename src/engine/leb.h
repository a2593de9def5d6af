/*
** leb.h: a bounds-checked byte reader for the binary format (LEB128, fixed
** width, names), shared by the decoder and the validator.
**
** A reader never reads past `end`. Each function returns false on failure
** and records the first error (a static spec-wording string and the offset)
** in the reader; later calls keep the first error. LEB128 rules follow the
** reference interpreter: a byte that leaves unused bits set is "integer too
** large", a byte past the maximum length is "integer representation too
** long", running out of input is "unexpected end of section or function".
*/
#ifndef RUSM_ENGINE_LEB_H
#define RUSM_ENGINE_LEB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define WASM_ERR_EOF "unexpected end of section or function"

typedef struct wasm_reader {
  const uint8_t *p, *end; /* cursor and limit */
  const uint8_t *base;    /* start of the binary, for offsets */
  const char *err;        /* first error (static string), NULL if none */
  size_t err_at;          /* its offset from base */
} wasm_reader;

static inline bool wasm_rd_fail(wasm_reader *r, const uint8_t *at, const char *msg) {
  if (!r->err) {
    r->err = msg;
    r->err_at = (size_t)(at - r->base);
  }
  return false;
}

static inline size_t wasm_rd_left(const wasm_reader *r) {
  return (size_t)(r->end - r->p);
}
static inline size_t wasm_rd_pos(const wasm_reader *r) {
  return (size_t)(r->p - r->base);
}

static inline bool wasm_rd_u8(wasm_reader *r, uint8_t *o) {
  if (r->p >= r->end) return wasm_rd_fail(r, r->p, WASM_ERR_EOF);
  *o = *r->p++;
  return true;
}

/* An unsigned LEB128 of at most `bits` bits (1..64). */
bool wasm_rd_uN(wasm_reader *r, int bits, uint64_t *o);
bool wasm_rd_u32_slow(wasm_reader *r, uint32_t *o);
bool wasm_rd_s32_slow(wasm_reader *r, int32_t *o);
bool wasm_rd_s33(wasm_reader *r, int64_t *o);
bool wasm_rd_s64(wasm_reader *r, int64_t *o);

static inline bool wasm_rd_u32(wasm_reader *r, uint32_t *o) {
  if (r->p < r->end && *r->p < 0x80) {
    *o = *r->p++;
    return true;
  }
  return wasm_rd_u32_slow(r, o);
}

static inline bool wasm_rd_s32(wasm_reader *r, int32_t *o) {
  if (r->p < r->end && *r->p < 0x40) {
    *o = *r->p++;
    return true;
  }
  return wasm_rd_s32_slow(r, o);
}

static inline bool wasm_rd_bytes(wasm_reader *r, void *o, size_t n) {
  if (wasm_rd_left(r) < n) return wasm_rd_fail(r, r->p, WASM_ERR_EOF);
  memcpy(o, r->p, n);
  r->p += n;
  return true;
}

/* A u32 length or vector count that must not exceed the bytes left, counted
** from the start of its own LEB128 (the reference interpreter's rule):
** "length out of bounds" otherwise. Every element takes at least one byte,
** so this keeps every allocation proportional to the input. */
bool wasm_rd_len(wasm_reader *r, uint32_t *o);

/* true if s[0..n) is well-formed UTF-8 (no overlongs, surrogates or code
** points above U+10FFFF). */
bool wasm_utf8_valid(const uint8_t *s, size_t n);

#endif
