/*
** wasm_rt.c: the Wasm runtime over a rusm_rt: configuration, counters and
** the epoch thread.
**
** Preemption needs a clock that cannot be starved by the guests it is
** meant to interrupt, so the epoch is bumped by a dedicated OS thread, never
** by a process: a guest spinning in `(loop (br 0))` on every worker still
** sees the epoch move and yields at its next back-edge.
*/
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "host_int.h"

void rusm_wasm_config_default(rusm_wasm_config *o_cfg) {
  o_cfg->epoch_tick_us = 10000;
  o_cfg->max_memory = 16ull << 20;
  o_cfg->max_call_depth = 10000;
  o_cfg->track_waits = false;
}

static void *epoch_main(void *arg) {
  rusm_wasm *w = arg;
  pthread_mutex_lock(&w->epoch_lock);
  while (!w->epoch_stop) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    uint64_t ns = (uint64_t)ts.tv_nsec + (uint64_t)w->cfg.epoch_tick_us * 1000u;
    ts.tv_sec += (time_t)(ns / 1000000000u);
    ts.tv_nsec = (long)(ns % 1000000000u);
    int rc = pthread_cond_timedwait(&w->epoch_cond, &w->epoch_lock, &ts);
    if (rc == ETIMEDOUT) atomic_fetch_add_explicit(&w->epoch, 1, memory_order_relaxed);
  }
  pthread_mutex_unlock(&w->epoch_lock);
  return NULL;
}

rusm_wasm *rusm_wasm_new(rusm_rt *rt, const rusm_wasm_config *cfg) {
  rusm_wasm *w = calloc(1, sizeof *w);
  if (!w) return NULL;
  w->rt = rt;
  if (cfg)
    w->cfg = *cfg;
  else
    rusm_wasm_config_default(&w->cfg);
  if (!w->cfg.epoch_tick_us) w->cfg.epoch_tick_us = 10000;
  if (!w->cfg.max_memory) w->cfg.max_memory = 16ull << 20;
  if (!w->cfg.max_call_depth) w->cfg.max_call_depth = 10000;
  atomic_init(&w->epoch, 1);
  pthread_condattr_t ca;
  pthread_condattr_init(&ca);
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
  pthread_cond_init(&w->epoch_cond, &ca);
  pthread_condattr_destroy(&ca);
  pthread_mutex_init(&w->epoch_lock, NULL);
  w->wasi_link = rusm_wasi_link_new(host_wasi_lookup, NULL);
  if (!w->wasi_link || !host_abi_init(w)) goto fail;
  if (pthread_create(&w->epoch_thread, NULL, epoch_main, w) != 0) goto fail;
  return w;
fail:
  host_abi_fini(w);
  rusm_wasi_link_free(w->wasi_link);
  pthread_cond_destroy(&w->epoch_cond);
  pthread_mutex_destroy(&w->epoch_lock);
  free(w);
  return NULL;
}

size_t rusm_wasm_shutdown(rusm_wasm *w) {
  return rusm_rt_shutdown(w->rt);
}

void rusm_wasm_free(rusm_wasm *w) {
  if (!w) return;
  rusm_wasm_shutdown(w);
  pthread_mutex_lock(&w->epoch_lock);
  w->epoch_stop = true;
  pthread_cond_signal(&w->epoch_cond);
  pthread_mutex_unlock(&w->epoch_lock);
  pthread_join(w->epoch_thread, NULL);
  host_abi_fini(w);
  rusm_wasi_link_free(w->wasi_link);
  pthread_cond_destroy(&w->epoch_cond);
  pthread_mutex_destroy(&w->epoch_lock);
  free(w);
}

uint64_t rusm_wasm_notifications(rusm_wasm *w) {
  return atomic_load_explicit(&w->notifications, memory_order_relaxed);
}
uint64_t rusm_wasm_spawned(rusm_wasm *w) {
  return atomic_load_explicit(&w->spawned, memory_order_relaxed);
}
uint64_t rusm_wasm_live(rusm_wasm *w) {
  return atomic_load_explicit(&w->live, memory_order_relaxed);
}
rusm_rt *rusm_wasm_rt(rusm_wasm *w) {
  return w->rt;
}
uint64_t rusm_wasm_max_wait_ns(rusm_wasm *w) {
  return atomic_load_explicit(&w->max_wait_ns, memory_order_relaxed);
}
