/*
** scn_connection_storm.c: loopback TCP connections per second with a
** process per connection on the server side (reference 5.2 #4).
**
** A rusm_tcp_listen acceptor spawns one process per accepted connection;
** that process writes one byte and closes (the server closes first, so
** TIME_WAIT stays on the server side and the clients' ephemeral ports come
** back at once). CLIENTS_PER_WORKER client processes per worker loop:
** connect (timed: the latency is the client's connect time), read the byte
** and the end of stream, close. Headline = completed connections per
** second; detail carries the server-side count and errors.
*/
#include "scenarios.h"

#include <stdatomic.h>
#include <stdlib.h>

#include "rusm/net.h"
#include "rusm/otp.h"

#define CLIENTS_PER_WORKER 16
#define CONNECT_TIMEOUT_US 2000000

typedef struct storm {
  char addr[RUSM_TCP_ADDR_MAX];
  atomic_bool stop;
  _Alignas(64) atomic_uint_fast64_t done;
  _Alignas(64) atomic_uint_fast64_t served;
  atomic_uint_fast64_t errors;
} storm;

static void server_conn(rusm_ctx *ctx, rusm_tcp_conn *c, void *arg) {
  storm *s = arg;
  rusm_tcp_write(ctx, c, "!", 1);
  rusm_tcp_close(c);
  atomic_fetch_add_explicit(&s->served, 1, memory_order_relaxed);
}

static void client(rusm_ctx *ctx, void *arg) {
  storm *s = arg;
  while (!atomic_load_explicit(&s->stop, memory_order_relaxed) && !rusm_killed(ctx)) {
    bool timed = bench_lat_on();
    uint64_t t0 = timed ? bench_now_ns() : 0;
    rusm_tcp_conn *c;
    if (rusm_tcp_connect(ctx, s->addr, CONNECT_TIMEOUT_US, &c) != 0) {
      atomic_fetch_add_explicit(&s->errors, 1, memory_order_relaxed);
      rusm_yield(ctx);
      continue;
    }
    if (timed) bench_lat_record(bench_now_ns() - t0);
    char buf[8];
    ssize_t n;
    while ((n = rusm_tcp_read(ctx, c, buf, sizeof buf)) > 0) {
    }
    rusm_tcp_close(c);
    if (n == 0)
      atomic_fetch_add_explicit(&s->done, 1, memory_order_relaxed);
    else
      atomic_fetch_add_explicit(&s->errors, 1, memory_order_relaxed);
  }
}

static uint64_t connections(void *arg) {
  return atomic_load_explicit(&((storm *)arg)->done, memory_order_relaxed);
}

int bench_connection_storm(const bench_opts *o, bench_result *r) {
  rusm_rt_config cfg;
  rusm_rt_config_default(&cfg);
  cfg.workers = o->workers;
  storm *s = calloc(1, sizeof *s);
  rusm_rt *rt = s ? rusm_rt_new(&cfg) : NULL;
  if (!rt) {
    free(s);
    return bench_fail(r, "cannot create a runtime");
  }
  int err = 0;
  rusm_pid acc = rusm_tcp_listen(rt, "127.0.0.1:0", server_conn, s, s->addr, &err);
  if (acc == RUSM_PID_NONE) {
    rusm_rt_free(rt);
    free(s);
    return bench_fail(r, "listen on 127.0.0.1:0 failed: errno %d", -err);
  }
  unsigned workers = o->workers ? o->workers : bench_cores();
  unsigned n_clients = workers * CLIENTS_PER_WORKER;
  rusm_pid *clients = calloc(n_clients, sizeof *clients);
  for (unsigned i = 0; clients && i < n_clients; i++) clients[i] = rusm_spawn(rt, client, s, NULL);
  r->ops_per_sec = bench_measure(o, r, connections, s);
  atomic_store(&s->stop, true);
  for (unsigned i = 0; clients && i < n_clients; i++) rusm_rt_join(rt, clients[i]);
  rusm_kill(rt, acc);
  rusm_rt_free(rt);

  r->ops_label = "connections/s";
  r->latency_label = "client connect time";
  r->latency = bench_lat_collect();
  bench_detail_int(r, "client_processes", n_clients);
  bench_detail_int(r, "connections_total", (int64_t)atomic_load(&s->done));
  bench_detail_int(r, "server_processes_total", (int64_t)atomic_load(&s->served));
  bench_detail_int(r, "errors", (int64_t)atomic_load(&s->errors));
  free(clients);
  free(s);
  return 0;
}
