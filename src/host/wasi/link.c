/*
** link.c: the WASI host functions as rusm_funcs (made once per link and
** shared by every module and instance), import resolution by name, the
** per-call environment, and rusm_wasi_retry for suspended calls.
*/
#include "wasi_int.h"

#include <stdio.h>
#include <stdlib.h>

typedef uint32_t (*link_handler)(wasi_env *e, const rusm_val *a);

static const struct link_entry {
  const char *name, *params, *results;
  link_handler fn;
} link_table[] = {
#define X(n, p, r) {#n, p, r, wasi_h_##n},
    WASI_FUNCS(X)
#undef X
};
#define LINK_N (sizeof link_table / sizeof link_table[0])
#define LINK_MAX_ARGS 9

typedef struct link_binding {
  const rusm_wasi_link *l;
  int id;
} link_binding;

struct rusm_wasi_link {
  rusm_wasi_lookup_fn lookup;
  void *arg;
  rusm_func *funcs[LINK_N];
  link_binding bind[LINK_N];
};

size_t rusm_wasi_func_count(void) {
  return LINK_N;
}
const char *rusm_wasi_func_name(size_t i) {
  return i < LINK_N ? link_table[i].name : NULL;
}

static void link_types(const char *s, rusm_valtype *out, uint32_t *o_n) {
  uint32_t n = 0;
  for (; s[n]; n++) out[n] = s[n] == 'I' ? RUSM_I64 : RUSM_I32;
  *o_n = n;
}

/* Memory 0 of inst: the guest's exported "memory" in every wasip1 program
** (the same memory rusm_call_mem serves). */
static void link_env(wasi_env *e, rusm_wasi *w, rusm_call *call, rusm_instance *inst) {
  e->w = w;
  e->call = call;
  e->mem = NULL;
  e->mem_size = 0;
  e->retry = call == NULL;
  e->trap_msg[0] = 0;
  if (!call) {
    rusm_memory *m = rusm_instance_memory(inst, 0);
    if (m) e->mem = rusm_memory_data(m, &e->mem_size);
  }
}

static rusm_wasi *link_default_lookup(rusm_instance *inst, void *arg) {
  (void)arg;
  return (rusm_wasi *)rusm_instance_user(inst);
}

static rusm_host_status link_call(rusm_call *call, void *env, const rusm_val *args,
                                  rusm_val *o_results) {
  const link_binding *b = env;
  rusm_instance *inst = rusm_call_instance(call);
  rusm_wasi *w = b->l->lookup(inst, b->l->arg);
  if (!w) {
    rusm_call_trap(call, "no WASI context for this instance");
    return RUSM_HOST_TRAP;
  }
  wasi_env e;
  link_env(&e, w, call, inst);
  uint32_t r = link_table[b->id].fn(&e, args);
  if (r == WASI_TRAP) {
    rusm_call_trap(call, e.trap_msg);
    return RUSM_HOST_TRAP;
  }
  if (r == WASI_SUSPEND) {
    w->pending.active = true;
    w->pending.func = b->id;
    return RUSM_HOST_SUSPEND;
  }
  o_results[0].i32 = (int32_t)r;
  return RUSM_HOST_OK;
}

rusm_wasi_link *rusm_wasi_link_new(rusm_wasi_lookup_fn lookup, void *lookup_arg) {
  rusm_wasi_link *l = calloc(1, sizeof *l);
  if (!l) return NULL;
  l->lookup = lookup ? lookup : link_default_lookup;
  l->arg = lookup_arg;
  for (size_t i = 0; i < LINK_N; i++) {
    rusm_valtype p[LINK_MAX_ARGS], r[1];
    rusm_functype t = {0, 0, p, r};
    link_types(link_table[i].params, p, &t.n_params);
    link_types(link_table[i].results, r, &t.n_results);
    l->bind[i] = (link_binding){l, (int)i};
    l->funcs[i] = rusm_func_new_host(&t, link_call, &l->bind[i]);
    if (!l->funcs[i]) {
      rusm_wasi_link_free(l);
      return NULL;
    }
  }
  return l;
}

void rusm_wasi_link_free(rusm_wasi_link *l) {
  if (!l) return;
  for (size_t i = 0; i < LINK_N; i++)
    if (l->funcs[i]) rusm_func_free(l->funcs[i]);
  free(l);
}

static bool link_fail(rusm_error *o_err, const char *fmt, const char *a, const char *b) {
  if (o_err) {
    memset(o_err, 0, sizeof *o_err);
    snprintf(o_err->section, sizeof o_err->section, "import");
    snprintf(o_err->reason, sizeof o_err->reason, fmt, a, b);
  }
  return false;
}

static bool link_same(const char *sig, uint32_t n, const rusm_valtype *t) {
  if (strlen(sig) != n) return false;
  for (uint32_t i = 0; i < n; i++)
    if (t[i] != (sig[i] == 'I' ? RUSM_I64 : RUSM_I32)) return false;
  return true;
}

bool rusm_wasi_resolve(const rusm_wasi_link *l, const char *name, const rusm_externtype *type,
                       rusm_extern *o_ext, rusm_error *o_err) {
  for (size_t i = 0; i < LINK_N; i++) {
    const struct link_entry *le = &link_table[i];
    if (strcmp(le->name, name) != 0) continue;
    if (type && (type->kind != RUSM_EXTERN_FUNC ||
                 !link_same(le->params, type->func.n_params, type->func.params) ||
                 !link_same(le->results, type->func.n_results, type->func.results)))
      return link_fail(o_err, "incompatible import type for %s.%s", RUSM_WASI_MODULE, name);
    o_ext->kind = RUSM_EXTERN_FUNC;
    o_ext->u.func = l->funcs[i];
    return true;
  }
  return link_fail(o_err, "unknown WASI function: %s.%s", RUSM_WASI_MODULE, name);
}

rusm_extern *rusm_wasi_imports(const rusm_wasi_link *l, const rusm_module *m, size_t *o_n,
                               rusm_error *o_err) {
  size_t n = rusm_module_import_count(m);
  rusm_extern *ext = calloc(n ? n : 1, sizeof *ext);
  if (!ext) {
    link_fail(o_err, "out of memory%s%s", "", "");
    return NULL;
  }
  for (size_t i = 0; i < n; i++) {
    const char *mod, *name;
    rusm_externtype t;
    rusm_module_import(m, i, &mod, &name, &t);
    bool ok = strcmp(mod, RUSM_WASI_MODULE) == 0
                  ? rusm_wasi_resolve(l, name, &t, &ext[i], o_err)
                  : link_fail(o_err, "unknown import: %s.%s", mod, name);
    if (!ok) {
      free(ext);
      return NULL;
    }
  }
  *o_n = n;
  return ext;
}

rusm_exec_status rusm_wasi_retry(rusm_wasi *w, rusm_instance *inst, uint32_t budget) {
  if (!w->pending.active) return RUSM_EXEC_TRAP; /* nothing of ours is suspended */
  const rusm_val *args = rusm_suspended_args(inst);
  wasi_env e;
  link_env(&e, w, NULL, inst);
  uint32_t r = link_table[w->pending.func].fn(&e, args);
  if (r == WASI_SUSPEND) return RUSM_EXEC_SUSPEND;
  w->pending.active = false;
  /* Only proc_exit traps, and it never suspends: a trap here cannot be
  ** delivered into a parked call, so it becomes an I/O error. */
  rusm_val res = {.i32 = (int32_t)(r == WASI_TRAP ? WASI_EIO : r)};
  return rusm_resume_host(inst, &res, budget);
}
