/*
** decode_leb.c: LEB128 and UTF-8 checks for the reader in leb.h.
**
** The checks mirror the reference interpreter byte for byte, so that a
** malformed integer gets the same message the spec tests expect: before each
** byte, "integer representation too long" if the maximum length is used up;
** in the last permitted byte, "integer too large" if bits beyond the width
** are set (unsigned) or do not sign-extend (signed).
*/
#include "leb.h"

static bool read_unsigned(wasm_reader *r, int bits, uint64_t *o) {
  uint64_t x = 0;
  for (int shift = 0, n = bits;; shift += 7, n -= 7) {
    if (n <= 0) return wasm_rd_fail(r, r->p, "integer representation too long");
    if (r->p >= r->end) return wasm_rd_fail(r, r->p, WASM_ERR_EOF);
    uint8_t b = *r->p++;
    if (n < 7 && (b & 0x7f) >= (1u << n)) return wasm_rd_fail(r, r->p - 1, "integer too large");
    x |= (uint64_t)(b & 0x7f) << shift;
    if (!(b & 0x80)) break;
  }
  *o = x;
  return true;
}

static bool read_signed(wasm_reader *r, int bits, int64_t *o) {
  uint64_t x = 0;
  for (int shift = 0, n = bits;; shift += 7, n -= 7) {
    if (n <= 0) return wasm_rd_fail(r, r->p, "integer representation too long");
    if (r->p >= r->end) return wasm_rd_fail(r, r->p, WASM_ERR_EOF);
    uint8_t b = *r->p++;
    if (n < 7) {
      uint8_t mask = (uint8_t)((0xffu << (n - 1)) & 0x7f);
      if ((b & mask) != 0 && (b & mask) != mask)
        return wasm_rd_fail(r, r->p - 1, "integer too large");
    }
    x |= (uint64_t)(b & 0x7f) << shift;
    if (!(b & 0x80)) {
      shift += 7;
      if (shift < 64 && (b & 0x40)) x |= ~(uint64_t)0 << shift;
      break;
    }
  }
  *o = (int64_t)x;
  return true;
}

bool wasm_rd_uN(wasm_reader *r, int bits, uint64_t *o) {
  return read_unsigned(r, bits, o);
}

bool wasm_rd_u32_slow(wasm_reader *r, uint32_t *o) {
  uint64_t x;
  if (!read_unsigned(r, 32, &x)) return false;
  *o = (uint32_t)x;
  return true;
}

bool wasm_rd_s32_slow(wasm_reader *r, int32_t *o) {
  /* Two or three bytes cover most constants in real code. */
  const uint8_t *p = r->p;
  if (r->end - p >= 3) {
    if (p[0] & 0x80 && !(p[1] & 0x80)) {
      uint32_t x = (p[0] & 0x7fu) | (p[1] & 0x7fu) << 7;
      if (p[1] & 0x40) x |= ~0u << 14;
      *o = (int32_t)x;
      r->p = p + 2;
      return true;
    }
    if (p[0] & 0x80 && p[1] & 0x80 && !(p[2] & 0x80)) {
      uint32_t x = (p[0] & 0x7fu) | (p[1] & 0x7fu) << 7 | (p[2] & 0x7fu) << 14;
      if (p[2] & 0x40) x |= ~0u << 21;
      *o = (int32_t)x;
      r->p = p + 3;
      return true;
    }
  }
  int64_t x;
  if (!read_signed(r, 32, &x)) return false;
  *o = (int32_t)x;
  return true;
}

bool wasm_rd_s33(wasm_reader *r, int64_t *o) {
  return read_signed(r, 33, o);
}
bool wasm_rd_s64(wasm_reader *r, int64_t *o) {
  return read_signed(r, 64, o);
}

bool wasm_rd_len(wasm_reader *r, uint32_t *o) {
  const uint8_t *at = r->p;
  if (!wasm_rd_u32(r, o)) return false;
  if (*o > (size_t)(r->end - at)) return wasm_rd_fail(r, at, "length out of bounds");
  return true;
}

bool wasm_utf8_valid(const uint8_t *s, size_t n) {
  size_t i = 0;
  while (i < n) {
    uint8_t c = s[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    uint32_t cp, min;
    size_t len;
    if ((c & 0xe0) == 0xc0)
      len = 2, cp = c & 0x1f, min = 0x80;
    else if ((c & 0xf0) == 0xe0)
      len = 3, cp = c & 0x0f, min = 0x800;
    else if ((c & 0xf8) == 0xf0)
      len = 4, cp = c & 0x07, min = 0x10000;
    else
      return false;
    if (n - i < len) return false;
    for (size_t k = 1; k < len; k++) {
      if ((s[i + k] & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (s[i + k] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += len;
  }
  return true;
}
