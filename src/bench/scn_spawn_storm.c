/*
** scn_spawn_storm.c: spawn+reap rate of trivial native bodies.
**
** One spawner process per worker spawns native bodies (rusm_spawn) that
** return at once, BATCH at a time, then yields so the queued children run
** and their slots are reused; it keeps yielding while more than
** MAX_LIVE_PER_SPAWNER per spawner are live. Headline = processes finished
** per second (spawned and reaped), read from the runtime's own counter. Latency = spawn to first
** run of the child, sampled on one spawn in SAMPLE_EVERY (queueing behind
** the rest of its batch included).
*/
#include "scenarios.h"

#include <stdatomic.h>

#include "rusm/otp.h"

#define MAX_LIVE_PER_SPAWNER 128
#define MAX_SPAWNERS 1024
#define SAMPLE_EVERY 64 /* a power of two */
#define BATCH 16        /* spawns between two yields */

typedef struct storm {
  rusm_rt *rt;
  size_t max_live;
  atomic_bool stop;
} storm;

/* arg carries the spawn time of a sampled child, else NULL. */
static void trivial(rusm_ctx *ctx, void *arg) {
  if (arg) bench_lat_record(bench_now_ns() - (uint64_t)(uintptr_t)arg);
}

/* A spawner is a resumable body: it is not pinned to a worker, so after a
** batch it queues behind the children it just spawned and they run before
** its next batch (a pinned native spawner alternates with one child per
** turn and the queue fills up to the bound). */
typedef struct spawner {
  storm *s;
  uint64_t n; /* spawns so far, for sampling */
} spawner;

static rusm_step spawner_step(void *state, rusm_ctx *ctx, uint32_t budget, rusm_exit_reason *o) {
  spawner *sp = state;
  storm *s = sp->s;
  if (atomic_load_explicit(&s->stop, memory_order_relaxed)) {
    *o = RUSM_EXIT_NORMAL;
    return RUSM_STEP_EXIT;
  }
  if (rusm_process_count(s->rt) >= s->max_live) return RUSM_STEP_YIELD;
  for (unsigned k = 0; k < BATCH; k++) {
    void *stamp = NULL;
    if ((++sp->n & (SAMPLE_EVERY - 1)) == 0 && bench_lat_on())
      stamp = (void *)(uintptr_t)bench_now_ns();
    rusm_spawn(s->rt, trivial, stamp, NULL);
  }
  return RUSM_STEP_YIELD;
}

static void spawner_destroy(void *state) {}

static const rusm_body_ops spawner_ops = {spawner_step, spawner_destroy};

static uint64_t finished(void *arg) {
  return rusm_finished(((storm *)arg)->rt);
}

int bench_spawn_storm(const bench_opts *o, bench_result *r) {
  rusm_rt_config cfg;
  rusm_rt_config_default(&cfg);
  cfg.workers = o->workers;
  storm s = {.rt = rusm_rt_new(&cfg)};
  if (!s.rt) return bench_fail(r, "cannot create a runtime");
  unsigned spawners = o->workers ? o->workers : bench_cores();
  if (spawners > MAX_SPAWNERS) spawners = MAX_SPAWNERS;
  s.max_live = (size_t)spawners * (MAX_LIVE_PER_SPAWNER + 1);
  atomic_init(&s.stop, false);

  rusm_pid pids[MAX_SPAWNERS];
  spawner sps[MAX_SPAWNERS];
  for (unsigned k = 0; k < spawners; k++) {
    sps[k] = (spawner){&s, 0};
    pids[k] = rusm_spawn_body(s.rt, &spawner_ops, &sps[k]);
  }
  r->ops_per_sec = bench_measure(o, r, finished, &s);
  atomic_store(&s.stop, true);
  for (unsigned k = 0; k < spawners; k++) rusm_rt_join(s.rt, pids[k]);
  uint64_t total = rusm_spawned(s.rt);
  rusm_rt_free(s.rt);

  r->ops_label = "spawns/s (spawned and reaped)";
  r->latency_label = "spawn to first run";
  r->latency = bench_lat_collect();
  bench_detail_int(r, "spawners", spawners);
  bench_detail_int(r, "max_live", (int64_t)s.max_live);
  bench_detail_int(r, "spawned_total", (int64_t)total);
  bench_detail_str(r, "body", "native (rusm_spawn); spawners resumable");
  return 0;
}
