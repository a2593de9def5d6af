/*
** process.c: a Wasm process is an otp process whose body is a fresh
** instance, driven by the scheduler as a resumable body.
**
** The spawn path only allocates the process state and hands it to the
** scheduler; the instance is taken from the prepared module's pool on the
** process's first resume, on whichever worker runs it, so spawning from one
** thread spreads the instantiation work over every core.
**
** Each resume runs the guest under the scheduler's reduction budget and an
** epoch deadline one tick ahead, so a guest gives its worker back after
** the budget or at the next tick, whichever comes first. A host call that
** must wait (a receive with an empty mailbox, a WASI call on a file that is
** not ready) suspends the instance; the body parks (RUSM_STEP_WAIT) and on
** the next resume retries the call before continuing the guest.
*/
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "host_int.h"
#include "rusm/net.h"

typedef enum { HP_NEW, HP_START, HP_RUN } hp_phase;

struct host_proc {
  rusm_wasm *w;
  rusm_wasm_prepared *p;
  rusm_instance *inst;
  rusm_ctx *ctx; /* valid during a resume */
  rusm_pid pid;
  hp_phase phase;
  rusm_caps *caps; /* owned; NULL = sandboxed */
  rusm_wasi *wasi; /* owned; only when the module imports WASI */
  int argc;
  char **argv;  /* owned */
  char *label;  /* owned */
  int *sockets; /* owned duplicates, handed to the WASI context at start */
  size_t n_sockets;
  void (*on_exit)(void *arg, const rusm_wasm_exit *e);
  void *on_exit_arg;
  host_abi_retry retry;  /* a suspended `rusm` call to retry, or NULL */
  bool retry_yield;      /* ... which only wanted to give up the core */
  uint64_t notify_local; /* notifications not yet added to the runtime's count */
  uint64_t yielded_ns;   /* with track_waits: when it last gave up its core */
  host_streams streams;  /* the raw ABI's stream ends */
  bool reported;
};

host_proc *host_proc_of(rusm_instance *inst) {
  return rusm_instance_user(inst);
}
rusm_pid host_proc_pid(const host_proc *hp) {
  return hp->pid;
}
const rusm_wasm_prepared *host_proc_prepared(const host_proc *hp) {
  return hp->p;
}
rusm_ctx *host_proc_ctx(const host_proc *hp) {
  return hp->ctx;
}
const rusm_caps *host_proc_caps(const host_proc *hp) {
  return hp->caps;
}
void host_proc_notify(host_proc *hp) {
  hp->notify_local++;
}
host_streams *host_proc_streams(host_proc *hp) {
  return &hp->streams;
}
void host_proc_set_retry(host_proc *hp, host_abi_retry r, bool yield) {
  hp->retry = r;
  hp->retry_yield = yield;
}

static rusm_wasi *wasi_of(rusm_instance *inst, void *arg) {
  (void)arg;
  host_proc *hp = rusm_instance_user(inst);
  return hp ? hp->wasi : NULL;
}
rusm_wasi_lookup_fn host_wasi_lookup = wasi_of;

static void report(host_proc *hp, rusm_exit_reason reason, bool exited, uint32_t code,
                   const char *error) {
  if (hp->reported) return;
  hp->reported = true;
  if (error && hp->ctx) {
    rusm_rt *rt = hp->w->rt;
    if (rusm_wants_log(rt, RUSM_LOG_ERROR)) {
      char line[400];
      snprintf(line, sizeof line, "#%llu%s%s: %s", (unsigned long long)hp->pid,
               hp->label ? " " : "", hp->label ? hp->label : "", error);
      rusm_log_event(rt, RUSM_LOG_ERROR, "crash", line);
    }
  }
  if (hp->on_exit) {
    rusm_wasm_exit e = {hp->pid, reason, exited, code, error, hp->inst != NULL};
    hp->on_exit(hp->on_exit_arg, &e);
  }
}

static rusm_step crash(host_proc *hp, rusm_exit_reason *o_reason, const char *error) {
  *o_reason = RUSM_EXIT_CRASHED;
  report(hp, RUSM_EXIT_CRASHED, false, 0, error);
  return RUSM_STEP_EXIT;
}

/* The first resume: WASI context, instance, start function. */
static rusm_exec_status begin(host_proc *hp, uint32_t budget, const char **o_err, char *buf,
                              size_t cap) {
  rusm_wasm_prepared *p = hp->p;
  if (p->link_error[0]) {
    *o_err = p->link_error;
    return RUSM_EXEC_TRAP;
  }
  if (p->needs_wasi) {
    rusm_caps *tmp = NULL;
    const rusm_caps *caps = hp->caps ? hp->caps : (tmp = rusm_caps_new());
    rusm_wasi_options wo = {-1, -1, -1, NULL, NULL, hp->sockets, hp->n_sockets};
    hp->wasi = rusm_wasi_new(caps, hp->argc, (const char *const *)hp->argv, &wo, buf, cap);
    rusm_caps_free(tmp);
    if (!hp->wasi) {
      *o_err = buf;
      return RUSM_EXEC_TRAP;
    }
  }
  uint64_t mem_cap = hp->w->cfg.max_memory;
  if (hp->caps && rusm_caps_memory_limit(hp->caps) < mem_cap)
    mem_cap = rusm_caps_memory_limit(hp->caps);
  if (!hp->caps && RUSM_CAPS_DEFAULT_MEMORY < mem_cap) mem_cap = RUSM_CAPS_DEFAULT_MEMORY;
  rusm_instance_config cfg = {mem_cap, hp->w->cfg.max_call_depth, hp};
  rusm_error err;
  hp->inst = rusm_instantiate(p->prep, &cfg, &err);
  if (!hp->inst) {
    snprintf(buf, cap, "instantiation failed: %s", err.reason);
    *o_err = buf;
    return RUSM_EXEC_TRAP;
  }
  hp->phase = HP_START;
  return rusm_run_start(hp->inst, budget);
}

static rusm_step run_slice(host_proc *hp, rusm_ctx *ctx, uint32_t budget,
                           rusm_exit_reason *o_reason) {
  rusm_wasm *w = hp->w;
  hp->ctx = ctx;
  char buf[256];
  const char *err = NULL;
  rusm_exec_status s;
  uint64_t deadline = atomic_load_explicit(&w->epoch, memory_order_relaxed) + 1;
  if (hp->phase == HP_NEW) {
    hp->pid = rusm_self(ctx);
    s = begin(hp, budget, &err, buf, sizeof buf);
    if (err) return crash(hp, o_reason, err);
  } else {
    rusm_instance_set_epoch(hp->inst, (const volatile uint64_t *)&w->epoch, deadline);
    if (hp->retry) {
      host_abi_retry r = hp->retry;
      hp->retry = NULL;
      s = r(hp, hp->inst, budget);
    } else if (hp->wasi && rusm_wasi_pending(hp->wasi)) {
      s = rusm_wasi_retry(hp->wasi, hp->inst, budget);
    } else {
      s = rusm_continue(hp->inst, budget);
    }
  }
  for (;;) {
    switch (s) {
    case RUSM_EXEC_DONE:
      if (hp->phase == HP_START) {
        hp->phase = HP_RUN;
        rusm_extern e;
        if (!rusm_instance_export_at(hp->inst, (size_t)hp->p->entry_export, &e) ||
            e.kind != RUSM_EXTERN_FUNC)
          return crash(hp, o_reason, "entry export missing");
        rusm_instance_set_epoch(hp->inst, (const volatile uint64_t *)&w->epoch, deadline);
        s = rusm_invoke(hp->inst, e.u.func, NULL, budget);
        continue;
      }
      *o_reason = RUSM_EXIT_NORMAL;
      report(hp, RUSM_EXIT_NORMAL, false, 0, NULL);
      return RUSM_STEP_EXIT;
    case RUSM_EXEC_TRAP: {
      uint32_t code;
      if (hp->wasi && rusm_wasi_exited(hp->wasi, &code)) {
        /* proc_exit: 0 ends Normal, anything else Crashed (as a failed command). */
        *o_reason = code ? RUSM_EXIT_CRASHED : RUSM_EXIT_NORMAL;
        report(hp, *o_reason, true, code, NULL);
        return RUSM_STEP_EXIT;
      }
      rusm_trap_format(rusm_last_trap(hp->inst), buf, sizeof buf);
      return crash(hp, o_reason, buf);
    }
    case RUSM_EXEC_YIELD: return RUSM_STEP_YIELD;
    case RUSM_EXEC_SUSPEND:
      if (hp->retry) return hp->retry_yield ? RUSM_STEP_YIELD : RUSM_STEP_WAIT;
      if (hp->wasi) {
        const rusm_wasi_wait *wt = rusm_wasi_pending(hp->wasi);
        if (wt && wt->kind == RUSM_WASI_WAIT_YIELD) return RUSM_STEP_YIELD;
        if (wt && wt->kind == RUSM_WASI_WAIT_EVENTS) {
          /* Park on the core's poller: no thread sleeps, no polling loop. */
          for (size_t i = 0; i < wt->n_fds; i++)
            rusm_wait_fd(ctx, wt->fds[i].fd, wt->fds[i].write ? RUSM_FD_WRITE : RUSM_FD_READ);
          if (wt->deadline_ns != UINT64_MAX) rusm_wait_deadline(ctx, wt->deadline_ns);
          return RUSM_STEP_WAIT;
        }
      }
      return crash(hp, o_reason, "host call suspended without a wait");
    }
  }
}

static void note_wait(rusm_wasm *w, uint64_t waited) {
  uint64_t cur = atomic_load_explicit(&w->max_wait_ns, memory_order_relaxed);
  while (waited > cur &&
         !atomic_compare_exchange_weak_explicit(&w->max_wait_ns, &cur, waited, memory_order_relaxed,
                                                memory_order_relaxed)) {
  }
}

static rusm_step wp_resume(void *state, rusm_ctx *ctx, uint32_t budget,
                           rusm_exit_reason *o_reason) {
  host_proc *hp = state;
  rusm_wasm *w = hp->w;
  if (w->cfg.track_waits && hp->yielded_ns) note_wait(w, rusm_now_ns() - hp->yielded_ns);
  rusm_step st = run_slice(hp, ctx, budget, o_reason);
  /* Publish notifications once per slice: cheap, and rates stay live. */
  if (hp->notify_local) {
    atomic_fetch_add_explicit(&w->notifications, hp->notify_local, memory_order_relaxed);
    hp->notify_local = 0;
  }
  if (w->cfg.track_waits) hp->yielded_ns = st == RUSM_STEP_YIELD ? rusm_now_ns() : 0;
  return st;
}

static void wp_destroy(void *state) {
  host_proc *hp = state;
  rusm_wasm *w = hp->w;
  if (!hp->reported) {
    /* Killed (or shut down) before it finished. */
    hp->ctx = NULL;
    report(hp, RUSM_EXIT_KILLED, false, 0, NULL);
  }
  /* No notifications are pending here: wp_resume publishes them after every
  ** slice, and nothing else adds any. */
  host_streams_release(&hp->streams);
  if (hp->inst) rusm_instance_free(hp->inst);
  host_prepared_unref(hp->p); /* may free it: the instance went back first */
  rusm_wasi_free(hp->wasi);
  rusm_caps_free(hp->caps);
  for (int i = 0; i < hp->argc; i++) free(hp->argv[i]);
  free(hp->argv);
  free(hp->label);
  for (size_t i = 0; i < hp->n_sockets; i++) close(hp->sockets[i]);
  free(hp->sockets);
  free(hp);
  atomic_fetch_sub_explicit(&w->live, 1, memory_order_relaxed);
}

static const rusm_body_ops wasm_body = {wp_resume, wp_destroy};

rusm_pid rusm_wasm_spawn_ex(rusm_wasm *w, rusm_wasm_prepared *p, const rusm_wasm_spawn_opts *o) {
  host_proc *hp = calloc(1, sizeof *hp);
  if (!hp) return RUSM_PID_NONE;
  hp->w = w;
  hp->p = p;
  host_prepared_ref(p);
  bool ok = true;
  if (o) {
    if (o->caps) ok &= (hp->caps = rusm_caps_clone(o->caps)) != NULL;
    if (o->argc > 0 && o->argv) {
      hp->argv = calloc((size_t)o->argc, sizeof *hp->argv);
      ok &= hp->argv != NULL;
      for (int i = 0; ok && i < o->argc; i++)
        ok &= (hp->argv[hp->argc++] = strdup(o->argv[i])) != NULL;
    }
    if (o->label) ok &= (hp->label = strdup(o->label)) != NULL;
    if (ok && o->n_sockets) {
      hp->sockets = calloc(o->n_sockets, sizeof *hp->sockets);
      ok = hp->sockets != NULL;
      for (size_t i = 0; ok && i < o->n_sockets; i++) {
        int fd = fcntl(o->sockets[i], F_DUPFD_CLOEXEC, 0);
        ok = fd >= 0;
        if (ok) hp->sockets[hp->n_sockets++] = fd;
      }
    }
    hp->on_exit = o->on_exit;
    hp->on_exit_arg = o->on_exit_arg;
  }
  atomic_fetch_add_explicit(&w->live, 1, memory_order_relaxed);
  if (!ok) {
    hp->reported = true;
    wp_destroy(hp);
    return RUSM_PID_NONE;
  }
  atomic_fetch_add_explicit(&w->spawned, 1, memory_order_relaxed);
  /* hp belongs to the process from here on (it may already be gone when
  ** the call returns); the label is in place before the guest can run. */
  return rusm_spawn_body_labelled(w->rt, &wasm_body, hp, o ? o->label : NULL);
}

rusm_pid rusm_wasm_spawn(rusm_wasm *w, rusm_wasm_prepared *p) {
  return rusm_wasm_spawn_ex(w, p, NULL);
}

rusm_pid rusm_wasm_spawn_with(rusm_wasm *w, rusm_wasm_prepared *p, const rusm_caps *caps) {
  rusm_wasm_spawn_opts o = {0};
  o.caps = caps;
  return rusm_wasm_spawn_ex(w, p, &o);
}
