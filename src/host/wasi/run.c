/*
** run.c: a standalone driver for wasip1 commands: load, link against WASI
** only, instantiate under the caps' memory cap, run _start, and satisfy
** wait requests on this thread with ppoll (fds + deadline) or
** sched_yield. The process host does the same with its scheduler instead.
*/
#define _GNU_SOURCE
#include "wasi_int.h"

#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define RUN_BUDGET 1000000u /* reductions per slice */

static void run_msg(rusm_wasi_run_result *r, rusm_wasi_run_status st, const char *what,
                    const rusm_error *err) {
  r->status = st;
  if (err)
    snprintf(r->msg, sizeof r->msg, "%s: %s%s%s (offset %zu)", what, err->section,
             err->section[0] ? ": " : "", err->reason, err->offset);
  else
    snprintf(r->msg, sizeof r->msg, "%s", what);
}

/* Waits for what the suspended call asked for. */
static void run_wait(const rusm_wasi_wait *wt, const rusm_wasi_options *opt,
                     rusm_wasi_run_result *r) {
  if (opt && opt->on_wait) opt->on_wait(wt, opt->on_wait_arg);
  if (wt->kind == RUSM_WASI_WAIT_YIELD) {
    r->n_yields++;
    sched_yield();
    return;
  }
  uint64_t now = wasi_now_ns(CLOCK_MONOTONIC);
  if (r->n_waits++ == 0) {
    r->first_wait_deadline_ns = wt->deadline_ns;
    r->first_wait_started_ns = now;
  }
  struct pollfd pf[64];
  size_t n = wt->n_fds < 64 ? wt->n_fds : 64;
  for (size_t i = 0; i < n; i++)
    pf[i] = (struct pollfd){wt->fds[i].fd, wt->fds[i].write ? POLLOUT : POLLIN, 0};
  struct timespec ts, *tp = NULL;
  if (wt->deadline_ns != UINT64_MAX) {
    uint64_t d = wt->deadline_ns > now ? wt->deadline_ns - now : 0;
    ts = (struct timespec){(time_t)(d / 1000000000ull), (long)(d % 1000000000ull)};
    tp = &ts;
  }
  while (ppoll(n ? pf : NULL, n, tp, NULL) < 0 && errno == EINTR) {
  }
}

static rusm_exec_status run_loop(rusm_instance *inst, rusm_wasi *w, rusm_exec_status st,
                                 const rusm_wasi_options *opt, rusm_wasi_run_result *r) {
  for (;;) {
    if (st == RUSM_EXEC_YIELD) {
      st = rusm_continue(inst, RUN_BUDGET);
    } else if (st == RUSM_EXEC_SUSPEND) {
      const rusm_wasi_wait *wt = rusm_wasi_pending(w);
      if (!wt) return RUSM_EXEC_SUSPEND; /* parked outside WASI: nothing can wake it */
      run_wait(wt, opt, r);
      st = rusm_wasi_retry(w, inst, RUN_BUDGET);
    } else {
      return st;
    }
  }
}

void rusm_wasi_run(const uint8_t *bytes, size_t len, const rusm_caps *caps, int argc,
                   const char *const *argv, const rusm_wasi_options *opt, rusm_wasi_run_result *r) {
  memset(r, 0, sizeof *r);
  r->first_wait_deadline_ns = UINT64_MAX;
  r->first_wait_started_ns = UINT64_MAX;
  rusm_error err;
  rusm_module *m = rusm_module_load(bytes, len, &err);
  rusm_wasi_link *link = NULL;
  rusm_extern *ext = NULL;
  rusm_prepared *prep = NULL;
  rusm_wasi *w = NULL;
  rusm_instance *inst = NULL;
  size_t n = 0;
  if (!m) {
    run_msg(r, RUSM_WASI_RUN_ERROR, "load", &err);
    goto out;
  }
  if (!(link = rusm_wasi_link_new(NULL, NULL))) {
    run_msg(r, RUSM_WASI_RUN_ERROR, "out of memory", NULL);
    goto out;
  }
  if (!(ext = rusm_wasi_imports(link, m, &n, &err))) {
    run_msg(r, RUSM_WASI_RUN_ERROR, "link", &err);
    goto out;
  }
  if (!(prep = rusm_prepare(m, ext, n, &err))) {
    run_msg(r, RUSM_WASI_RUN_ERROR, "link", &err);
    goto out;
  }
  char why[200];
  if (!(w = rusm_wasi_new(caps, argc, argv, opt, why, sizeof why))) {
    run_msg(r, RUSM_WASI_RUN_ERROR, why, NULL);
    goto out;
  }
  rusm_instance_config cfg = {.max_memory_bytes = rusm_caps_memory_limit(caps), .user = w};
  if (!(inst = rusm_instantiate(prep, &cfg, &err))) {
    run_msg(r, RUSM_WASI_RUN_ERROR, "instantiate", &err);
    goto out;
  }
  rusm_exec_status st = run_loop(inst, w, rusm_run_start(inst, RUN_BUDGET), opt, r);
  rusm_extern start;
  if (st == RUSM_EXEC_DONE) {
    if (!rusm_instance_export(inst, "_start", &start) || start.kind != RUSM_EXTERN_FUNC) {
      run_msg(r, RUSM_WASI_RUN_ERROR, "no _start export", NULL);
      goto out;
    }
    st = run_loop(inst, w, rusm_invoke(inst, start.u.func, NULL, RUN_BUDGET), opt, r);
  }
  uint32_t code = 0;
  if (st == RUSM_EXEC_DONE || (st == RUSM_EXEC_TRAP && rusm_wasi_exited(w, &code))) {
    r->status = RUSM_WASI_RUN_EXITED;
    r->exit_code = code;
  } else if (st == RUSM_EXEC_TRAP) {
    r->status = RUSM_WASI_RUN_TRAP;
    rusm_trap_format(rusm_last_trap(inst), r->msg, sizeof r->msg);
  } else {
    run_msg(r, RUSM_WASI_RUN_ERROR, "suspended outside WASI", NULL);
  }
out:
  if (inst) rusm_instance_free(inst);
  rusm_wasi_free(w);
  if (prep) rusm_prepared_free(prep);
  free(ext);
  rusm_wasi_link_free(link);
  if (m) rusm_module_free(m);
}
