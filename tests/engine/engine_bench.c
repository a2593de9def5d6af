/*
** engine_bench.c: prints engine figures (not a test): instantiate+free
** rate for a 1-page module, call overhead, and interpreter speed on fib
** and a counting loop against the same code compiled natively.
*/
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>
#include <string.h>
#include <time.h>

#include "exec_util.h"

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts); /* CPU time: the build machine is shared */
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static rusm_prepared *g_pp;
static void *spawn_loop(void *arg) {
  int n = *(int *)arg;
  for (int i = 0; i < n; i++) rusm_instance_free(rusm_instantiate(g_pp, NULL, NULL));
  return NULL;
}

static double wall_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long rss_kib(void) {
  FILE *f = fopen("/proc/self/statm", "r");
  long size = 0, rss = 0;
  if (f && fscanf(f, "%ld %ld", &size, &rss) != 2) rss = 0;
  if (f) fclose(f);
  return rss * (sysconf(_SC_PAGESIZE) / 1024);
}

static int64_t fib_native(int64_t n) {
  return n < 2 ? n : fib_native(n - 1) + fib_native(n - 2);
}

int main(void) {
  rusm_module *pool = eu_load("pool"), *exec = eu_load("exec");
  if (!pool || !exec) return 1;
  rusm_prepared *pp = rusm_prepare(pool, NULL, 0, NULL), *pe = rusm_prepare(exec, NULL, 0, NULL);
  if (!pp || !pe) return 1;

  const int N = 2000000;
  double t0 = now_s();
  for (int i = 0; i < N; i++) rusm_instance_free(rusm_instantiate(pp, NULL, NULL));
  double dt = now_s() - t0;
  printf("instantiate+free (1 page, 5-byte data, no call): %.0f /s (%.0f ns each)\n", N / dt,
         dt / N * 1e9);

  t0 = now_s();
  for (int i = 0; i < N / 4; i++) {
    rusm_instance *in = rusm_instantiate(pp, NULL, NULL);
    rusm_invoke(in, eu_func(in, "empty"), NULL, 1000);
    rusm_instance_free(in);
  }
  dt = now_s() - t0;
  printf("instantiate+call empty+free (memory reset after a call): %.0f /s (%.0f ns each)\n",
         N / 4 / dt, dt / (N / 4) * 1e9);

  /* Resident memory of many live, idle instances. */
  enum { LIVE = 20000 };
  rusm_instance **live = malloc(LIVE * sizeof *live);
  long r0 = rss_kib();
  for (int i = 0; i < LIVE; i++) live[i] = rusm_instantiate(pp, NULL, NULL);
  long r1 = rss_kib();
  for (int i = 0; i < LIVE; i++) rusm_invoke(live[i], eu_func(live[i], "empty"), NULL, 100);
  long r2 = rss_kib();
  for (int i = 0; i < LIVE; i++) rusm_instance_free(live[i]);
  free(live);
  printf("RSS per live 1-page instance: %.1f KiB instantiated, %.1f KiB after one call\n",
         (double)(r1 - r0) / LIVE, (double)(r2 - r0) / LIVE);

  /* Two threads on one pool (wall time: includes lock contention). */
  g_pp = pp;
  int per = N / 2;
  pthread_t th[2];
  t0 = wall_s();
  for (int i = 0; i < 2; i++) pthread_create(&th[i], NULL, spawn_loop, &per);
  for (int i = 0; i < 2; i++) pthread_join(th[i], NULL);
  dt = wall_s() - t0;
  printf("instantiate+free from 2 threads on one pool: %.0f /s total (wall)\n", 2 * per / dt);

  rusm_instance *in = rusm_instantiate(pe, NULL, NULL);
  rusm_func *empty = eu_func(in, "trap_named");
  (void)empty;
  rusm_func *fib = eu_func(in, "fib");
  rusm_val a = {.i64 = 30}, r;
  t0 = now_s();
  rusm_invoke(in, fib, &a, UINT32_MAX);
  dt = now_s() - t0;
  rusm_results(in, &r);
  volatile int64_t n = 30;
  double t1 = now_s();
  int64_t nat = fib_native(n);
  double dn = now_s() - t1;
  printf("fib(30) = %lld: interpreter %.3f s, native %.3f s (%.1fx)\n", (long long)r.i64, dt, dn,
         dt / dn);

  rusm_val c = {.i32 = 100000000};
  t0 = now_s();
  rusm_invoke(in, eu_func(in, "count"), &c, UINT32_MAX);
  dt = now_s() - t0;
  rusm_results(in, &r);
  printf("count loop 1e8 iterations: %.3f s (%.2f ns/iteration), result %d\n", dt, dt / 1e8 * 1e9,
         r.i32);
  (void)nat;
  rusm_instance_free(in);

  /* Image strategy: copying an image vs mapping it copy-on-write from a memfd. */
  for (size_t sz = 64 << 10; sz <= (16u << 20); sz *= 16) {
    uint8_t *img = malloc(sz), *dst = malloc(sz);
    memset(img, 1, sz);
    memset(dst, 0, sz);
    int fd = memfd_create("img", 0);
    if (fd < 0 || ftruncate(fd, (off_t)sz) != 0 || write(fd, img, sz) != (ssize_t)sz) return 1;
    int reps = (int)((64u << 20) / sz);
    t0 = now_s();
    for (int i = 0; i < reps; i++) memcpy(dst, img, sz);
    double tc = (now_s() - t0) / reps;
    t0 = now_s();
    for (int i = 0; i < reps; i++) {
      uint8_t *m = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
      m[0] = 2; /* one written page, the rest shared */
      munmap(m, sz);
    }
    double tm = (now_s() - t0) / reps;
    t0 = now_s();
    for (int i = 0; i < reps; i++) {
      uint8_t *m = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
      for (size_t k = 0; k < sz; k += 4096) m[k] = 2; /* every page written */
      munmap(m, sz);
    }
    double tw = (now_s() - t0) / reps;
    printf("image %6zu KiB: memcpy %8.1f us, memfd map+1 write+unmap %8.1f us, "
           "map+write all pages %8.1f us\n",
           sz >> 10, tc * 1e6, tm * 1e6, tw * 1e6);
    close(fd);
    free(img);
    free(dst);
  }
  rusm_prepared_free(pp);
  rusm_prepared_free(pe);
  rusm_module_free(pool);
  rusm_module_free(exec);
  return 0;
}
