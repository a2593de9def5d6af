/*
** wast_store.h: the module instances of one spec script: loading, linking
** against `spectest` and registered instances, instantiation, and running
** actions (invoke, get) to completion.
**
** Everything a script creates is kept until wast_store_free, failed
** instantiations included: since Wasm 2.0 a failed instantiation may already
** have written functions of its own into an imported table, and the script
** may still call them.
*/
#ifndef RUSM_CLI_WAST_STORE_H
#define RUSM_CLI_WAST_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rusm/engine.h"

typedef struct wast_store wast_store;
typedef struct wast_mod wast_mod;

/* How far a module got; the first failing step is reported. */
typedef enum {
  WAST_OK,
  WAST_FAIL_LOAD,        /* decode/validate: malformed or invalid */
  WAST_FAIL_RESOLVE,     /* an import names nothing registered: unlinkable */
  WAST_FAIL_PREPARE,     /* import types do not match: unlinkable */
  WAST_FAIL_INSTANTIATE, /* a segment does not fit: uninstantiable */
  WAST_FAIL_START        /* the start function trapped: uninstantiable */
} wast_stage;

typedef enum { WAST_ACT_OK, WAST_ACT_TRAP, WAST_ACT_ERROR } wast_act;

/* max_call_depth 0 = the engine's default. NULL on out-of-memory or when
** the spectest module cannot be built. Owned by the caller. */
wast_store *wast_store_new(uint32_t max_call_depth);
void wast_store_free(wast_store *s); /* takes s, its instances and modules */

/* Decodes bytes and frees the module again; for assert_invalid and
** assert_malformed. WAST_OK or WAST_FAIL_LOAD with the reason in msg. */
wast_stage wast_store_check(const uint8_t *bytes, size_t len, char *msg, size_t cap);

/* Loads, links, instantiates and runs the start function. name (may be NULL)
** is the script's $name. On WAST_OK *o_mod (may be NULL) is set; otherwise
** msg says why. */
wast_stage wast_store_add(wast_store *s, const uint8_t *bytes, size_t len, const char *name,
                          wast_mod **o_mod, char *msg, size_t cap);

/* The instance called name, or the current one when name is NULL; NULL if
** there is none (a module that failed is never found, nor made current). */
wast_mod *wast_store_find(wast_store *s, const char *name);
/* The module actions without a module name go to (NULL: none). */
void wast_store_set_current(wast_store *s, wast_mod *m);
/* Makes m's exports importable as module `as`. false on out-of-memory. */
bool wast_store_register(wast_store *s, const char *as, wast_mod *m);

/* Both actions take m from wast_store_find, so always an instance.
**
** Calls export field of m with args; on OK fills results (up to cap) and
** their types, *o_n = count. On TRAP msg holds the trap text; on ERROR the
** reason the call could not be made. */
wast_act wast_store_invoke(wast_store *s, wast_mod *m, const char *field, const rusm_val *args,
                           const rusm_valtype *arg_types, size_t n_args, rusm_val *results,
                           rusm_valtype *result_types, size_t cap, size_t *o_n, char *msg,
                           size_t msg_cap);
/* Reads exported global field of m. */
wast_act wast_store_get(wast_store *s, wast_mod *m, const char *field, rusm_val *o_val, char *msg,
                        size_t msg_cap);

#endif
