/*
** error.c: rusm_error formatting for the loader (decoder, validator) and
** the rest of the engine.
*/
#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

bool wasm_error(rusm_error *e, const char *section, size_t offset, const char *fmt, ...) {
  if (!e) return false;
  memset(e->section, 0, sizeof e->section);
  if (section) {
    size_t n = strlen(section);
    if (n >= sizeof e->section) n = sizeof e->section - 1;
    memcpy(e->section, section, n);
  }
  e->offset = offset;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(e->reason, sizeof e->reason, fmt, ap);
  va_end(ap);
  return false;
}
