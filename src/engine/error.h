/*
** error.h: filling a rusm_error (engine-internal helpers).
*/
#ifndef RUSM_ENGINE_ERROR_H
#define RUSM_ENGINE_ERROR_H

#include <stddef.h>

#include "rusm/engine.h"

/* Fills *e (NULL is fine) with section (NULL = ""), offset and a printf-style
** reason, truncating to fit. Returns false so callers can `return
** wasm_error(...)`. */
bool wasm_error(rusm_error *e, const char *section, size_t offset, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
