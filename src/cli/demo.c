/*
** demo.c: `rusm demo [DIR]`, the main job: a small supervised application
** of Wasm processes hosted by rusm.
**
**   console (native)  prints what the guests tell it
**   supervisor        one_for_one over the worker (3 restarts in 5 s)
**   worker   (Wasm)   serves "job N" messages; job 5 traps on purpose
**   ticker   (Wasm)   sends 8 jobs, 250 ms apart, then says it is done
**
** The guests are C programs (examples/demo) compiled to wasip1 modules at
** build time and embedded in the binary; DIR overrides them with
** DIR/worker.wasm and DIR/ticker.wasm. Guests run sandboxed: no stdio, so
** they speak through messages to the console process.
*/
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "commands.h"
#include "demo_guests.h"
#include "file.h"
#include "rusm/host.h"

typedef struct demo {
  rusm_wasm *w;
  rusm_wasm_prepared *worker, *ticker;
  _Atomic int worker_starts, lines;
} demo;

static void console(rusm_ctx *ctx, void *arg) {
  demo *d = arg;
  /* Anything but a message (a guest given as DIR could send a stream) is
  ** dropped unread. */
  for (rusm_item *it; (it = rusm_receive(ctx));) {
    bool done = false;
    if (it->kind == RUSM_ITEM_MESSAGE) {
      char stamp[16];
      time_t now = time(NULL);
      struct tm tm;
      localtime_r(&now, &tm);
      strftime(stamp, sizeof stamp, "%H:%M:%S", &tm);
      printf("%s console %.*s\n", stamp, (int)it->u.msg.len, (const char *)it->u.msg.data);
      fflush(stdout);
      atomic_fetch_add(&d->lines, 1);
      done = it->u.msg.len >= 6 && memcmp(it->u.msg.data, "ticker", 6) == 0;
    }
    rusm_item_free(it);
    if (done) return;
  }
}

static rusm_pid start_worker(rusm_rt *rt, void *arg) {
  demo *d = arg;
  atomic_fetch_add(&d->worker_starts, 1);
  rusm_wasm_spawn_opts o = {0};
  o.label = "worker";
  return rusm_wasm_spawn_ex(d->w, d->worker, &o);
}

static rusm_wasm_prepared *load(rusm_wasm *w, const char *dir, const char *name,
                                const uint8_t *embedded, size_t embedded_len,
                                rusm_wasm_module **o_m) {
  uint8_t *bytes = NULL;
  size_t len = embedded_len;
  if (dir) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s.wasm", dir, name);
    if (!(bytes = cli_read_file(path, &len))) {
      fprintf(stderr, "rusm demo: cannot read %s\n", path);
      return NULL;
    }
  }
  rusm_error err;
  *o_m = rusm_wasm_compile(w, bytes ? bytes : embedded, len, &err);
  free(bytes);
  if (!*o_m) {
    fprintf(stderr, "rusm demo: %s: invalid module (%s section, offset %zu): %s\n", name,
            err.section, err.offset, err.reason);
    return NULL;
  }
  rusm_wasm_prepared *p = rusm_wasm_prepare(w, *o_m, "_start", &err);
  if (!p) fprintf(stderr, "rusm demo: %s: %s\n", name, err.reason);
  return p;
}

int cli_demo_main(int argc, char **argv) {
  const char *dir = argc > 1 ? argv[1] : NULL;
  if (dir && (!strcmp(dir, "-h") || !strcmp(dir, "--help"))) {
    printf("usage: rusm demo [DIR]\n\nRuns the demo application: a supervised Wasm worker that "
           "crashes on purpose\nand is restarted, fed by a Wasm ticker. DIR overrides the "
           "embedded guests\nwith DIR/worker.wasm and DIR/ticker.wasm.\n");
    return 0;
  }
  rusm_rt *rt = rusm_rt_new(NULL);
  if (!rt) return 1;
  rusm_set_log_level(rt, RUSM_LOG_INFO);
  rusm_set_log_sink(rt, stdout); /* one stream, so lines keep their order */
  demo d = {.w = rusm_wasm_new(rt, NULL)};
  rusm_wasm_module *mw = NULL, *mt = NULL;
  d.worker = load(d.w, dir, "worker", demo_worker_wasm, demo_worker_wasm_len, &mw);
  d.ticker =
      d.worker ? load(d.w, dir, "ticker", demo_ticker_wasm, demo_ticker_wasm_len, &mt) : NULL;
  int rc = 1;
  if (d.worker && d.ticker) {
    printf("rusm demo: a supervised Wasm worker (job 5 crashes it on purpose) fed by a Wasm "
           "ticker\n");
    fflush(stdout);
    rusm_pid con = rusm_spawn(rt, console, &d, NULL);
    rusm_set_label(rt, con, "console");
    /* Named before any guest runs, so their first lookups find it. */
    rusm_register(rt, "console", con);
    rusm_sup_spec *spec = rusm_sup_new(RUSM_ONE_FOR_ONE);
    rusm_sup_child(spec, start_worker, &d);
    rusm_pid sup = rusm_sup_start(rt, spec);
    rusm_set_label(rt, sup, "supervisor");
    rusm_wasm_spawn_opts o = {0};
    o.label = "ticker";
    rusm_wasm_spawn_ex(d.w, d.ticker, &o);
    rusm_rt_join(rt, con); /* the console ends when the ticker says it is done */
    int starts = atomic_load(&d.worker_starts);
    printf("rusm demo: done: %d console lines, worker started %d times (%d restart%s by its "
           "supervisor)\n",
           atomic_load(&d.lines), starts, starts - 1, starts == 2 ? "" : "s");
    rc = starts >= 2 ? 0 : 1; /* the crash must have been survived */
  }
  rusm_wasm_free(d.w);
  rusm_wasm_prepared_free(d.worker);
  rusm_wasm_prepared_free(d.ticker);
  rusm_wasm_module_free(mw);
  rusm_wasm_module_free(mt);
  rusm_rt_free(rt);
  return rc;
}
