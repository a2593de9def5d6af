/*
** engine_wasi_min.c: a minimal WASI preview 1 for the engine benchmarks
** (see engine_wasi_min.h).
*/
#include "engine_wasi_min.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define WASI_ESUCCESS 0
#define WASI_EBADF 8
#define WASI_EINVAL 28
#define WASI_ENOSYS 52
#define WASI_ESPIPE 70
#define WASI_OUTPUT_CAP (1u << 20)

struct bench_wasi {
  int argc;
  char **argv;
  rusm_func **funcs;
  size_t n_funcs, cap_funcs;
  bool exited;
  int exit_code;
  char *out;
  size_t out_len;
};

static uint8_t *mem(rusm_call *c, uint32_t off, uint32_t len) {
  return rusm_call_mem(c, off, len);
}

static void put_u32(uint8_t *p, uint32_t v) {
  memcpy(p, &v, 4);
} /* wasm is little-endian, so is x86 */
static void put_u64(uint8_t *p, uint64_t v) {
  memcpy(p, &v, 8);
}

static rusm_host_status ret(rusm_val *o, int32_t errno_) {
  o[0].i32 = errno_;
  return RUSM_HOST_OK;
}

static rusm_host_status args_sizes_get(rusm_call *c, void *env, const rusm_val *a, rusm_val *o) {
  bench_wasi *w = env;
  uint8_t *pc = mem(c, (uint32_t)a[0].i32, 4), *ps = mem(c, (uint32_t)a[1].i32, 4);
  if (!pc || !ps) return ret(o, WASI_EINVAL);
  uint32_t size = 0;
  for (int i = 0; i < w->argc; i++) size += (uint32_t)strlen(w->argv[i]) + 1;
  put_u32(pc, (uint32_t)w->argc);
  put_u32(ps, size);
  return ret(o, WASI_ESUCCESS);
}

static rusm_host_status args_get(rusm_call *c, void *env, const rusm_val *a, rusm_val *o) {
  bench_wasi *w = env;
  uint32_t ptrs = (uint32_t)a[0].i32, buf = (uint32_t)a[1].i32;
  for (int i = 0; i < w->argc; i++) {
    uint32_t len = (uint32_t)strlen(w->argv[i]) + 1;
    uint8_t *pp = mem(c, ptrs + 4u * (uint32_t)i, 4), *pb = mem(c, buf, len);
    if (!pp || !pb) return ret(o, WASI_EINVAL);
    put_u32(pp, buf);
    memcpy(pb, w->argv[i], len);
    buf += len;
  }
  return ret(o, WASI_ESUCCESS);
}

static rusm_host_status environ_sizes_get(rusm_call *c, void *env, const rusm_val *a, rusm_val *o) {
  uint8_t *pc = mem(c, (uint32_t)a[0].i32, 4), *ps = mem(c, (uint32_t)a[1].i32, 4);
  if (!pc || !ps) return ret(o, WASI_EINVAL);
  put_u32(pc, 0);
  put_u32(ps, 0);
  return ret(o, WASI_ESUCCESS);
}

static rusm_host_status environ_get(rusm_call *c, void *env, const rusm_val *a, rusm_val *o) {
  return ret(o, WASI_ESUCCESS);
}

static rusm_host_status fd_write(rusm_call *c, void *env, const rusm_val *a, rusm_val *o) {
  bench_wasi *w = env;
  uint32_t fd = (uint32_t)a[0].i32, iovs = (uint32_t)a[1].i32, n = (uint32_t)a[2].i32;
  if (fd != 1 && fd != 2) return ret(o, WASI_EBADF);
  uint32_t total = 0;
  for (uint32_t i = 0; i < n; i++) {
    uint8_t *iov = mem(c, iovs + 8 * i, 8);
    if (!iov) return ret(o, WASI_EINVAL);
    uint32_t base, len;
    memcpy(&base, iov, 4);
    memcpy(&len, iov + 4, 4);
    uint8_t *p = mem(c, base, len);
    if (!p) return ret(o, WASI_EINVAL);
    size_t keep = len;
    if (keep > WASI_OUTPUT_CAP - w->out_len) keep = WASI_OUTPUT_CAP - w->out_len;
    memcpy(w->out + w->out_len, p, keep);
    w->out_len += keep;
    w->out[w->out_len] = '\0';
    total += len;
  }
  uint8_t *pn = mem(c, (uint32_t)a[3].i32, 4);
  if (!pn) return ret(o, WASI_EINVAL);
  put_u32(pn, total);
  return ret(o, WASI_ESUCCESS);
}

static rusm_host_status fd_fdstat_get(rusm_call *c, void *env, const rusm_val *a, rusm_val *o) {
  if ((uint32_t)a[0].i32 > 2) return ret(o, WASI_EBADF);
  uint8_t *p = mem(c, (uint32_t)a[1].i32, 24);
  if (!p) return ret(o, WASI_EINVAL);
  memset(p, 0, 24);
  p[0] = 2;                /* character device: stdio is a terminal-like stream */
  put_u64(p + 8, 0x1ffff); /* rights base: everything */
  return ret(o, WASI_ESUCCESS);
}

static rusm_host_status fd_seek(rusm_call *c, void *env, const rusm_val *a, rusm_val *o) {
  return ret(o, WASI_ESPIPE);
}

static rusm_host_status fd_close(rusm_call *c, void *env, const rusm_val *a, rusm_val *o) {
  return ret(o, WASI_ESUCCESS);
}

static rusm_host_status clock_time_get(rusm_call *c, void *env, const rusm_val *a, rusm_val *o) {
  struct timespec ts;
  clock_gettime(a[0].i32 == 0 ? CLOCK_REALTIME : CLOCK_MONOTONIC, &ts);
  uint8_t *p = mem(c, (uint32_t)a[2].i32, 8);
  if (!p) return ret(o, WASI_EINVAL);
  put_u64(p, (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec);
  return ret(o, WASI_ESUCCESS);
}

static rusm_host_status proc_exit(rusm_call *c, void *env, const rusm_val *a, rusm_val *o) {
  bench_wasi *w = env;
  w->exited = true;
  w->exit_code = a[0].i32;
  rusm_call_trap(c, "proc_exit");
  return RUSM_HOST_TRAP;
}

static rusm_host_status nosys(rusm_call *c, void *env, const rusm_val *a, rusm_val *o) {
  return ret(o, WASI_ENOSYS);
}

/* The implemented calls, defined once: name, params, results (for checks). */
#define WASI_MIN_CALLS(X)                                                                          \
  X(args_sizes_get, 2, 1)                                                                          \
  X(args_get, 2, 1)                                                                                \
  X(environ_sizes_get, 2, 1)                                                                       \
  X(environ_get, 2, 1)                                                                             \
  X(fd_write, 4, 1)                                                                                \
  X(fd_fdstat_get, 2, 1)                                                                           \
  X(fd_seek, 4, 1)                                                                                 \
  X(fd_close, 1, 1)                                                                                \
  X(clock_time_get, 3, 1)                                                                          \
  X(proc_exit, 1, 0)

static const struct {
  const char *name;
  rusm_host_fn fn;
  uint32_t n_params, n_results;
} wasi_calls[] = {
#define X(name, np, nr) {#name, name, np, nr},
    WASI_MIN_CALLS(X)
#undef X
};

bench_wasi *bench_wasi_new(int argc, char **argv) {
  bench_wasi *w = calloc(1, sizeof *w);
  if (!w) return NULL;
  w->out = malloc(WASI_OUTPUT_CAP + 1);
  if (!w->out) {
    free(w);
    return NULL;
  }
  w->out[0] = '\0';
  w->argc = argc;
  w->argv = argv;
  return w;
}

void bench_wasi_free(bench_wasi *w) {
  if (!w) return;
  for (size_t i = 0; i < w->n_funcs; i++) rusm_func_free(w->funcs[i]);
  free(w->funcs);
  free(w->out);
  free(w);
}

static rusm_func *keep(bench_wasi *w, rusm_func *f) {
  if (!f) return NULL;
  if (w->n_funcs == w->cap_funcs) {
    size_t cap = w->cap_funcs ? 2 * w->cap_funcs : 16;
    rusm_func **nf = realloc(w->funcs, cap * sizeof *nf);
    if (!nf) {
      rusm_func_free(f);
      return NULL;
    }
    w->funcs = nf;
    w->cap_funcs = cap;
  }
  return w->funcs[w->n_funcs++] = f;
}

bool bench_wasi_link(bench_wasi *w, const rusm_module *m, rusm_extern *o_imports, char *err,
                     size_t cap) {
  size_t n = rusm_module_import_count(m);
  for (size_t i = 0; i < n; i++) {
    const char *mod, *name;
    rusm_externtype t;
    rusm_module_import(m, i, &mod, &name, &t);
    if (strcmp(mod, "wasi_snapshot_preview1") != 0 || t.kind != RUSM_EXTERN_FUNC) {
      snprintf(err, cap, "import %s.%s is not a WASI preview 1 function", mod, name);
      return false;
    }
    rusm_host_fn fn = NULL;
    for (size_t k = 0; k < sizeof wasi_calls / sizeof wasi_calls[0]; k++)
      if (strcmp(name, wasi_calls[k].name) == 0) {
        if (t.func.n_params != wasi_calls[k].n_params ||
            t.func.n_results != wasi_calls[k].n_results) {
          snprintf(err, cap, "import %s has an unexpected type", name);
          return false;
        }
        fn = wasi_calls[k].fn;
      }
    if (!fn) {
      if (t.func.n_results != 1 || t.func.results[0] != RUSM_I32) {
        snprintf(err, cap, "import %s is not supported", name);
        return false;
      }
      fn = nosys;
    }
    o_imports[i].kind = RUSM_EXTERN_FUNC;
    o_imports[i].u.func = keep(w, rusm_func_new_host(&t.func, fn, w));
    if (!o_imports[i].u.func) {
      snprintf(err, cap, "cannot create host function %s", name);
      return false;
    }
  }
  return true;
}

bool bench_wasi_exited(const bench_wasi *w, int *o_code) {
  if (w->exited && o_code) *o_code = w->exit_code;
  return w->exited;
}

const char *bench_wasi_output(const bench_wasi *w) {
  return w->out;
}

void bench_wasi_reset(bench_wasi *w) {
  w->exited = false;
  w->exit_code = 0;
  w->out_len = 0;
  w->out[0] = '\0';
}
