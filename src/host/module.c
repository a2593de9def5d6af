/*
** module.c: compiling a module and preparing it for spawning.
**
** Everything that can be decided once per module is decided here, off the
** spawn path: the entry export, the import resolution (the `rusm` ABI and
** WASI host functions are made once per runtime and linked by index), and
** the engine's prepared module with its instance pool.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host_int.h"

static void set_err(rusm_error *e, const char *section, const char *fmt, const char *a,
                    const char *b) {
  if (!e) return;
  memset(e, 0, sizeof *e);
  snprintf(e->section, sizeof e->section, "%s", section);
  snprintf(e->reason, sizeof e->reason, fmt, a, b);
}

rusm_wasm_module *rusm_wasm_compile(rusm_wasm *w, const uint8_t *bytes, size_t len,
                                    rusm_error *o_err) {
  rusm_module *mod = rusm_module_load(bytes, len, o_err);
  if (!mod) return NULL;
  rusm_wasm_module *m = calloc(1, sizeof *m);
  if (!m) {
    rusm_module_free(mod);
    set_err(o_err, "", "%s%s", "out of memory", "");
    return NULL;
  }
  m->w = w;
  m->mod = mod;
  atomic_init(&m->refs, 1);
  return m;
}

static void module_unref(rusm_wasm_module *m) {
  if (atomic_fetch_sub_explicit(&m->refs, 1, memory_order_acq_rel) != 1) return;
  rusm_module_free(m->mod);
  free(m);
}

void rusm_wasm_module_free(rusm_wasm_module *m) {
  if (m) module_unref(m);
}

static bool sig_matches(const rusm_functype *t, const char *params, const char *results) {
  if (t->n_params != strlen(params) || t->n_results != strlen(results)) return false;
  for (uint32_t i = 0; i < t->n_params; i++)
    if (t->params[i] != (params[i] == 'I' ? RUSM_I32 : RUSM_I64)) return false;
  for (uint32_t i = 0; i < t->n_results; i++)
    if (t->results[i] != (results[i] == 'I' ? RUSM_I32 : RUSM_I64)) return false;
  return true;
}

static const char *const abi_params[] = {
#define X(n, p, r) p,
    HOST_ABI(X)
#undef X
};
static const char *const abi_results[] = {
#define X(n, p, r) r,
    HOST_ABI(X)
#undef X
};

/* Resolves import i into *o_ext, or writes why not into p->link_error. */
static bool resolve_import(rusm_wasm_prepared *p, size_t i, rusm_extern *o_ext) {
  const char *mod, *name;
  rusm_externtype t;
  rusm_module_import(p->m->mod, i, &mod, &name, &t);
  if (strcmp(mod, "rusm") == 0) {
    int id = host_abi_find(name);
    if (id < 0) {
      snprintf(p->link_error, sizeof p->link_error, "unknown import rusm::%s", name);
      return false;
    }
    if (t.kind != RUSM_EXTERN_FUNC || !sig_matches(&t.func, abi_params[id], abi_results[id])) {
      snprintf(p->link_error, sizeof p->link_error, "incompatible import type for rusm::%s", name);
      return false;
    }
    o_ext->kind = RUSM_EXTERN_FUNC;
    o_ext->u.func = p->w->abi_funcs[id];
    return true;
  }
  if (strcmp(mod, RUSM_WASI_MODULE) == 0) {
    rusm_error e;
    if (!rusm_wasi_resolve(p->w->wasi_link, name, &t, o_ext, &e)) {
      snprintf(p->link_error, sizeof p->link_error, "%s", e.reason);
      return false;
    }
    p->needs_wasi = true;
    return true;
  }
  snprintf(p->link_error, sizeof p->link_error, "unknown import %s::%s", mod, name);
  return false;
}

rusm_wasm_prepared *rusm_wasm_prepare(rusm_wasm *w, rusm_wasm_module *m, const char *entry,
                                      rusm_error *o_err) {
  long ei = rusm_module_find_export(m->mod, entry);
  if (ei < 0) {
    set_err(o_err, "export", "entry `%s` is not exported%s", entry, "");
    return NULL;
  }
  const char *ename;
  rusm_externtype et;
  rusm_module_export(m->mod, (size_t)ei, &ename, &et);
  if (et.kind != RUSM_EXTERN_FUNC || et.func.n_params || et.func.n_results) {
    set_err(o_err, "export", "entry `%s` must be a function of type () -> ()%s", entry, "");
    return NULL;
  }
  rusm_wasm_prepared *p = calloc(1, sizeof *p);
  if (!p) {
    set_err(o_err, "", "%s%s", "out of memory", "");
    return NULL;
  }
  p->w = w;
  p->m = m;
  atomic_fetch_add_explicit(&m->refs, 1, memory_order_relaxed);
  atomic_init(&p->refs, 1);
  p->entry_export = ei;
  long mi = rusm_module_find_export(m->mod, "memory");
  if (mi >= 0) {
    const char *mname;
    rusm_externtype mt;
    rusm_module_export(m->mod, (size_t)mi, &mname, &mt);
    p->memory_export = mt.kind == RUSM_EXTERN_MEMORY;
  }
  size_t n = rusm_module_import_count(m->mod);
  rusm_extern *imports = n ? calloc(n, sizeof *imports) : NULL;
  bool ok = !n || imports, oom = !ok;
  for (size_t i = 0; ok && i < n; i++) ok = resolve_import(p, i, &imports[i]);
  if (ok) {
    rusm_error e = {0};
    p->prep = rusm_prepare(m->mod, imports, n, &e);
    /* A link error (the import section's) is the process's to report when
    ** it starts; any other failure is rusm_prepare running out of memory,
    ** which is the caller's to hear about now. */
    oom = !p->prep && strcmp(e.section, "import") != 0;
    if (!p->prep) snprintf(p->link_error, sizeof p->link_error, "%s", e.reason);
  }
  free(imports); /* rusm_prepare keeps its own copy */
  if (oom) {
    host_prepared_unref(p);
    set_err(o_err, "", "%s%s", "out of memory", "");
    return NULL;
  }
  return p;
}

void host_prepared_ref(rusm_wasm_prepared *p) {
  atomic_fetch_add_explicit(&p->refs, 1, memory_order_relaxed);
}

void host_prepared_unref(rusm_wasm_prepared *p) {
  if (atomic_fetch_sub_explicit(&p->refs, 1, memory_order_acq_rel) != 1) return;
  rusm_prepared_free(p->prep);
  module_unref(p->m);
  free(p);
}

void rusm_wasm_prepared_free(rusm_wasm_prepared *p) {
  if (p) host_prepared_unref(p);
}
