/*
** scn_ring.c: RING_SIZE processes in a ring passing one token, lap after
** lap. Headline = messages (hops) per second; node 0 counts laps, so the
** hot path shares nothing but the token. No latency distribution: the
** per-hop time is in detail.
*/
#include "scenarios.h"

#include <stdatomic.h>
#include <stdlib.h>

#include "rusm/otp.h"

#define RING_SIZE 10000

typedef struct ring {
  rusm_rt *rt;
  rusm_pid *pids; /* complete before the token is sent */
  atomic_bool stop;
  _Alignas(64) atomic_uint_fast64_t laps; /* written by node 0 only */
} ring;

typedef struct node {
  ring *r;
  size_t idx;
} node;

static void node_body(rusm_ctx *ctx, void *arg) {
  node *nd = arg;
  ring *r = nd->r;
  rusm_pid next = RUSM_PID_NONE;
  uint64_t laps = 0;
  for (rusm_item *it; (it = rusm_receive(ctx));) {
    if (next == RUSM_PID_NONE) next = r->pids[(nd->idx + 1) % RING_SIZE];
    bool forward = true;
    if (nd->idx == 0) {
      atomic_store_explicit(&r->laps, ++laps, memory_order_relaxed);
      forward = !atomic_load_explicit(&r->stop, memory_order_relaxed);
    }
    if (forward && it->kind == RUSM_ITEM_MESSAGE)
      rusm_send(r->rt, next, it->u.msg.data, it->u.msg.len);
    rusm_item_free(it);
  }
}

static uint64_t hops(void *arg) {
  return RING_SIZE * atomic_load_explicit(&((ring *)arg)->laps, memory_order_relaxed);
}

int bench_ring(const bench_opts *o, bench_result *r) {
  rusm_rt_config cfg;
  rusm_rt_config_default(&cfg);
  cfg.workers = o->workers;
  ring g = {.rt = rusm_rt_new(&cfg), .pids = calloc(RING_SIZE, sizeof(rusm_pid))};
  node *nodes = calloc(RING_SIZE, sizeof *nodes);
  if (!g.rt || !g.pids || !nodes) {
    if (g.rt) rusm_rt_free(g.rt);
    free(g.pids);
    free(nodes);
    return bench_fail(r, "cannot create a runtime");
  }
  atomic_init(&g.stop, false);
  atomic_init(&g.laps, 0);
  uint64_t t0 = bench_now_ns();
  for (size_t i = 0; i < RING_SIZE; i++) {
    nodes[i] = (node){&g, i};
    g.pids[i] = rusm_spawn(g.rt, node_body, &nodes[i], NULL);
  }
  double create_s = (double)(bench_now_ns() - t0) / 1e9;
  uint64_t token = 1;
  rusm_send(g.rt, g.pids[0], &token, sizeof token);
  r->ops_per_sec = bench_measure(o, r, hops, &g);
  atomic_store(&g.stop, true);
  uint64_t laps = atomic_load(&g.laps);
  rusm_rt_free(g.rt);
  free(g.pids);
  free(nodes);

  r->ops_label = "msgs/s (token hops)";
  bench_detail_int(r, "processes", RING_SIZE);
  bench_detail_int(r, "laps_total", (int64_t)laps);
  bench_detail_num(r, "hop_ns", r->ops_per_sec > 0 ? 1e9 / r->ops_per_sec : 0);
  bench_detail_num(r, "create_seconds", create_s);
  return 0;
}
