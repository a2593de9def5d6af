/*
** scn_ping_pong.c: two processes exchanging messages.
**
** ping spawns pong (a process starting its partner, as the BEAM anchor's
** processes do), then sends its pid (8 bytes) to pong, pong answers one
** byte to that pid; back to back. Headline = messages per second counting
** ping and pong separately (reference 5.2); latency = the round trip, timed
** on one trip in SAMPLE_EVERY so the clock reads stay out of the rate.
** `detail.same_worker` says whether the pair shares a worker thread (the
** scheduler keeps a freshly spawned partner on its spawner's worker,
** docs/scheduler.md); a split pair pays a cross-core wake-up per message.
*/
#include "scenarios.h"

#include <stdatomic.h>
#include <string.h>

#include "rusm/otp.h"

#define SAMPLE_EVERY 8 /* a power of two */

typedef struct pp {
  rusm_rt *rt;
  rusm_pid pong;
  atomic_bool stop;
  _Atomic uintptr_t ping_thread, pong_thread; /* see thread_mark */
  _Alignas(64) atomic_uint_fast64_t trips;    /* written by ping only */
} pp;

/* The address of a thread-local names the OS thread running the caller. */
static _Thread_local char thread_mark;

static void pong_body(rusm_ctx *ctx, void *arg) {
  pp *p = arg;
  atomic_store(&p->pong_thread, (uintptr_t)&thread_mark); /* native: never migrates once run */
  for (rusm_item *it; (it = rusm_receive(ctx));) {
    if (it->kind == RUSM_ITEM_MESSAGE && it->u.msg.len == sizeof(rusm_pid)) {
      rusm_pid from;
      memcpy(&from, it->u.msg.data, sizeof from);
      rusm_send(p->rt, from, "p", 1);
    }
    rusm_item_free(it);
  }
}

static void ping_body(rusm_ctx *ctx, void *arg) {
  pp *p = arg;
  rusm_pid self = rusm_self(ctx);
  p->pong = rusm_spawn(p->rt, pong_body, p, NULL);
  if (p->pong == RUSM_PID_NONE) return; /* no partner: zero trips, reported as such */
  atomic_store(&p->ping_thread, (uintptr_t)&thread_mark);
  uint64_t n = 0;
  while (!atomic_load_explicit(&p->stop, memory_order_relaxed)) {
    bool timed = (n & (SAMPLE_EVERY - 1)) == 0 && bench_lat_on();
    uint64_t t0 = timed ? bench_now_ns() : 0;
    rusm_send(p->rt, p->pong, &self, sizeof self);
    rusm_item *it = rusm_receive(ctx);
    if (!it) return;
    rusm_item_free(it);
    if (timed) bench_lat_record(bench_now_ns() - t0);
    atomic_store_explicit(&p->trips, ++n, memory_order_relaxed);
  }
}

static uint64_t messages(void *arg) {
  return 2 * atomic_load_explicit(&((pp *)arg)->trips, memory_order_relaxed);
}

int bench_ping_pong(const bench_opts *o, bench_result *r) {
  rusm_rt_config cfg;
  rusm_rt_config_default(&cfg);
  cfg.workers = o->workers;
  pp p = {.rt = rusm_rt_new(&cfg)};
  if (!p.rt) return bench_fail(r, "cannot create a runtime");
  atomic_init(&p.stop, false);
  atomic_init(&p.trips, 0);
  atomic_init(&p.ping_thread, 0);
  atomic_init(&p.pong_thread, 0);
  rusm_pid ping = rusm_spawn(p.rt, ping_body, &p, NULL);
  r->ops_per_sec = bench_measure(o, r, messages, &p);
  atomic_store(&p.stop, true);
  rusm_rt_join(p.rt, ping);
  uint64_t trips = atomic_load(&p.trips);
  rusm_rt_free(p.rt);

  r->ops_label = "msgs/s (ping + pong)";
  r->latency_label = "round trip";
  r->latency = bench_lat_collect();
  bench_detail_int(r, "round_trips_total", (int64_t)trips);
  bench_detail_num(r, "round_trips_per_sec", r->ops_per_sec / 2);
  bench_detail_bool(r, "same_worker",
                    trips && atomic_load(&p.ping_thread) == atomic_load(&p.pong_thread));
  return 0;
}
