/*
** scn_module_storm.c: spawn+reap of Wasm processes.
**
** The guest is a 1-page module with an empty `run`. One spawner process per
** worker spawns BATCH processes, then yields while 100 or more are live
** (the reference's bound), so instances cycle through the prepared
** module's pool. Headline = Wasm processes finished per second. Latency =
** the spawn call itself (the reference's "spawn time"), sampled on one spawn
** in SAMPLE_EVERY; since our spawn defers instantiation to the process's
** first run on a worker, detail also gives spawn-to-exit percentiles
** (instantiate, run, tear down, slot back in the pool) so nothing hides.
*/
#include "scenarios.h"

#include <stdatomic.h>
#include <stdlib.h>

#include "host_guests.h"
#include "rusm/host.h"

#define MAX_LIVE 100
#define SAMPLE_EVERY 64 /* a power of two */
#define BATCH 16

typedef struct mstorm {
  rusm_wasm *w;
  rusm_wasm_prepared *p;
  atomic_bool stop;
  _Atomic uint64_t done;
} mstorm;

/* Spawn-to-exit samples, kept apart from the spawn-call histogram. */
static bench_hist *to_exit;
static _Atomic int to_exit_lock;

static void sampled_exit(void *arg, const rusm_wasm_exit *e) {
  uint64_t ns = bench_now_ns() - (uint64_t)(uintptr_t)arg;
  while (atomic_exchange_explicit(&to_exit_lock, 1, memory_order_acquire)) {
  }
  hist_record(to_exit, ns);
  atomic_store_explicit(&to_exit_lock, 0, memory_order_release);
}

static void spawner(rusm_ctx *ctx, void *arg) {
  mstorm *s = arg;
  uint64_t i = 0;
  while (!atomic_load_explicit(&s->stop, memory_order_relaxed) && !rusm_killed(ctx)) {
    for (unsigned k = 0; k < BATCH; k++) {
      if ((++i & (SAMPLE_EVERY - 1)) == 0 && bench_lat_on()) {
        rusm_wasm_spawn_opts o = {0};
        o.on_exit = sampled_exit;
        uint64_t t0 = bench_now_ns();
        o.on_exit_arg = (void *)(uintptr_t)t0;
        rusm_wasm_spawn_ex(s->w, s->p, &o);
        bench_lat_record(bench_now_ns() - t0);
      } else {
        rusm_wasm_spawn(s->w, s->p);
      }
    }
    do rusm_yield(ctx);
    while (rusm_wasm_live(s->w) >= MAX_LIVE && !rusm_killed(ctx));
  }
}

static uint64_t finished(void *arg) {
  mstorm *s = arg;
  return rusm_wasm_spawned(s->w) - rusm_wasm_live(s->w);
}

int bench_module_storm(const bench_opts *o, bench_result *r) {
  rusm_rt_config cfg;
  rusm_rt_config_default(&cfg);
  cfg.workers = o->workers;
  rusm_rt *rt = rusm_rt_new(&cfg);
  if (!rt) return bench_fail(r, "cannot create a runtime");
  mstorm s = {.w = rusm_wasm_new(rt, NULL)};
  rusm_error err = {0}; /* no reason when rusm_wasm_new itself failed */
  rusm_wasm_module *m = s.w ? rusm_wasm_compile(s.w, guest_empty, guest_empty_len, &err) : NULL;
  s.p = m ? rusm_wasm_prepare(s.w, m, "run", &err) : NULL;
  if (!s.p) {
    rusm_wasm_module_free(m);
    rusm_wasm_free(s.w);
    rusm_rt_free(rt);
    return bench_fail(r, "cannot prepare the guest: %s",
                      err.reason[0] ? err.reason : "out of memory");
  }
  atomic_init(&s.stop, false);
  to_exit = hist_new();
  unsigned spawners = o->workers ? o->workers : bench_cores();
  rusm_pid pids[1024];
  for (unsigned k = 0; k < spawners && k < 1024; k++) pids[k] = rusm_spawn(rt, spawner, &s, NULL);
  r->ops_per_sec = bench_measure(o, r, finished, &s);
  atomic_store(&s.stop, true);
  for (unsigned k = 0; k < spawners && k < 1024; k++) rusm_rt_join(rt, pids[k]);
  rusm_rt_shutdown(rt);
  uint64_t total = rusm_wasm_spawned(s.w);
  rusm_wasm_free(s.w);
  rusm_wasm_prepared_free(s.p);
  rusm_wasm_module_free(m);
  rusm_rt_free(rt);

  r->ops_label = "Wasm spawns/s (spawned and reaped)";
  r->latency_label = "spawn call";
  r->latency = bench_lat_collect();
  bench_detail_int(r, "spawn_to_exit_p50_ns", (int64_t)hist_percentile(to_exit, 50));
  bench_detail_int(r, "spawn_to_exit_p99_ns", (int64_t)hist_percentile(to_exit, 99));
  free(to_exit);
  bench_detail_int(r, "spawners", spawners);
  bench_detail_int(r, "max_live", MAX_LIVE);
  bench_detail_int(r, "spawned_total", (int64_t)total);
  bench_detail_str(r, "guest", "1 page, empty run");
  return 0;
}
