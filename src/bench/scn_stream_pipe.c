/*
** scn_stream_pipe.c: bytes through native streams (reference 5.2 #9, here
** with native bodies; the Wasm producer/consumer is the host's).
**
** One producer -> consumer pair per worker, each over its own stream of the
** default capacity (16 chunks). The producer allocates and fills 4 KiB
** chunks (a copy from a pattern, as a real producer would) and writes them;
** the consumer reads and frees them. Back-pressure parks the producer when
** its consumer falls behind. Headline = bytes delivered per second, summed
** over the pairs (unit "bytes"); no latency.
*/
#include "scenarios.h"

#include <stdatomic.h>
#include <stdlib.h>

#include "rusm/otp.h"
#include "rusm/stream.h"

#define CHUNK_BYTES 4096
#define MAX_PAIRS 64

typedef struct pipe_pair {
  _Alignas(64) atomic_uint_fast64_t bytes; /* written by the consumer only */
  rusm_stream_writer *w;
  rusm_stream_reader *r;
  struct pipe_bench *b;
} pipe_pair;

typedef struct pipe_bench {
  atomic_bool stop;
  unsigned n;
  pipe_pair pairs[MAX_PAIRS];
  uint8_t pattern[CHUNK_BYTES];
} pipe_bench;

/* write_copy allocates the chunk and copies the pattern in, as a producer
** filling its own buffer would, and keeps the chunk when the write fails. */
static void producer(rusm_ctx *ctx, void *arg) {
  pipe_pair *p = arg;
  rusm_stream_writer_adopt(ctx, p->w);
  while (!atomic_load_explicit(&p->b->stop, memory_order_relaxed) &&
         rusm_stream_write_copy(ctx, p->w, p->b->pattern, CHUNK_BYTES) == RUSM_STREAM_OK) {
  }
  rusm_stream_writer_close(p->w);
}

static void consumer(rusm_ctx *ctx, void *arg) {
  pipe_pair *p = arg;
  rusm_stream_reader_adopt(ctx, p->r);
  uint64_t total = 0;
  rusm_chunk c;
  while (rusm_stream_read(ctx, p->r, &c) == RUSM_STREAM_OK) {
    total += c.len;
    free(c.data);
    atomic_store_explicit(&p->bytes, total, memory_order_relaxed);
  }
  rusm_stream_reader_close(p->r);
}

static uint64_t bytes_now(void *arg) {
  pipe_bench *b = arg;
  uint64_t sum = 0;
  for (unsigned i = 0; i < b->n; i++)
    sum += atomic_load_explicit(&b->pairs[i].bytes, memory_order_relaxed);
  return sum;
}

int bench_stream_pipe(const bench_opts *o, bench_result *r) {
  rusm_rt_config cfg;
  rusm_rt_config_default(&cfg);
  cfg.workers = o->workers;
  pipe_bench *b = calloc(1, sizeof *b);
  if (!b) return bench_fail(r, "out of memory");
  rusm_rt *rt = rusm_rt_new(&cfg);
  if (!rt) {
    free(b);
    return bench_fail(r, "cannot create a runtime");
  }
  b->n = o->workers ? o->workers : bench_cores();
  if (b->n > MAX_PAIRS) b->n = MAX_PAIRS;
  for (size_t i = 0; i < CHUNK_BYTES; i++) b->pattern[i] = (uint8_t)(i * 31u);
  atomic_init(&b->stop, false);
  rusm_pid consumers[MAX_PAIRS];
  for (unsigned i = 0; i < b->n; i++) {
    pipe_pair *p = &b->pairs[i];
    p->b = b;
    atomic_init(&p->bytes, 0);
    if (!rusm_stream_new(NULL, 0, &p->w, &p->r)) {
      rusm_rt_free(rt);
      free(b);
      return bench_fail(r, "cannot create a stream");
    }
    consumers[i] = rusm_spawn(rt, consumer, p, NULL);
    rusm_spawn(rt, producer, p, NULL);
  }
  r->ops_per_sec = bench_measure(o, r, bytes_now, b);
  atomic_store(&b->stop, true);
  for (unsigned i = 0; i < b->n; i++) rusm_rt_join(rt, consumers[i]); /* EOF reached */
  uint64_t total = bytes_now(b);
  unsigned pairs = b->n;
  rusm_rt_free(rt);
  free(b);

  r->unit = "bytes";
  r->ops_label = "bytes/s";
  bench_detail_int(r, "pairs", pairs);
  bench_detail_int(r, "chunk_bytes", CHUNK_BYTES);
  bench_detail_int(r, "capacity_chunks", RUSM_STREAM_DEFAULT_CAPACITY);
  bench_detail_int(r, "bytes_total", (int64_t)total);
  bench_detail_num(r, "chunks_per_sec", r->ops_per_sec / CHUNK_BYTES);
  return 0;
}
