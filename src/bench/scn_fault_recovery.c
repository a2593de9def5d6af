/*
** scn_fault_recovery.c: supervisors restarting children that crash on
** purpose.
**
** SUPS_PER_CORE one_for_one supervisors per core, each with CHILDREN
** children and unlimited restarts; every child crashes as soon as it runs.
** Headline = restarts per second (child starts); latency = crash to
** replacement running: the child stamps the time just before it crashes
** and its replacement, on its first run, records the difference. After the
** run every child is let to park (stop) before the runtime goes, so the
** teardown is of a calm tree, not one mid-restart.
*/
#include "scenarios.h"

#include <stdatomic.h>
#include <stdlib.h>

#include "rusm/otp.h"

#define CHILDREN 4
#define SUPS_PER_CORE 2
#define PARK_WAIT_MS 2000

/* One per child position; padded so the children do not share lines. */
typedef struct slot {
  _Alignas(64) atomic_uint_fast64_t crashed_at; /* ns, 0 = never */
  atomic_uint_fast64_t starts;
  const atomic_bool *stop;
  atomic_size_t *parked; /* children that saw stop and wait for the end */
} slot;

static void crasher(rusm_ctx *ctx, void *arg) {
  slot *s = arg;
  uint64_t t = atomic_load_explicit(&s->crashed_at, memory_order_relaxed);
  if (t && bench_lat_on()) bench_lat_record(bench_now_ns() - t);
  atomic_fetch_add_explicit(&s->starts, 1, memory_order_relaxed);
  if (atomic_load_explicit(s->stop, memory_order_relaxed)) {
    atomic_fetch_add(s->parked, 1);
    rusm_item *it = rusm_receive(ctx); /* stay up until the runtime ends */
    if (it) rusm_item_free(it);
    return;
  }
  atomic_store_explicit(&s->crashed_at, bench_now_ns(), memory_order_relaxed);
  rusm_crash(ctx);
}

static rusm_pid start_crasher(rusm_rt *rt, void *arg) {
  return rusm_spawn(rt, crasher, arg, NULL);
}

typedef struct fr {
  slot *slots;
  size_t n;
} fr;

static uint64_t restarts(void *arg) {
  fr *f = arg;
  uint64_t sum = 0;
  for (size_t i = 0; i < f->n; i++)
    sum += atomic_load_explicit(&f->slots[i].starts, memory_order_relaxed);
  return sum;
}

int bench_fault_recovery(const bench_opts *o, bench_result *r) {
  rusm_rt_config cfg;
  rusm_rt_config_default(&cfg);
  cfg.workers = o->workers;
  rusm_rt *rt = rusm_rt_new(&cfg);
  size_t sups = (size_t)(o->workers ? o->workers : bench_cores()) * SUPS_PER_CORE;
  fr f = {aligned_alloc(64, sups * CHILDREN * sizeof(slot)), sups * CHILDREN};
  if (!rt || !f.slots) {
    if (rt) rusm_rt_free(rt);
    free(f.slots);
    return bench_fail(r, "cannot create a runtime");
  }
  atomic_bool stop;
  atomic_init(&stop, false);
  atomic_size_t parked;
  atomic_init(&parked, 0);
  for (size_t i = 0; i < f.n; i++) {
    atomic_init(&f.slots[i].crashed_at, 0);
    atomic_init(&f.slots[i].starts, 0);
    f.slots[i].stop = &stop;
    f.slots[i].parked = &parked;
  }
  for (size_t k = 0; k < sups; k++) {
    rusm_sup_spec *spec = rusm_sup_new(RUSM_ONE_FOR_ONE);
    rusm_sup_max_restarts(spec, 0);
    for (size_t c = 0; c < CHILDREN; c++)
      rusm_sup_child(spec, start_crasher, &f.slots[k * CHILDREN + c]);
    if (rusm_sup_start(rt, spec) == RUSM_PID_NONE) {
      rusm_rt_free(rt);
      free(f.slots);
      return bench_fail(r, "cannot start supervisor %zu", k);
    }
  }
  r->ops_per_sec = bench_measure(o, r, restarts, &f);
  atomic_store(&stop, true);
  uint64_t total = restarts(&f);
  /* each child is restarted at once after its crash, so all park quickly */
  for (int i = 0; i < PARK_WAIT_MS && atomic_load(&parked) < f.n; i++) bench_sleep_ns(1000000);
  size_t calm = atomic_load(&parked);
  rusm_rt_free(rt);
  free(f.slots);

  r->ops_label = "restarts/s";
  r->latency_label = "crash to replacement running";
  r->latency = bench_lat_collect();
  bench_detail_int(r, "supervisors", (int64_t)sups);
  bench_detail_int(r, "children_per_supervisor", CHILDREN);
  bench_detail_int(r, "restarts_total", (int64_t)total);
  bench_detail_str(r, "strategy", "one_for_one, unlimited restarts");
  bench_detail_int(r, "children_parked_at_end", (int64_t)calm);
  return 0;
}
