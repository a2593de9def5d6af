/* proc_util.h: shared helpers of the Wasm-process tests. */
#ifndef PROC_UTIL_H
#define PROC_UTIL_H

#include <stdatomic.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>

#include "rusm/host.h"
#include "test.h"

/* Reads WASM_DIR/name.wasm; caller frees. */
static inline uint8_t *read_wasm(const char *name, size_t *o_len) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s.wasm", WASM_DIR, name);
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  uint8_t *b = malloc((size_t)n);
  if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
    free(b);
    b = NULL;
  }
  fclose(f);
  *o_len = (size_t)n;
  return b;
}

/* Compiles and prepares name.wasm for entry; NULL (and a message) on error. */
static inline rusm_wasm_prepared *prep(rusm_wasm *w, const char *name, const char *entry,
                                       rusm_wasm_module **o_mod) {
  size_t len;
  uint8_t *b = read_wasm(name, &len);
  if (!b) {
    fprintf(stderr, "  cannot read %s.wasm\n", name);
    return NULL;
  }
  rusm_error err;
  rusm_wasm_module *m = rusm_wasm_compile(w, b, len, &err);
  free(b);
  if (!m) {
    fprintf(stderr, "  compile %s: %s at %zu: %s\n", name, err.section, err.offset, err.reason);
    return NULL;
  }
  rusm_wasm_prepared *p = rusm_wasm_prepare(w, m, entry, &err);
  if (!p) {
    fprintf(stderr, "  prepare %s: %s\n", name, err.reason);
    rusm_wasm_module_free(m);
    return NULL;
  }
  *o_mod = m;
  return p;
}

/* What on_exit saw. */
typedef struct exit_rec {
  _Atomic int seen;
  rusm_exit_reason reason;
  bool exited;
  uint32_t code;
  char error[256];
} exit_rec;

static inline void record_exit(void *arg, const rusm_wasm_exit *e) {
  exit_rec *r = arg;
  r->reason = e->reason;
  r->exited = e->exited;
  r->code = e->exit_code;
  snprintf(r->error, sizeof r->error, "%s", e->error ? e->error : "");
  atomic_store(&r->seen, 1);
}

/* Waits up to ms for r's exit to be recorded: a process's on_exit runs in
** its teardown, which may finish after its peers have seen it go. */
static inline bool wait_exit_rec(exit_rec *r, int ms) {
  for (int i = 0; i < ms && !atomic_load(&r->seen); i++) usleep(1000);
  return atomic_load(&r->seen) != 0;
}

static inline rusm_pid spawn_rec(rusm_wasm *w, rusm_wasm_prepared *p, const rusm_caps *caps,
                                 exit_rec *r) {
  rusm_wasm_spawn_opts o = {0};
  o.caps = caps;
  o.on_exit = record_exit;
  o.on_exit_arg = r;
  return rusm_wasm_spawn_ex(w, p, &o);
}

#endif
