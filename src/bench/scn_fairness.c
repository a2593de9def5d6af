/*
** scn_fairness.c: preemption under load.
**
** Phase 1 runs BYSTANDERS guests that call rusm::notify in an endless loop
** on otherwise free cores; phase 2 adds one `(loop (br 0))` spinner per
** worker and measures the bystanders' notify rate again. Headline = the
** rate under load. A fair scheduler keeps it near bystanders/(bystanders +
** spinners) of the free rate; max_wait_ns is the longest any preempted
** guest waited for a core (the epoch tick bounds it).
*/
#include "scenarios.h"

#include "host_guests.h"
#include "rusm/host.h"

#define BYSTANDERS 2

static rusm_wasm_prepared *prepare(rusm_wasm *w, const uint8_t *b, size_t n,
                                   rusm_wasm_module **o_m) {
  rusm_error err;
  *o_m = rusm_wasm_compile(w, b, n, &err);
  return *o_m ? rusm_wasm_prepare(w, *o_m, "run", &err) : NULL;
}

static uint64_t notifications(void *arg) {
  return rusm_wasm_notifications(arg);
}

/* Notify rate over seconds of a load already running. */
static double rate_over(rusm_wasm *w, double seconds) {
  uint64_t n0 = rusm_wasm_notifications(w), t0 = bench_now_ns();
  bench_sleep_ns((uint64_t)(seconds * 1e9));
  uint64_t n1 = rusm_wasm_notifications(w), t1 = bench_now_ns();
  return (double)(n1 - n0) / ((double)(t1 - t0) / 1e9);
}

int bench_fairness(const bench_opts *o, bench_result *r) {
  rusm_rt_config cfg;
  rusm_rt_config_default(&cfg);
  cfg.workers = o->workers;
  rusm_rt *rt = rusm_rt_new(&cfg);
  if (!rt) return bench_fail(r, "cannot create a runtime");
  rusm_wasm_config wc;
  rusm_wasm_config_default(&wc);
  wc.track_waits = true;
  rusm_wasm *w = rusm_wasm_new(rt, &wc);
  rusm_wasm_module *mb = NULL, *ms = NULL;
  rusm_wasm_prepared *pb = w ? prepare(w, guest_bystander, guest_bystander_len, &mb) : NULL;
  rusm_wasm_prepared *ps = w ? prepare(w, guest_spin, guest_spin_len, &ms) : NULL;
  if (!pb || !ps) {
    rusm_wasm_free(w);
    rusm_rt_free(rt);
    return bench_fail(r, "cannot prepare the guests");
  }
  unsigned spinners = o->workers ? o->workers : bench_cores();
  for (int i = 0; i < BYSTANDERS; i++) rusm_wasm_spawn(w, pb);
  double free_secs = o->seconds / 3 > 0.2 ? o->seconds / 3 : 0.2;
  bench_sleep_ns(100 * 1000 * 1000); /* let them start */
  double free_rate = rate_over(w, free_secs);
  for (unsigned i = 0; i < spinners; i++) rusm_wasm_spawn(w, ps);
  bench_opts load = *o;
  load.seconds = o->seconds - free_secs > 0.3 ? o->seconds - free_secs : 0.3;
  r->ops_per_sec = bench_measure(&load, r, notifications, w);
  uint64_t max_wait = rusm_wasm_max_wait_ns(w);
  rusm_wasm_free(w); /* kills every guest */
  rusm_wasm_prepared_free(pb);
  rusm_wasm_prepared_free(ps);
  rusm_wasm_module_free(mb);
  rusm_wasm_module_free(ms);
  rusm_rt_free(rt);

  r->ops_label = "bystander notify/s under spinner load";
  bench_detail_int(r, "spinners", spinners);
  bench_detail_int(r, "bystanders", BYSTANDERS);
  bench_detail_num(r, "bystander_free_ops_per_sec", free_rate);
  bench_detail_num(r, "share_of_free_rate", free_rate > 0 ? r->ops_per_sec / free_rate : 0);
  bench_detail_int(r, "max_wait_ns", (int64_t)max_wait);
  bench_detail_int(r, "epoch_tick_us", wc.epoch_tick_us);
  return 0;
}
