/*
** scn_idle.c: what a process blocked in receive costs.
**
** Spawns IDLE_PROCESSES resumable bodies that wait for a message (the
** process backend Wasm processes use: no native stack while parked), waits
** until every one has run to its receive, and reads the resident set
** before and after. Headline = processes spawned per second up to that
** point; detail carries bytes_per_process = RSS delta / count. The
** processes are then held for the run's seconds and shut down.
**
** For comparison the detail also carries native_bytes_per_process: the same
** measure for NATIVE_PROCESSES native bodies (rusm_spawn) parked in
** rusm_receive, whose saved stacks are part of their cost. After the hold,
** one parked process is sent a message and must wake and exit (woken_ok):
** parked must still mean alive. --smoke divides both populations by 100.
*/
#include "scenarios.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rusm/otp.h"

#define IDLE_PROCESSES 1000000
#define NATIVE_PROCESSES 100000
#define SMOKE_DIVISOR 100
#define WAKE_WAIT_MS 5000

typedef struct idle_shared {
  atomic_uint_fast64_t parked; /* first resumes */
} idle_shared;

/* All processes share one state: the figure is the runtime's own cost. */
static rusm_step idle_resume(void *state, rusm_ctx *ctx, uint32_t budget,
                             rusm_exit_reason *o_reason) {
  rusm_item *it = rusm_try_receive(ctx, NULL, NULL);
  if (!it) {
    atomic_fetch_add_explicit(&((idle_shared *)state)->parked, 1, memory_order_relaxed);
    return RUSM_STEP_WAIT;
  }
  rusm_item_free(it);
  *o_reason = RUSM_EXIT_NORMAL;
  return RUSM_STEP_EXIT;
}

static void idle_destroy(void *state) {}

static const rusm_body_ops idle_ops = {idle_resume, idle_destroy};

static void idle_native(rusm_ctx *ctx, void *arg) {
  atomic_fetch_add_explicit(&((idle_shared *)arg)->parked, 1, memory_order_relaxed);
  rusm_item *it = rusm_receive(ctx);
  if (it) rusm_item_free(it);
}

/* RSS bytes per parked native process, or a negative value on failure.
** Runs in a forked child so neither measure sees the other's freed heap. */
static double native_cost(const bench_opts *o, size_t n) {
  rusm_rt_config cfg;
  rusm_rt_config_default(&cfg);
  cfg.workers = o->workers;
  rusm_rt *rt = rusm_rt_new(&cfg);
  if (!rt) return -1;
  idle_shared sh;
  atomic_init(&sh.parked, 0);
  size_t rss0 = bench_rss_bytes();
  for (size_t i = 0; i < n; i++) {
    if (rusm_spawn(rt, idle_native, &sh, NULL) == RUSM_PID_NONE) {
      rusm_rt_free(rt); /* the ones that would never park: no figure */
      return -1;
    }
  }
  /* counted just before the receive: give the last ones time to park */
  while (atomic_load(&sh.parked) < n) bench_sleep_ns(1000000);
  bench_sleep_ns(50 * 1000000);
  size_t rss1 = bench_rss_bytes();
  rusm_rt_free(rt);
  return ((double)rss1 - (double)rss0) / (double)n;
}

/* Called before any runtime exists, so the child forks a single thread.
** The child ends with exit(), not _exit(): it is a whole single-threaded
** run, and its exit handlers (leak checks, coverage) should see it too;
** stdio is flushed first so nothing buffered is written twice. */
static double native_cost_forked(const bench_opts *o, size_t n) {
  int fd[2];
  if (pipe(fd) != 0) return -1;
  fflush(NULL);
  pid_t child = fork();
  if (child == 0) {
    close(fd[0]);
    double v = native_cost(o, n);
    ssize_t w = write(fd[1], &v, sizeof v);
    close(fd[1]);
    exit(w == (ssize_t)sizeof v ? 0 : 1);
  }
  close(fd[1]);
  double v = -1;
  if (child < 0 || read(fd[0], &v, sizeof v) != (ssize_t)sizeof v) v = -1;
  close(fd[0]);
  if (child > 0) waitpid(child, NULL, 0);
  return v;
}

int bench_idle(const bench_opts *o, bench_result *r) {
  size_t n = o->smoke ? IDLE_PROCESSES / SMOKE_DIVISOR : IDLE_PROCESSES;
  size_t n_native = o->smoke ? NATIVE_PROCESSES / SMOKE_DIVISOR : NATIVE_PROCESSES;
  double native = native_cost_forked(o, n_native);
  rusm_rt_config cfg;
  rusm_rt_config_default(&cfg);
  cfg.workers = o->workers;
  rusm_rt *rt = rusm_rt_new(&cfg);
  if (!rt) return bench_fail(r, "cannot create a runtime");
  idle_shared sh;
  atomic_init(&sh.parked, 0);

  size_t rss0 = bench_rss_bytes();
  uint64_t t0 = bench_now_ns();
  rusm_pid last = RUSM_PID_NONE;
  for (size_t i = 0; i < n; i++) {
    if ((last = rusm_spawn_body(rt, &idle_ops, &sh)) == RUSM_PID_NONE) {
      rusm_rt_free(rt);
      return bench_fail(r, "spawn %zu of %zu failed", i, n);
    }
  }
  double loop_s = (double)(bench_now_ns() - t0) / 1e9;
  while (atomic_load(&sh.parked) < n) bench_sleep_ns(1000000);
  double spawn_s = (double)(bench_now_ns() - t0) / 1e9;
  size_t rss1 = bench_rss_bytes();
  size_t live = rusm_process_count(rt);

  bench_sleep_ns((uint64_t)(o->seconds * 1e9));
  size_t rss2 = bench_rss_bytes();
  rusm_send(rt, last, "w", 1);
  for (int i = 0; i < WAKE_WAIT_MS && rusm_process_count(rt) >= live; i++) bench_sleep_ns(1000000);
  bool woken = rusm_process_count(rt) == live - 1;
  uint64_t t1 = bench_now_ns();
  rusm_rt_shutdown(rt);
  double down_s = (double)(bench_now_ns() - t1) / 1e9;
  rusm_rt_free(rt);

  r->ops_per_sec = (double)n / spawn_s;
  r->ops_label = "processes spawned/s (until all parked)";
  bench_detail_int(r, "processes", (int64_t)live);
  bench_detail_num(r, "bytes_per_process", ((double)rss1 - (double)rss0) / (double)n);
  bench_detail_num(r, "spawn_seconds", spawn_s);
  bench_detail_num(r, "spawn_loop_seconds", loop_s);
  bench_detail_int(r, "rss_before_bytes", (int64_t)rss0);
  bench_detail_int(r, "rss_parked_bytes", (int64_t)rss1);
  bench_detail_int(r, "rss_after_hold_bytes", (int64_t)rss2);
  bench_detail_num(r, "shutdown_seconds", down_s);
  bench_detail_str(r, "body", "resumable (rusm_spawn_body)");
  bench_detail_bool(r, "woken_ok", woken);
  bench_detail_num(r, "native_bytes_per_process", native);
  bench_detail_int(r, "native_processes", (int64_t)n_native);
  return 0;
}
