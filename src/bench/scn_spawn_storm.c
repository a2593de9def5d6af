/*
** scn_spawn_storm.c: spawn+reap rate of trivial native bodies.
**
** One spawner process per worker spawns bodies that return at once, BATCH
** at a time, then yields so the worker runs the queued children and their
** slots are reused; it keeps yielding while more than MAX_LIVE_PER_SPAWNER
** per spawner are live. Headline = processes finished per second (spawned
** and reaped), read from the runtime's own counter. Latency = spawn to first
** run of the child, sampled on one spawn in SAMPLE_EVERY: mostly the time a
** child waits in the run queue behind the in-flight bound.
*/
#include "scenarios.h"

#include <stdatomic.h>

#include "rusm/otp.h"

#define MAX_LIVE_PER_SPAWNER 128
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

static void spawner(rusm_ctx *ctx, void *arg) {
  storm *s = arg;
  uint64_t i = 0;
  while (!atomic_load_explicit(&s->stop, memory_order_relaxed) && !rusm_killed(ctx)) {
    for (unsigned k = 0; k < BATCH; k++) {
      void *stamp = NULL;
      if ((++i & (SAMPLE_EVERY - 1)) == 0 && bench_lat_on())
        stamp = (void *)(uintptr_t)bench_now_ns();
      rusm_spawn(s->rt, trivial, stamp, NULL);
    }
    /* The children run when we give way; the bound keeps a spawner that
    ** outruns its reapers from filling the table. */
    do rusm_yield(ctx);
    while (rusm_process_count(s->rt) >= s->max_live && !rusm_killed(ctx));
  }
}

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
  s.max_live = (size_t)spawners * (MAX_LIVE_PER_SPAWNER + 1);
  atomic_init(&s.stop, false);

  rusm_pid pids[1024];
  for (unsigned k = 0; k < spawners; k++) pids[k] = rusm_spawn(s.rt, spawner, &s, NULL);
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
  bench_detail_str(r, "body", "native (rusm_spawn)");
  return 0;
}
