/*
** measure.c: the measured phase, latency recording and small OS helpers
** shared by every scenario.
*/
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "bench.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define WARMUP_S 2.0 /* reference 5.1: WARMUP_SECS */

uint64_t bench_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void bench_sleep_ns(uint64_t ns) {
  struct timespec ts = {(time_t)(ns / 1000000000ull), (long)(ns % 1000000000ull)};
  while (nanosleep(&ts, &ts) != 0) {
  }
}

unsigned bench_cores(void) {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? (unsigned)n : 1;
}

size_t bench_rss_bytes(void) {
  FILE *f = fopen("/proc/self/statm", "r");
  if (!f) return 0;
  unsigned long size = 0, resident = 0;
  int got = fscanf(f, "%lu %lu", &size, &resident);
  fclose(f);
  return got == 2 ? (size_t)resident * (size_t)sysconf(_SC_PAGESIZE) : 0;
}

/* ------------------------------------------------------------- detail */

static bench_kv *detail_slot(bench_result *r, const char *key) {
  for (size_t i = 0; i < r->n_detail; i++)
    if (strcmp(r->detail[i].key, key) == 0) return &r->detail[i];
  if (r->n_detail == BENCH_MAX_DETAIL) return NULL;
  bench_kv *kv = &r->detail[r->n_detail++];
  kv->key = key;
  return kv;
}

void bench_detail_int(bench_result *r, const char *key, int64_t v) {
  bench_kv *kv = detail_slot(r, key);
  if (kv) kv->kind = BENCH_V_INT, kv->v.i = v;
}

void bench_detail_num(bench_result *r, const char *key, double v) {
  bench_kv *kv = detail_slot(r, key);
  if (kv) kv->kind = BENCH_V_NUM, kv->v.d = v;
}

void bench_detail_str(bench_result *r, const char *key, const char *v) {
  bench_kv *kv = detail_slot(r, key);
  if (kv) kv->kind = BENCH_V_STR, kv->v.s = v;
}

void bench_detail_bool(bench_result *r, const char *key, bool v) {
  bench_kv *kv = detail_slot(r, key);
  if (kv) kv->kind = BENCH_V_BOOL, kv->v.b = v;
}

int bench_fail(bench_result *r, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(r->error, sizeof r->error, fmt, ap);
  va_end(ap);
  return -1;
}

/* ------------------------------------------------------------ latency */

/* Each recording thread owns one histogram, listed here so collect can
** merge them; the list outlives the threads (workers come and go with each
** runtime), so a histogram is never freed while a thread may still use it. */
typedef struct lat_node {
  bench_hist *h;
  struct lat_node *next;
} lat_node;

static pthread_mutex_t lat_mu = PTHREAD_MUTEX_INITIALIZER;
static lat_node *lat_all;
static atomic_bool lat_recording;
static _Thread_local bench_hist *lat_mine;

void bench_lat_start(void) {
  pthread_mutex_lock(&lat_mu);
  for (lat_node *n = lat_all; n; n = n->next) {
    memset(n->h, 0, sizeof *n->h);
    n->h->min = UINT64_MAX;
  }
  pthread_mutex_unlock(&lat_mu);
  atomic_store(&lat_recording, true);
}

void bench_lat_stop(void) {
  atomic_store(&lat_recording, false);
}

bool bench_lat_on(void) {
  return atomic_load_explicit(&lat_recording, memory_order_relaxed);
}

/* noinline: a fiber may resume on another thread, so the TLS address must
** be taken afresh on every call, never cached by an inlining caller. */
__attribute__((noinline)) void bench_lat_record(uint64_t ns) {
  if (!bench_lat_on()) return;
  bench_hist *h = lat_mine;
  if (!h) {
    lat_node *n = malloc(sizeof *n);
    h = hist_new();
    if (!n || !h) {
      free(n);
      free(h);
      return;
    }
    n->h = h;
    pthread_mutex_lock(&lat_mu);
    n->next = lat_all;
    lat_all = n;
    pthread_mutex_unlock(&lat_mu);
    lat_mine = h;
  }
  hist_record(h, ns);
}

bench_hist *bench_lat_collect(void) {
  bench_hist *out = hist_new();
  if (!out) return NULL;
  pthread_mutex_lock(&lat_mu);
  for (lat_node *n = lat_all; n; n = n->next) hist_merge(out, n->h);
  pthread_mutex_unlock(&lat_mu);
  return out;
}

void bench_lat_free(void) {
  pthread_mutex_lock(&lat_mu);
  while (lat_all) {
    lat_node *n = lat_all;
    lat_all = n->next;
    free(n->h);
    free(n);
  }
  pthread_mutex_unlock(&lat_mu);
  lat_mine = NULL;
}

/* ----------------------------------------------------------- measuring */

double bench_warmup_for(double seconds) {
  return seconds >= 2 * WARMUP_S ? WARMUP_S : 0.0;
}

double bench_measure(const bench_opts *o, bench_result *r, bench_count_fn count, void *arg) {
  double warm = bench_warmup_for(o->seconds);
  if (warm > 0) bench_sleep_ns((uint64_t)(warm * 1e9));
  uint64_t c0 = count(arg), t0 = bench_now_ns();
  bench_lat_start();
  bench_sleep_ns((uint64_t)((o->seconds - warm) * 1e9));
  bench_lat_stop();
  uint64_t c1 = count(arg), t1 = bench_now_ns();
  double dt = (double)(t1 - t0) / 1e9;
  bench_detail_num(r, "warmup_seconds", warm);
  bench_detail_num(r, "measured_seconds", dt);
  return dt > 0 ? (double)(c1 - c0) / dt : 0.0;
}
