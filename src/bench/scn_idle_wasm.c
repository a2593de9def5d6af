/*
** scn_idle_wasm.c: what an idle Wasm process costs.
**
** Spawns N guests that notify once and then park in rusm::receive (a 1-page
** memory they never touch), waits until all N have notified, and divides
** the growth of the resident set by N. Headline = spawns per second of the
** whole ramp (spawn + instantiate + run to the park); detail gives
** bytes_per_process, the figure (target: at most 16 KiB), and how
** long shutdown took to end them all. --smoke parks N / 100 of them.
*/
#include "scenarios.h"

#include "host_guests.h"
#include "rusm/host.h"

#define N 100000
#define SMOKE_DIVISOR 100

int bench_idle_wasm(const bench_opts *o, bench_result *r) {
  rusm_rt_config cfg;
  rusm_rt_config_default(&cfg);
  cfg.workers = o->workers;
  rusm_rt *rt = rusm_rt_new(&cfg);
  if (!rt) return bench_fail(r, "cannot create a runtime");
  rusm_wasm *w = rusm_wasm_new(rt, NULL);
  rusm_error err;
  rusm_wasm_module *m = w ? rusm_wasm_compile(w, guest_idle, guest_idle_len, &err) : NULL;
  rusm_wasm_prepared *p = m ? rusm_wasm_prepare(w, m, "run", &err) : NULL;
  if (!p) {
    rusm_wasm_module_free(m);
    rusm_wasm_free(w);
    rusm_rt_free(rt);
    return bench_fail(r, "cannot prepare the guest");
  }
  uint64_t n = o->smoke ? N / SMOKE_DIVISOR : N;
  size_t rss0 = bench_rss_bytes();
  uint64_t t0 = bench_now_ns();
  for (uint64_t i = 0; i < n; i++) rusm_wasm_spawn(w, p);
  while (rusm_wasm_notifications(w) < n) bench_sleep_ns(1000000);
  uint64_t t1 = bench_now_ns();
  bench_sleep_ns(50 * 1000 * 1000); /* let the last ones reach receive */
  size_t rss1 = bench_rss_bytes();
  uint64_t t2 = bench_now_ns();
  size_t killed = rusm_wasm_shutdown(w);
  uint64_t t3 = bench_now_ns();
  uint64_t live_after = rusm_wasm_live(w);
  rusm_wasm_free(w);
  rusm_wasm_prepared_free(p);
  rusm_wasm_module_free(m);
  rusm_rt_free(rt);

  r->ops_per_sec = (double)n / ((double)(t1 - t0) / 1e9);
  r->ops_label = "spawns/s to parked (whole ramp)";
  bench_detail_int(r, "processes", (int64_t)n);
  bench_detail_int(r, "bytes_per_process", (int64_t)(rss1 - rss0) / (int64_t)n);
  bench_detail_num(r, "spawn_seconds", (double)(t1 - t0) / 1e9);
  bench_detail_int(r, "shutdown_killed", (int64_t)killed);
  bench_detail_num(r, "shutdown_seconds", (double)(t3 - t2) / 1e9);
  bench_detail_int(r, "live_after_shutdown", (int64_t)live_after);
  return 0;
}
