/*
** misc.c: the WASI calls that touch no file: args, environ, clocks,
** random, proc_exit/proc_raise and sched_yield.
*/
#define _GNU_SOURCE
#include "wasi_int.h"

#include <errno.h>
#include <stdio.h>
#include <sys/random.h>
#include <time.h>

/* Writes a pointer vector and the packed NUL-terminated strings. */
static uint32_t misc_strings(wasi_env *e, char *const *v, size_t n, size_t bytes, uint32_t vec,
                             uint32_t buf) {
  uint8_t *b = wasi_ptr(e, buf, bytes);
  if (!b || !wasi_ptr(e, vec, (uint64_t)n * 4)) return WASI_EFAULT;
  uint32_t off = 0;
  for (size_t i = 0; i < n; i++) {
    size_t len = strlen(v[i]) + 1;
    memcpy(b + off, v[i], len);
    wasi_put32(e, vec + (uint32_t)i * 4, buf + off);
    off += (uint32_t)len;
  }
  return 0;
}

static uint32_t misc_sizes(wasi_env *e, size_t n, size_t bytes, uint32_t o_n, uint32_t o_b) {
  if (!wasi_ptr(e, o_n, 4) || !wasi_ptr(e, o_b, 4)) return WASI_EFAULT;
  wasi_put32(e, o_n, (uint32_t)n);
  wasi_put32(e, o_b, (uint32_t)bytes);
  return 0;
}

uint32_t wasi_h_args_get(wasi_env *e, const rusm_val *a) {
  return misc_strings(e, e->w->argv, e->w->argc, e->w->argv_bytes, WA32(0), WA32(1));
}
uint32_t wasi_h_args_sizes_get(wasi_env *e, const rusm_val *a) {
  return misc_sizes(e, e->w->argc, e->w->argv_bytes, WA32(0), WA32(1));
}
uint32_t wasi_h_environ_get(wasi_env *e, const rusm_val *a) {
  return misc_strings(e, e->w->env, e->w->envc, e->w->env_bytes, WA32(0), WA32(1));
}
uint32_t wasi_h_environ_sizes_get(wasi_env *e, const rusm_val *a) {
  return misc_sizes(e, e->w->envc, e->w->env_bytes, WA32(0), WA32(1));
}

/* witx clockid -> host clock; -1 for an unknown id. */
static int misc_clock(uint32_t id) {
  switch (id) {
  case 0: return CLOCK_REALTIME;
  case 1: return CLOCK_MONOTONIC;
  case 2: return CLOCK_PROCESS_CPUTIME_ID;
  case 3: return CLOCK_THREAD_CPUTIME_ID;
  default: return -1;
  }
}

uint32_t wasi_h_clock_res_get(wasi_env *e, const rusm_val *a) {
  int c = misc_clock(WA32(0));
  if (c < 0) return WASI_EINVAL;
  struct timespec ts;
  if (clock_getres(c, &ts) != 0) return wasi_errno(errno);
  uint64_t ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
  return wasi_put64(e, WA32(1), ns ? ns : 1) ? 0 : WASI_EFAULT;
}

uint32_t wasi_h_clock_time_get(wasi_env *e, const rusm_val *a) {
  int c = misc_clock(WA32(0));
  if (c < 0) return WASI_EINVAL;
  return wasi_put64(e, WA32(2), wasi_now_ns(c)) ? 0 : WASI_EFAULT;
}

uint32_t wasi_h_random_get(wasi_env *e, const rusm_val *a) {
  uint32_t len = WA32(1);
  uint8_t *p = wasi_ptr(e, WA32(0), len);
  if (!p) return WASI_EFAULT;
  for (uint32_t done = 0; done < len;) {
    ssize_t n = getrandom(p + done, len - done, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return wasi_errno(errno);
    done += (uint32_t)n;
  }
  return 0;
}

uint32_t wasi_h_proc_exit(wasi_env *e, const rusm_val *a) {
  e->w->exited = true;
  e->w->exit_code = WA32(0);
  snprintf(e->trap_msg, sizeof e->trap_msg, "%s", RUSM_WASI_EXIT_MSG);
  return WASI_TRAP;
}

/* Signals are not delivered to Wasm guests; wasmtime does the same. */
uint32_t wasi_h_proc_raise(wasi_env *e, const rusm_val *a) {
  return WASI_ENOSYS;
}

/* Yielding is the scheduler's job: suspend once, complete on the retry. */
uint32_t wasi_h_sched_yield(wasi_env *e, const rusm_val *a) {
  if (e->retry) return 0;
  return wasi_wait(e, RUSM_WASI_WAIT_YIELD, NULL, 0, UINT64_MAX);
}
