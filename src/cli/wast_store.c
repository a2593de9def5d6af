/*
** wast_store.c: instances of a spec script and the actions run on them
** (see wast_store.h).
*/
#include "wast_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spectest.h"

/* Each slice is large so scripts finish in one or two; the cap on slices
** turns a runaway loop in a broken engine into a failure, not a hang. */
#define WAST_BUDGET 100000000u
#define WAST_MAX_SLICES 200

struct wast_mod {
  char *name; /* the script's $name, or NULL */
  rusm_module *module;
  rusm_prepared *prepared;
  rusm_instance *instance;
  rusm_extern *imports;
  wast_mod *older; /* creation order, newest first, so frees run in reverse */
};

typedef struct {
  char *as;
  wast_mod *mod;
} wast_reg;

struct wast_store {
  spectest *spectest;
  wast_mod *newest, *current;
  wast_reg *regs;
  size_t n_regs, cap_regs;
  rusm_instance_config cfg;
};

wast_store *wast_store_new(uint32_t max_call_depth) {
  wast_store *s = calloc(1, sizeof *s);
  if (!s) return NULL;
  s->spectest = spectest_new();
  if (!s->spectest) {
    free(s);
    return NULL;
  }
  s->cfg.max_call_depth = max_call_depth;
  return s;
}

static void mod_free(wast_mod *m) {
  if (m->instance) rusm_instance_free(m->instance);
  if (m->prepared) rusm_prepared_free(m->prepared);
  if (m->module) rusm_module_free(m->module);
  free(m->imports);
  free(m->name);
  free(m);
}

void wast_store_free(wast_store *s) {
  if (!s) return;
  for (wast_mod *m = s->newest, *older; m; m = older) {
    older = m->older;
    mod_free(m);
  }
  for (size_t i = 0; i < s->n_regs; i++) free(s->regs[i].as);
  free(s->regs);
  spectest_free(s->spectest);
  free(s);
}

static void format_error(const rusm_error *e, char *msg, size_t cap) {
  if (e->section[0])
    snprintf(msg, cap, "%s (section %s, offset %zu)", e->reason, e->section, e->offset);
  else
    snprintf(msg, cap, "%s (offset %zu)", e->reason, e->offset);
}

/* The trap's kind first, so "expected text is contained" matching works on
** any formatting the engine chooses for the rest. */
static void format_trap(const rusm_trap *t, char *msg, size_t cap) {
  char buf[256];
  snprintf(msg, cap, "%s [%s]", rusm_trap_name(t->kind), rusm_trap_format(t, buf, sizeof buf));
}

/* Drives a started execution to DONE or TRAP. Nothing here can SUSPEND: only
** a host import parks a call, and the store's only host functions are
** spectest's prints, which return at once. */
static wast_act finish(rusm_instance *inst, rusm_exec_status st, char *msg, size_t cap) {
  for (int slices = 0; st == RUSM_EXEC_YIELD; slices++) {
    if (slices == WAST_MAX_SLICES) {
      snprintf(msg, cap, "did not finish within %u x %u budget", WAST_MAX_SLICES, WAST_BUDGET);
      return WAST_ACT_ERROR;
    }
    st = rusm_continue(inst, WAST_BUDGET);
  }
  if (st == RUSM_EXEC_DONE) return WAST_ACT_OK;
  format_trap(rusm_last_trap(inst), msg, cap);
  return WAST_ACT_TRAP;
}

wast_stage wast_store_check(const uint8_t *bytes, size_t len, char *msg, size_t cap) {
  rusm_error err;
  memset(&err, 0, sizeof err);
  rusm_module *m = rusm_module_load(bytes, len, &err);
  if (!m) {
    format_error(&err, msg, cap);
    return WAST_FAIL_LOAD;
  }
  rusm_module_free(m);
  return WAST_OK;
}

static wast_mod *find_registered(wast_store *s, const char *as) {
  for (size_t i = s->n_regs; i-- > 0;)
    if (strcmp(s->regs[i].as, as) == 0) return s->regs[i].mod;
  return NULL;
}

static bool resolve(wast_store *s, wast_mod *m, char *msg, size_t cap) {
  size_t n = rusm_module_import_count(m->module);
  m->imports = calloc(n ? n : 1, sizeof *m->imports);
  if (!m->imports) {
    snprintf(msg, cap, "out of memory");
    return false;
  }
  for (size_t i = 0; i < n; i++) {
    const char *mod_name, *field;
    rusm_externtype type;
    rusm_module_import(m->module, i, &mod_name, &field, &type);
    bool found = false;
    if (strcmp(mod_name, "spectest") == 0)
      found = spectest_lookup(s->spectest, field, &m->imports[i]);
    else {
      wast_mod *from = find_registered(s, mod_name);
      found = from && from->instance && rusm_instance_export(from->instance, field, &m->imports[i]);
    }
    if (!found) {
      snprintf(msg, cap, "unknown import \"%s\" \"%s\"", mod_name, field);
      return false;
    }
  }
  return true;
}

wast_stage wast_store_add(wast_store *s, const uint8_t *bytes, size_t len, const char *name,
                          wast_mod **o_mod, char *msg, size_t cap) {
  wast_mod *m = calloc(1, sizeof *m);
  if (!m || (name && !(m->name = strdup(name)))) {
    free(m);
    snprintf(msg, cap, "out of memory");
    return WAST_FAIL_LOAD;
  }
  /* Kept from here on, whatever happens (see the header). */
  m->older = s->newest;
  s->newest = m;
  rusm_error err;
  memset(&err, 0, sizeof err);
  m->module = rusm_module_load(bytes, len, &err);
  if (!m->module) {
    format_error(&err, msg, cap);
    return WAST_FAIL_LOAD;
  }
  if (!resolve(s, m, msg, cap)) return WAST_FAIL_RESOLVE;
  m->prepared = rusm_prepare(m->module, m->imports, rusm_module_import_count(m->module), &err);
  if (!m->prepared) {
    format_error(&err, msg, cap);
    return WAST_FAIL_PREPARE;
  }
  m->instance = rusm_instantiate(m->prepared, &s->cfg, &err);
  if (!m->instance) {
    format_error(&err, msg, cap);
    return WAST_FAIL_INSTANTIATE;
  }
  wast_act act = finish(m->instance, rusm_run_start(m->instance, WAST_BUDGET), msg, cap);
  if (act != WAST_ACT_OK) return WAST_FAIL_START;
  if (o_mod) *o_mod = m;
  return WAST_OK;
}

wast_mod *wast_store_find(wast_store *s, const char *name) {
  if (!name) return s->current;
  for (wast_mod *m = s->newest; m; m = m->older)
    if (m->name && strcmp(m->name, name) == 0 && m->instance) return m;
  return NULL;
}

void wast_store_set_current(wast_store *s, wast_mod *m) {
  s->current = m;
}

bool wast_store_register(wast_store *s, const char *as, wast_mod *m) {
  if (s->n_regs == s->cap_regs) {
    size_t cap = s->cap_regs ? s->cap_regs * 2 : 8;
    wast_reg *r = realloc(s->regs, cap * sizeof *r);
    if (!r) return false;
    s->regs = r;
    s->cap_regs = cap;
  }
  char *copy = strdup(as);
  if (!copy) return false;
  s->regs[s->n_regs++] = (wast_reg){copy, m};
  return true;
}

static bool find_export(wast_mod *m, const char *field, rusm_extern_kind kind, rusm_extern *o,
                        char *msg, size_t cap) {
  if (!rusm_instance_export(m->instance, field, o)) {
    snprintf(msg, cap, "no export \"%s\"", field);
    return false;
  }
  if (o->kind != kind) {
    snprintf(msg, cap, "export \"%s\" has kind %d, not %d", field, (int)o->kind, (int)kind);
    return false;
  }
  return true;
}

wast_act wast_store_invoke(wast_store *s, wast_mod *m, const char *field, const rusm_val *args,
                           const rusm_valtype *arg_types, size_t n_args, rusm_val *results,
                           rusm_valtype *result_types, size_t cap, size_t *o_n, char *msg,
                           size_t msg_cap) {
  rusm_extern ext;
  if (!find_export(m, field, RUSM_EXTERN_FUNC, &ext, msg, msg_cap)) return WAST_ACT_ERROR;
  rusm_functype ft;
  rusm_func_type(ext.u.func, &ft);
  if (ft.n_params != n_args) {
    snprintf(msg, msg_cap, "\"%s\" takes %u arguments, the script passes %zu", field, ft.n_params,
             n_args);
    return WAST_ACT_ERROR;
  }
  for (size_t i = 0; i < n_args; i++)
    if (ft.params[i] != arg_types[i]) {
      snprintf(msg, msg_cap, "argument %zu of \"%s\" has type 0x%x, the script passes 0x%x", i,
               field, (unsigned)ft.params[i], (unsigned)arg_types[i]);
      return WAST_ACT_ERROR;
    }
  if (ft.n_results > cap) {
    snprintf(msg, msg_cap, "too many results (%u)", ft.n_results);
    return WAST_ACT_ERROR;
  }
  wast_act act =
      finish(m->instance, rusm_invoke(m->instance, ext.u.func, args, WAST_BUDGET), msg, msg_cap);
  if (act != WAST_ACT_OK) return act;
  rusm_results(m->instance, results);
  for (uint32_t i = 0; i < ft.n_results; i++) result_types[i] = ft.results[i];
  *o_n = ft.n_results;
  return WAST_ACT_OK;
}

wast_act wast_store_get(wast_store *s, wast_mod *m, const char *field, rusm_val *o_val, char *msg,
                        size_t msg_cap) {
  rusm_extern ext;
  if (!find_export(m, field, RUSM_EXTERN_GLOBAL, &ext, msg, msg_cap)) return WAST_ACT_ERROR;
  *o_val = rusm_global_get(ext.u.global);
  return WAST_ACT_OK;
}
