/*
** front_util.h: helpers shared by the engine front-half tests: load a module
** through decode + validate, read files, and walk wast2json output.
*/
#ifndef RUSM_TESTS_FRONT_UTIL_H
#define RUSM_TESTS_FRONT_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "validate.h"

/* Decodes and validates; NULL with *err filled on failure. */
static inline wasm_module *front_load(const uint8_t *b, size_t n, rusm_error *err) {
  wasm_module *m = wasm_decode_module(b, n, err);
  if (m && !wasm_validate_module(m, err)) {
    wasm_module_free(m);
    return NULL;
  }
  return m;
}

/* The error text of loading b, or "" if it loads. Static buffer. */
static inline const char *front_reason(const uint8_t *b, size_t n) {
  static rusm_error err;
  memset(&err, 0, sizeof err);
  wasm_module *m = front_load(b, n, &err);
  if (m) {
    wasm_module_free(m);
    return "";
  }
  return err.reason;
}

/* Reads a whole file; caller frees. NULL if unreadable. */
static inline uint8_t *front_read_file(const char *path, size_t *o_len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  uint8_t *b = malloc(n > 0 ? (size_t)n : 1);
  if (b && n > 0 && fread(b, 1, (size_t)n, f) != (size_t)n) {
    free(b);
    b = NULL;
  }
  fclose(f);
  *o_len = (size_t)(n > 0 ? n : 0);
  return b;
}

/* Copies the JSON string value of "key" in line into out (no unescaping
** beyond \" and \\). false if absent. */
static inline int front_json_str(const char *line, const char *key, char *out, size_t cap) {
  char pat[64];
  snprintf(pat, sizeof pat, "\"%s\": \"", key);
  const char *p = strstr(line, pat);
  if (!p) return 0;
  p += strlen(pat);
  size_t k = 0;
  while (*p && *p != '"' && k + 1 < cap) {
    if (*p == '\\' && p[1]) p++;
    out[k++] = *p++;
  }
  out[k] = 0;
  return 1;
}

#endif
