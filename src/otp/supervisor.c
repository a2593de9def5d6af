/*
** supervisor.c: OTP-style supervisors built on the public actor API only.
**
** A supervisor is an ordinary native process that monitors (never links)
** the children its factories start, and restarts them by strategy:
** one_for_one (the dead child), one_for_all (kill the rest, wait for their
** Downs, restart all in order), rest_for_one (kill the later ones, wait,
** restart from the dead index on). Restarts are rationed by an intensity
** budget (reference 1.9): windowed = record now, forget records older than
** the window, give up when max != 0 && records > max; lifetime = a counter.
** Giving up kills every child and ends the supervisor as Crashed.
**
** The children are started by rusm_sup_start itself, on the caller's
** thread, so that it returns with the children running (OTP's start_link);
** the supervisor body then monitors them (a child that already died yields
** a NOPROC Down, which is a death like any other). If a factory cannot
** start its child there, the ones already started are killed and
** rusm_sup_start returns RUSM_PID_NONE; later, a failed restart spends
** budget like a death and is retried.
**
** Outside callers read the current child pids with rusm_sup_children: the
** state carries a mutex and is found through a small module-wide table keyed
** by (runtime, pid); the supervisor's arg_free takes it out of the table.
** A slot whose child is between death and restart reads RUSM_PID_NONE.
*/
#include "rusm/otp.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define SUP_DEFAULT_MAX 3
#define SUP_DEFAULT_WINDOW_US (5ull * 1000 * 1000)

typedef struct sup_child {
  rusm_child_fn start;
  void *arg;
  rusm_pid pid; /* RUSM_PID_NONE while not running */
  rusm_ref ref; /* the supervisor's monitor on pid; valid when monitored */
  bool monitored;
  bool killing; /* killed by us; kill_and_wait is taking its Down */
} sup_child;

struct rusm_sup_spec {
  rusm_strategy strategy;
  sup_child *children;
  size_t n, cap;
  uint32_t max_restarts;
  uint64_t window_us;
  bool lifetime;
};

/* The supervisor's state: owned by its process (freed by arg_free), but
** reachable from outside through the table while listed. */
typedef struct sup_state {
  rusm_rt *rt;
  rusm_pid pid;
  rusm_sup_spec spec; /* children array moved in from the builder */
  pthread_mutex_t mu; /* guards children[].pid against rusm_sup_children */
  atomic_int refs;    /* the process + rusm_sup_start until it has listed pid */
  bool listed;        /* in the table (guarded by table_mu) */
  atomic_bool ran;    /* the body started (else arg_free must kill children) */
  uint64_t *stamps;   /* windowed budget: restart times (ns), a ring */
  size_t st_head, st_len, st_cap;
  uint64_t lifetime_restarts;
  struct sup_state *prev, *next; /* table links (guarded by table_mu) */
} sup_state;

static pthread_mutex_t table_mu = PTHREAD_MUTEX_INITIALIZER;
static sup_state *table_head;

/* ------------------------------------------------------------- builder */

rusm_sup_spec *rusm_sup_new(rusm_strategy strategy) {
  rusm_sup_spec *s = calloc(1, sizeof *s);
  if (!s) return NULL;
  s->strategy = strategy;
  s->max_restarts = SUP_DEFAULT_MAX;
  s->window_us = SUP_DEFAULT_WINDOW_US;
  return s;
}

void rusm_sup_child(rusm_sup_spec *spec, rusm_child_fn start, void *arg) {
  if (!spec || !start) return;
  if (spec->n == spec->cap) {
    size_t cap = spec->cap ? spec->cap * 2 : 4;
    sup_child *c = realloc(spec->children, cap * sizeof *c);
    if (!c) return; /* the child is dropped; rusm_sup_start then sees fewer */
    spec->children = c;
    spec->cap = cap;
  }
  spec->children[spec->n++] = (sup_child){start, arg, RUSM_PID_NONE, 0, false, false};
}

void rusm_sup_max_restarts(rusm_sup_spec *spec, uint32_t n) {
  if (spec) spec->max_restarts = n;
}

void rusm_sup_within(rusm_sup_spec *spec, uint64_t window_us) {
  if (spec) spec->window_us = window_us;
}

void rusm_sup_over_lifetime(rusm_sup_spec *spec) {
  if (spec) spec->lifetime = true;
}

/* --------------------------------------------------------------- state */

static void state_unref(sup_state *st) {
  if (atomic_fetch_sub(&st->refs, 1) != 1) return;
  pthread_mutex_destroy(&st->mu);
  free(st->spec.children);
  free(st->stamps);
  free(st);
}

static void table_remove_locked(sup_state *st) {
  if (!st->listed) return;
  if (st->prev)
    st->prev->next = st->next;
  else
    table_head = st->next;
  if (st->next) st->next->prev = st->prev;
  st->prev = st->next = NULL;
  st->listed = false;
}

static void set_child_pid(sup_state *st, size_t i, rusm_pid pid) {
  pthread_mutex_lock(&st->mu);
  st->spec.children[i].pid = pid;
  pthread_mutex_unlock(&st->mu);
}

static void kill_children_now(sup_state *st) {
  for (size_t i = 0; i < st->spec.n; i++)
    if (st->spec.children[i].pid != RUSM_PID_NONE) rusm_kill(st->rt, st->spec.children[i].pid);
}

/* The process's arg_free: unlist, and if the body never ran (killed before
** its first slice) the children it would have supervised die with it. */
static void state_release(void *arg) {
  sup_state *st = arg;
  pthread_mutex_lock(&table_mu);
  table_remove_locked(st);
  pthread_mutex_unlock(&table_mu);
  if (!atomic_load(&st->ran)) kill_children_now(st);
  state_unref(st);
}

/* -------------------------------------------------------------- budget */

/* Records one restart; false when the budget is spent (give up). */
static bool budget_allows(sup_state *st) {
  uint32_t max = st->spec.max_restarts;
  if (st->spec.lifetime) {
    st->lifetime_restarts++;
    return max == 0 || st->lifetime_restarts <= max;
  }
  if (max == 0) return true; /* unlimited: nothing to remember */
  uint64_t now = rusm_now_ns(), window_ns = st->spec.window_us * 1000;
  while (st->st_len && now - st->stamps[st->st_head] > window_ns) {
    st->st_head = (st->st_head + 1) % st->st_cap;
    st->st_len--;
  }
  if (st->st_len == st->st_cap) { /* grow the ring, unrolled into the new array */
    size_t cap = st->st_cap ? st->st_cap * 2 : 8;
    uint64_t *s = malloc(cap * sizeof *s);
    if (!s) return false; /* cannot account for it: treat as over budget */
    for (size_t k = 0; k < st->st_len; k++) s[k] = st->stamps[(st->st_head + k) % st->st_cap];
    free(st->stamps);
    st->stamps = s;
    st->st_cap = cap;
    st->st_head = 0;
  }
  st->stamps[(st->st_head + st->st_len) % st->st_cap] = now;
  st->st_len++;
  return st->st_len <= max;
}

/* ----------------------------------------------------- the supervisor body */

static int find_child(sup_state *st, rusm_ref ref, rusm_pid pid) {
  for (size_t i = 0; i < st->spec.n; i++) {
    sup_child *c = &st->spec.children[i];
    if (c->monitored && c->ref == ref && c->pid == pid) return (int)i;
  }
  return -1;
}

/* Forgets child i (its Down has been taken). */
static void child_gone(sup_state *st, size_t i) {
  st->spec.children[i].monitored = false;
  st->spec.children[i].killing = false;
  set_child_pid(st, i, RUSM_PID_NONE);
}

/* Only the Downs of children we are killing: a Down of any other child
** stays in the mailbox for the main loop, in order. */
static bool match_killed_down(const rusm_item *item, void *arg) {
  sup_state *st = arg;
  if (item->kind != RUSM_ITEM_DOWN) return false;
  int i = find_child(st, item->u.down.ref, item->u.down.pid);
  return i >= 0 && st->spec.children[i].killing;
}

/* Kills children [from, n) except skip, and waits for each one's Down.
** false if the supervisor itself was killed meanwhile. */
static bool kill_and_wait(rusm_ctx *ctx, sup_state *st, size_t from, size_t skip) {
  size_t pending = 0;
  for (size_t i = from; i < st->spec.n; i++) {
    sup_child *c = &st->spec.children[i];
    if (i == skip || !c->monitored) continue;
    c->killing = true;
    rusm_kill(st->rt, c->pid);
    pending++;
  }
  while (pending) {
    rusm_item *it = rusm_receive_match(ctx, match_killed_down, st, RUSM_FOREVER);
    if (!it) return false;
    child_gone(st, (size_t)find_child(st, it->u.down.ref, it->u.down.pid));
    pending--;
    rusm_item_free(it);
  }
  return true;
}

/* Starts child i and monitors it. A factory that cannot start the child
** counts as a death: false tells the caller to spend budget and retry. */
static bool start_child(rusm_ctx *ctx, sup_state *st, size_t i) {
  sup_child *c = &st->spec.children[i];
  rusm_pid pid = c->start(st->rt, c->arg);
  if (pid == RUSM_PID_NONE) return false;
  c->ref = rusm_monitor(st->rt, rusm_self(ctx), pid);
  c->monitored = true;
  set_child_pid(st, i, pid);
  return true;
}

/* Ends the supervisor as Crashed after taking every child down with it. */
static _Noreturn void give_up(rusm_ctx *ctx, sup_state *st) {
  if (!kill_and_wait(ctx, st, 0, SIZE_MAX)) kill_children_now(st); /* killed meanwhile */
  rusm_crash(ctx);
}

/* Restarts children [from, n) in order, spending budget on failed starts. */
static void restart_from(rusm_ctx *ctx, sup_state *st, size_t from) {
  for (size_t i = from; i < st->spec.n; i++) {
    if (st->spec.children[i].monitored) continue;
    while (!start_child(ctx, st, i)) {
      if (rusm_killed(ctx)) return;
      if (!budget_allows(st)) give_up(ctx, st);
      rusm_yield(ctx);
    }
  }
}

static void on_child_down(rusm_ctx *ctx, sup_state *st, size_t i) {
  child_gone(st, i);
  if (!budget_allows(st)) give_up(ctx, st);
  switch (st->spec.strategy) {
  case RUSM_ONE_FOR_ONE: break;
  case RUSM_ONE_FOR_ALL:
    if (!kill_and_wait(ctx, st, 0, i)) return;
    i = 0;
    break;
  case RUSM_REST_FOR_ONE:
    if (!kill_and_wait(ctx, st, i + 1, i)) return;
    break;
  }
  restart_from(ctx, st, i);
}

static void sup_body(rusm_ctx *ctx, void *arg) {
  sup_state *st = arg;
  rusm_pid self = rusm_self(ctx);
  atomic_store(&st->ran, true);
  /* An owner that links to us must not orphan the children when it ends:
  ** its exit reaches us as an Exit item and we take them down. */
  rusm_set_trap_exit(st->rt, self, true);
  for (size_t i = 0; i < st->spec.n; i++) {
    sup_child *c = &st->spec.children[i];
    c->ref = rusm_monitor(st->rt, self, c->pid); /* NOPROC Down if already gone */
    c->monitored = true;
  }
  for (;;) {
    rusm_item *it = rusm_receive(ctx);
    if (!it) break; /* killed: no more waiting is possible */
    if (it->kind == RUSM_ITEM_EXIT) {
      rusm_item_free(it);
      kill_and_wait(ctx, st, 0, SIZE_MAX);
      return;
    }
    int i = it->kind == RUSM_ITEM_DOWN ? find_child(st, it->u.down.ref, it->u.down.pid) : -1;
    rusm_item_free(it);                            /* before: giving up does not return */
    if (i >= 0) on_child_down(ctx, st, (size_t)i); /* else stale or not a Down: ignored */
    if (rusm_killed(ctx)) break;
  }
  kill_children_now(st);
}

/* -------------------------------------------------------------- public */

rusm_pid rusm_sup_start(rusm_rt *rt, rusm_sup_spec *spec) {
  if (!rt || !spec) {
    if (spec) free(spec->children);
    free(spec);
    return RUSM_PID_NONE;
  }
  sup_state *st = calloc(1, sizeof *st);
  if (!st) {
    free(spec->children);
    free(spec);
    return RUSM_PID_NONE;
  }
  st->rt = rt;
  st->pid = RUSM_PID_NONE;
  st->spec = *spec;
  free(spec);
  pthread_mutex_init(&st->mu, NULL);
  atomic_init(&st->refs, 2);
  atomic_init(&st->ran, false);

  for (size_t i = 0; i < st->spec.n; i++) {
    sup_child *c = &st->spec.children[i];
    c->pid = c->start(rt, c->arg);
    if (c->pid == RUSM_PID_NONE) { /* as OTP's start_link: all or nothing */
      kill_children_now(st);
      atomic_store(&st->refs, 1);
      state_unref(st);
      return RUSM_PID_NONE;
    }
  }

  /* Listed before the spawn so arg_free always finds a consistent entry. */
  pthread_mutex_lock(&table_mu);
  st->next = table_head;
  if (table_head) table_head->prev = st;
  table_head = st;
  st->listed = true;
  pthread_mutex_unlock(&table_mu);

  rusm_pid pid = rusm_spawn(rt, sup_body, st, state_release);
  if (pid != RUSM_PID_NONE) rusm_set_trap_exit(rt, pid, true); /* before any owner links */
  pthread_mutex_lock(&table_mu);
  if (pid == RUSM_PID_NONE) {
    table_remove_locked(st);
  } else if (st->listed) {
    st->pid = pid;
  }
  pthread_mutex_unlock(&table_mu);
  if (pid == RUSM_PID_NONE && !atomic_load(&st->ran)) kill_children_now(st);
  state_unref(st);
  return pid;
}

size_t rusm_sup_children(rusm_rt *rt, rusm_pid sup, rusm_pid *o_pids, size_t cap) {
  size_t n = 0;
  pthread_mutex_lock(&table_mu);
  for (sup_state *st = table_head; st; st = st->next) {
    if (st->rt != rt || st->pid != sup) continue;
    pthread_mutex_lock(&st->mu);
    n = st->spec.n;
    for (size_t i = 0; i < n && i < cap; i++) o_pids[i] = st->spec.children[i].pid;
    pthread_mutex_unlock(&st->mu);
    break;
  }
  pthread_mutex_unlock(&table_mu);
  return n;
}
