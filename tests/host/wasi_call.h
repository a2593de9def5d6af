/*
** wasi_call.h: calling the WASI handlers directly over a fake 64 KiB guest
** memory (no engine), for the tests that include it (one copy of MEM and E
** per test executable).
*/
#ifndef RUSM_TEST_WASI_CALL_H
#define RUSM_TEST_WASI_CALL_H

#include <stdint.h>
#include <string.h>

#include "../../src/host/wasi/wasi_int.h"

static uint8_t MEM[1 << 16];
static wasi_env E;

/* A fresh environment over a zeroed MEM for w (borrowed). */
static inline void env_for(rusm_wasi *w) {
  memset(&E, 0, sizeof E);
  memset(MEM, 0, sizeof MEM);
  E.w = w;
  E.mem = MEM;
  E.mem_size = sizeof MEM;
}

static inline uint32_t call_(uint32_t (*h)(wasi_env *, const rusm_val *), const uint64_t *v,
                             size_t n) {
  rusm_val a[10];
  for (size_t i = 0; i < n; i++) a[i].i64 = (int64_t)v[i];
  return h(&E, a);
}

/* CALL(fd_write, 1, IOV, 1, OUT): the handler wasi_h_<h> with i64 args. */
#define CALL(h, ...)                                                                               \
  call_(wasi_h_##h, (const uint64_t[]){__VA_ARGS__},                                               \
        sizeof((const uint64_t[]){__VA_ARGS__}) / sizeof(uint64_t))

#endif
