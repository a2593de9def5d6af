/*
** wast_value.c: parsing and matching of script values (see wast_value.h).
*/
#include "wast_value.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Indexed by wast_lane; WAST_LANE_NONE (a v128 parse always replaces it) has
** no lanes. */
static const struct {
  const char *name;
  unsigned count, bits;
} lane_shapes[] = {
    [WAST_LANE_NONE] = {"?", 0, 0},   [WAST_LANE_I8] = {"i8", 16, 8},
    [WAST_LANE_I16] = {"i16", 8, 16}, [WAST_LANE_I32] = {"i32", 4, 32},
    [WAST_LANE_I64] = {"i64", 2, 64}, [WAST_LANE_F32] = {"f32", 4, 32},
    [WAST_LANE_F64] = {"f64", 2, 64},
};

const char *wast_valtype_name(rusm_valtype t) {
  switch (t) {
  case RUSM_I32: return "i32";
  case RUSM_I64: return "i64";
  case RUSM_F32: return "f32";
  case RUSM_F64: return "f64";
  case RUSM_V128: return "v128";
  case RUSM_FUNCREF: return "funcref";
  case RUSM_EXTERNREF: return "externref";
  }
  return "?";
}

static bool parse_type(const char *s, rusm_valtype *o) {
  static const rusm_valtype all[] = {RUSM_I32,  RUSM_I64,     RUSM_F32,      RUSM_F64,
                                     RUSM_V128, RUSM_FUNCREF, RUSM_EXTERNREF};
  for (size_t i = 0; s && i < sizeof all / sizeof all[0]; i++)
    if (strcmp(s, wast_valtype_name(all[i])) == 0) {
      *o = all[i];
      return true;
    }
  return false;
}

/* wast2json writes unsigned decimal; accept a leading '-' too for safety. */
static bool parse_u64(const char *s, unsigned bits, uint64_t *o) {
  if (!s || !*s) return false;
  char *end;
  errno = 0;
  uint64_t v;
  if (s[0] == '-')
    v = (uint64_t)strtoll(s, &end, 10);
  else
    v = strtoull(s, &end, 10);
  if (*end || errno) return false;
  if (bits < 64) {
    uint64_t mask = ((uint64_t)1 << bits) - 1;
    if (s[0] != '-' && v > mask) return false;
    v &= mask;
  }
  *o = v;
  return true;
}

static wast_match_kind nan_pattern(const char *s) {
  if (s && strcmp(s, "nan:canonical") == 0) return WAST_MATCH_NAN_CANON;
  if (s && strcmp(s, "nan:arithmetic") == 0) return WAST_MATCH_NAN_ARITH;
  return WAST_MATCH_EXACT;
}

static void lane_set(uint64_t v128[2], unsigned bits, unsigned i, uint64_t v) {
  unsigned bit = i * bits;
  uint64_t mask = bits == 64 ? UINT64_MAX : (((uint64_t)1 << bits) - 1);
  v128[bit / 64] &= ~(mask << (bit % 64));
  v128[bit / 64] |= (v & mask) << (bit % 64);
}

static uint64_t lane_get(const uint64_t v128[2], unsigned bits, unsigned i) {
  unsigned bit = i * bits;
  uint64_t mask = bits == 64 ? UINT64_MAX : (((uint64_t)1 << bits) - 1);
  return v128[bit / 64] >> (bit % 64) & mask;
}

/* Shared by arguments and expectations; allow_patterns admits NaN patterns. */
static bool parse_any(const json_value *v, wast_expected *e, bool allow_patterns, char *err,
                      size_t cap) {
  memset(e, 0, sizeof *e);
  const char *tname = json_get_str(v, "type");
  if (!parse_type(tname, &e->type)) {
    snprintf(err, cap, "unknown value type %s", tname ? tname : "(none)");
    return false;
  }
  const json_value *jv = json_get(v, "value");
  const char *s = jv && jv->kind == JSON_STRING ? jv->str : NULL;
  switch (e->type) {
  case RUSM_I32:
  case RUSM_I64:
  case RUSM_F32:
  case RUSM_F64: {
    unsigned bits = (e->type == RUSM_I32 || e->type == RUSM_F32) ? 32 : 64;
    e->match[0] = nan_pattern(s);
    if (e->match[0] != WAST_MATCH_EXACT) {
      if (!allow_patterns || e->type == RUSM_I32 || e->type == RUSM_I64) goto bad;
      return true;
    }
    uint64_t u;
    if (!parse_u64(s, bits, &u)) goto bad;
    if (bits == 32)
      e->val.i32 = (int32_t)(uint32_t)u;
    else
      e->val.i64 = (int64_t)u;
    return true;
  }
  case RUSM_V128: {
    const char *lt = json_get_str(v, "lane_type");
    wast_lane sh = WAST_LANE_NONE;
    for (wast_lane i = WAST_LANE_I8; lt && i <= WAST_LANE_F64; i++)
      if (strcmp(lt, lane_shapes[i].name) == 0) sh = i;
    if (sh == WAST_LANE_NONE || !jv || jv->kind != JSON_ARRAY ||
        json_count(jv) != lane_shapes[sh].count) {
      snprintf(err, cap, "bad v128 value");
      return false;
    }
    e->lane = sh;
    bool is_float = e->lane == WAST_LANE_F32 || e->lane == WAST_LANE_F64;
    for (unsigned i = 0; i < lane_shapes[sh].count; i++) {
      const json_value *l = json_at(jv, i);
      const char *ls = l && l->kind == JSON_STRING ? l->str : NULL;
      e->match[i] = nan_pattern(ls);
      if (e->match[i] != WAST_MATCH_EXACT) {
        if (!allow_patterns || !is_float) goto bad;
        continue;
      }
      uint64_t u;
      if (!parse_u64(ls, lane_shapes[sh].bits, &u)) goto bad;
      lane_set(e->val.v128, lane_shapes[sh].bits, i, u);
    }
    return true;
  }
  case RUSM_FUNCREF:
  case RUSM_EXTERNREF: {
    if (!s) {
      /* `(ref.func)` / `(ref.extern)` with no index: any non-null reference. */
      if (!allow_patterns) goto bad;
      e->match[0] = WAST_MATCH_NONNULL_REF;
      return true;
    }
    if (strcmp(s, "null") == 0) {
      e->val.ref = NULL;
      return true;
    }
    uint64_t n;
    if (e->type != RUSM_EXTERNREF || !parse_u64(s, 64, &n) || n == UINT64_MAX) goto bad;
    e->val.ref = wast_extern_ref(n);
    return true;
  }
  }
bad:
  snprintf(err, cap, "bad %s value %s", wast_valtype_name(e->type), s ? s : "");
  return false;
}

bool wast_parse_arg(const json_value *v, rusm_valtype *o_type, rusm_val *o_val, char *err,
                    size_t err_cap) {
  wast_expected e;
  if (!parse_any(v, &e, false, err, err_cap)) return false; /* a funcref can only be null */
  *o_type = e.type;
  *o_val = e.val;
  return true;
}

bool wast_parse_expected(const json_value *v, wast_expected *o_exp, char *err, size_t err_cap) {
  return parse_any(v, o_exp, true, err, err_cap);
}

/* EXACT compares bits; NONNULL_REF never comes with a float type. */
static bool match_float(wast_match_kind k, uint64_t got, uint64_t want, unsigned bits) {
  uint64_t sign = (uint64_t)1 << (bits - 1);
  uint64_t quiet = bits == 32 ? 0x7fc00000u : 0x7ff8000000000000u; /* exponent + quiet bit */
  if (k == WAST_MATCH_NAN_CANON) return (got & ~sign) == quiet;
  if (k == WAST_MATCH_NAN_ARITH) return (got & quiet) == quiet;
  return got == want;
}

bool wast_match(const wast_expected *e, rusm_val got) {
  switch (e->type) {
  case RUSM_I32: return got.i32 == e->val.i32;
  case RUSM_I64: return got.i64 == e->val.i64;
  case RUSM_F32: return match_float(e->match[0], got.f32_bits, e->val.f32_bits, 32);
  case RUSM_F64: return match_float(e->match[0], got.f64_bits, e->val.f64_bits, 64);
  case RUSM_V128: {
    if (e->lane == WAST_LANE_NONE) return false;
    unsigned bits = lane_shapes[e->lane].bits;
    bool is_float = e->lane == WAST_LANE_F32 || e->lane == WAST_LANE_F64;
    for (unsigned i = 0; i < lane_shapes[e->lane].count; i++) {
      uint64_t g = lane_get(got.v128, bits, i), w = lane_get(e->val.v128, bits, i);
      if (is_float ? !match_float(e->match[i], g, w, bits) : g != w) return false;
    }
    return true;
  }
  case RUSM_FUNCREF:
  case RUSM_EXTERNREF: break;
  }
  /* Only references get here: the switch returns for every other type. */
  if (e->match[0] == WAST_MATCH_NONNULL_REF) return got.ref != NULL;
  return got.ref == e->val.ref;
}

static void format_ref(rusm_valtype type, void *ref, char *buf, size_t cap) {
  if (!ref)
    snprintf(buf, cap, "ref.null %s", type == RUSM_FUNCREF ? "func" : "extern");
  else if (type == RUSM_EXTERNREF)
    snprintf(buf, cap, "ref.extern %" PRIuPTR, (uintptr_t)ref - 1);
  else
    snprintf(buf, cap, "ref.func %p", ref);
}

char *wast_format_val(rusm_valtype type, rusm_val v, char *buf, size_t cap) {
  switch (type) {
  case RUSM_I32:
    snprintf(buf, cap, "i32:%" PRId32 " (0x%08" PRIx32 ")", v.i32, (uint32_t)v.i32);
    break;
  case RUSM_I64:
    snprintf(buf, cap, "i64:%" PRId64 " (0x%016" PRIx64 ")", v.i64, (uint64_t)v.i64);
    break;
  case RUSM_F32: {
    float f;
    memcpy(&f, &v.f32_bits, 4);
    snprintf(buf, cap, "f32:%.9g (0x%08" PRIx32 ")", (double)f, v.f32_bits);
    break;
  }
  case RUSM_F64: {
    double d;
    memcpy(&d, &v.f64_bits, 8);
    snprintf(buf, cap, "f64:%.17g (0x%016" PRIx64 ")", d, v.f64_bits);
    break;
  }
  case RUSM_V128:
    snprintf(buf, cap, "v128:0x%016" PRIx64 "%016" PRIx64, v.v128[1], v.v128[0]);
    break;
  case RUSM_FUNCREF:
  case RUSM_EXTERNREF: format_ref(type, v.ref, buf, cap); break;
  }
  return buf;
}

char *wast_format_expected(const wast_expected *e, char *buf, size_t cap) {
  static const char *const pattern[] = {"", "nan:canonical", "nan:arithmetic", "non-null"};
  if (e->type == RUSM_V128) {
    wast_lane sh = e->lane;
    size_t n =
        (size_t)snprintf(buf, cap, "v128:%sx%u", lane_shapes[sh].name, lane_shapes[sh].count);
    for (unsigned i = 0; i < lane_shapes[sh].count && n < cap; i++) {
      if (e->match[i] != WAST_MATCH_EXACT)
        n += (size_t)snprintf(buf + n, cap - n, " %s", pattern[e->match[i]]);
      else
        n += (size_t)snprintf(buf + n, cap - n, " 0x%" PRIx64,
                              lane_get(e->val.v128, lane_shapes[sh].bits, i));
    }
    return buf;
  }
  if (e->match[0] != WAST_MATCH_EXACT) {
    snprintf(buf, cap, "%s:%s", wast_valtype_name(e->type), pattern[e->match[0]]);
    return buf;
  }
  return wast_format_val(e->type, e->val, buf, cap);
}
