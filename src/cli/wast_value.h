/*
** wast_value.h: values of wast2json scripts (arguments and expected results)
** and how results are compared with them.
**
** Kept apart from the runner so the NaN and reference rules can be unit
** tested without an engine. Encodings follow wast2json: integers and float
** bit patterns are unsigned decimal strings, v128 is a lane type plus one
** string per lane, references are "null" or a number.
*/
#ifndef RUSM_CLI_WAST_VALUE_H
#define RUSM_CLI_WAST_VALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "json.h"
#include "rusm/engine.h"

/* How one scalar (or one v128 lane) is matched. */
typedef enum {
  WAST_MATCH_EXACT,      /* bits equal */
  WAST_MATCH_NAN_CANON,  /* the canonical NaN, either sign */
  WAST_MATCH_NAN_ARITH,  /* any quiet NaN, either sign */
  WAST_MATCH_NONNULL_REF /* a non-null reference (ref.func without index) */
} wast_match_kind;

/* Lane shapes of a v128 (the scalar types use the valtype alone). */
typedef enum {
  WAST_LANE_NONE,
  WAST_LANE_I8,
  WAST_LANE_I16,
  WAST_LANE_I32,
  WAST_LANE_I64,
  WAST_LANE_F32,
  WAST_LANE_F64
} wast_lane;

typedef struct wast_expected {
  rusm_valtype type;
  wast_lane lane;            /* V128 only */
  wast_match_kind match[16]; /* [0] for scalars, one per lane for V128 */
  rusm_val val;              /* the exact bits where match is EXACT */
} wast_expected;

/* The embedder pointer standing for `ref.extern n` (NULL is ref.null). */
static inline void *wast_extern_ref(uint64_t n) {
  return (void *)(uintptr_t)(n + 1);
}

/* Parses an argument ({"type": ..., "value": ...}). false with a reason in
** err when the value cannot be an argument (bad text, NaN pattern). */
bool wast_parse_arg(const json_value *v, rusm_valtype *o_type, rusm_val *o_val, char *err,
                    size_t err_cap);
/* Parses an expected result, NaN patterns included. */
bool wast_parse_expected(const json_value *v, wast_expected *o_exp, char *err, size_t err_cap);

/* Does a result of type e->type match? */
bool wast_match(const wast_expected *e, rusm_val got);

/* Human-readable forms for failure lines; both return buf. */
char *wast_format_val(rusm_valtype type, rusm_val v, char *buf, size_t cap);
char *wast_format_expected(const wast_expected *e, char *buf, size_t cap);

/* "i32" ... "externref"; "?" for a code that is no value type. */
const char *wast_valtype_name(rusm_valtype t);

#endif
