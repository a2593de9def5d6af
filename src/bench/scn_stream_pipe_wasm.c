/*
** scn_stream_pipe_wasm.c: a byte stream between two Wasm processes.
**
** The reference's stream-pipe: a WAT producer writes 4 KiB chunks with
** rusm::stream_write to a WAT consumer reading them with stream_read (both
** park under back-pressure / on an empty stream). PAIRS pairs run at once,
** one per worker. The consumer notifies once per chunk, so bytes = 4096 x
** notifications. Headline in bytes/s.
*/
#include "scenarios.h"

#include "host_guests.h"
#include "rusm/host.h"

#define CHUNK 4096

static uint64_t bytes(void *arg) {
  return CHUNK * rusm_wasm_notifications(arg);
}

static rusm_wasm_prepared *prepare(rusm_wasm *w, const unsigned char *b, size_t n,
                                   rusm_wasm_module **o_m) {
  rusm_error err;
  *o_m = rusm_wasm_compile(w, b, n, &err);
  return *o_m ? rusm_wasm_prepare(w, *o_m, "run", &err) : NULL;
}

int bench_stream_pipe_wasm(const bench_opts *o, bench_result *r) {
  rusm_rt_config cfg;
  rusm_rt_config_default(&cfg);
  cfg.workers = o->workers;
  rusm_rt *rt = rusm_rt_new(&cfg);
  if (!rt) return bench_fail(r, "cannot create a runtime");
  rusm_wasm *w = rusm_wasm_new(rt, NULL);
  rusm_wasm_module *mp = NULL, *mc = NULL;
  rusm_wasm_prepared *pp =
      w ? prepare(w, guest_stream_producer, guest_stream_producer_len, &mp) : NULL;
  rusm_wasm_prepared *pc =
      w ? prepare(w, guest_stream_consumer, guest_stream_consumer_len, &mc) : NULL;
  if (!pp || !pc) {
    rusm_wasm_free(w);
    rusm_rt_free(rt);
    return bench_fail(r, "cannot prepare the guests");
  }
  unsigned pairs = o->workers ? o->workers : bench_cores();
  for (unsigned i = 0; i < pairs; i++) {
    rusm_pid c = rusm_wasm_spawn(w, pc), p = rusm_wasm_spawn(w, pp);
    rusm_send(rt, p, &c, sizeof c); /* the producer learns its consumer */
  }
  r->ops_per_sec = bench_measure(o, r, bytes, w);
  uint64_t total = bytes(w);
  rusm_wasm_free(w);
  rusm_wasm_prepared_free(pp);
  rusm_wasm_prepared_free(pc);
  rusm_wasm_module_free(mp);
  rusm_wasm_module_free(mc);
  rusm_rt_free(rt);

  r->unit = "bytes";
  r->ops_label = "bytes/s (sum over pairs)";
  bench_detail_int(r, "pairs", pairs);
  bench_detail_int(r, "chunk_bytes", CHUNK);
  bench_detail_int(r, "bytes_total", (int64_t)total);
  bench_detail_num(r, "chunks_per_sec", r->ops_per_sec / CHUNK);
  return 0;
}
