/*
** test_supervisor.c: supervisor strategies, restart budgets, stale Downs,
** shutdown paths, and restarts under concurrent traffic.
**
** Children are started by factories that append their index to a start
** log, so each test checks both which pids changed and in what order the
** children came back.
*/
#include "../test.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "rusm/otp.h"

#define MAX_KIDS 8
#define LOG_CAP 256

typedef struct world world;

typedef struct kid_arg {
  world *w;
  int idx;
} kid_arg;

struct world {
  rusm_rt *rt;
  pthread_mutex_t mu;
  int log[LOG_CAP]; /* child indices in start order */
  int n_log;
  atomic_int msgs;       /* user messages children have taken */
  atomic_int probes;     /* \"probe\" messages children have taken */
  atomic_int refuse;     /* factories return RUSM_PID_NONE while set */
  atomic_int refuse_idx; /* ... or only this child's factory */
  rusm_pid last_pid[MAX_KIDS];
  kid_arg args[MAX_KIDS];
};

/* A child: counts messages, crashes on "crash", returns on "exit". */
static void kid_body(rusm_ctx *ctx, void *arg) {
  world *w = arg;
  for (rusm_item *it; (it = rusm_receive(ctx));) {
    bool crash = it->kind == RUSM_ITEM_MESSAGE && it->u.msg.len == 5 &&
                 memcmp(it->u.msg.data, "crash", 5) == 0;
    bool leave = it->kind == RUSM_ITEM_MESSAGE && it->u.msg.len == 4 &&
                 memcmp(it->u.msg.data, "exit", 4) == 0;
    bool probe = it->kind == RUSM_ITEM_MESSAGE && it->u.msg.len == 5 &&
                 memcmp(it->u.msg.data, "probe", 5) == 0;
    if (probe)
      atomic_fetch_add(&w->probes, 1);
    else if (it->kind == RUSM_ITEM_MESSAGE && !crash && !leave)
      atomic_fetch_add(&w->msgs, 1);
    rusm_item_free(it);
    if (crash) rusm_crash(ctx);
    if (leave) return;
  }
}

static rusm_pid kid_start(rusm_rt *rt, void *arg) {
  kid_arg *a = arg;
  if (atomic_load(&a->w->refuse) || atomic_load(&a->w->refuse_idx) == a->idx) return RUSM_PID_NONE;
  rusm_pid pid = rusm_spawn(rt, kid_body, a->w, NULL);
  pthread_mutex_lock(&a->w->mu);
  if (a->w->n_log < LOG_CAP) a->w->log[a->w->n_log++] = a->idx;
  a->w->last_pid[a->idx] = pid;
  pthread_mutex_unlock(&a->w->mu);
  return pid;
}

static void world_init(world *w) {
  memset(w, 0, sizeof *w);
  w->rt = rusm_rt_new(NULL);
  pthread_mutex_init(&w->mu, NULL);
  atomic_init(&w->refuse_idx, -1);
  for (int i = 0; i < MAX_KIDS; i++) w->args[i] = (kid_arg){w, i};
}

static void world_fini(world *w) {
  rusm_rt_free(w->rt);
  pthread_mutex_destroy(&w->mu);
}

static rusm_sup_spec *spec_with(world *w, rusm_strategy s, int kids) {
  rusm_sup_spec *spec = rusm_sup_new(s);
  for (int i = 0; i < kids; i++) rusm_sup_child(spec, kid_start, &w->args[i]);
  return spec;
}

static int log_len(world *w) {
  pthread_mutex_lock(&w->mu);
  int n = w->n_log;
  pthread_mutex_unlock(&w->mu);
  return n;
}

static bool log_is(world *w, const int *want, int n) {
  pthread_mutex_lock(&w->mu);
  bool same = w->n_log == n;
  for (int i = 0; same && i < n; i++) same = w->log[i] == want[i];
  pthread_mutex_unlock(&w->mu);
  return same;
}

static void sleep_ms(int ms) {
  struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

/* Polls the children until every slot holds a live pid not in old[]
** for the slots flagged in fresh (others must be unchanged). 2 s at most. */
static bool wait_children(world *w, rusm_pid sup, const rusm_pid *old, const bool *fresh, int n,
                          rusm_pid *o_now) {
  for (int tries = 0; tries < 2000; tries++) {
    size_t got = rusm_sup_children(w->rt, sup, o_now, MAX_KIDS);
    bool done = got == (size_t)n;
    for (int i = 0; done && i < n; i++) {
      if (o_now[i] == RUSM_PID_NONE || !rusm_is_alive(w->rt, o_now[i]))
        done = false;
      else if (fresh[i] ? o_now[i] == old[i] : o_now[i] != old[i])
        done = false;
    }
    if (done) return true;
    sleep_ms(1);
  }
  return false;
}

/* Polls until all n children are running, whatever their pids. */
static bool wait_all_live(world *w, rusm_pid sup, int n, rusm_pid *o_now) {
  for (int tries = 0; tries < 2000; tries++) {
    bool done = rusm_sup_children(w->rt, sup, o_now, MAX_KIDS) == (size_t)n;
    for (int i = 0; done && i < n; i++)
      done = o_now[i] != RUSM_PID_NONE && rusm_is_alive(w->rt, o_now[i]);
    if (done) return true;
    sleep_ms(1);
  }
  return false;
}

/* Waits until n log entries exist (the factory has run that often). */
static bool wait_log(world *w, int n) {
  for (int tries = 0; tries < 2000 && log_len(w) < n; tries++) sleep_ms(1);
  return log_len(w) == n;
}

/* A watcher process: monitors target and keeps the Down's reason. */
typedef struct watch {
  rusm_rt *rt;
  rusm_pid target, pid;
  atomic_bool armed; /* the monitor is in place */
  atomic_int reason; /* -1 until the Down came */
} watch;

static bool is_down(const rusm_item *it, void *arg) {
  return it->kind == RUSM_ITEM_DOWN;
}

static void watch_body(rusm_ctx *ctx, void *arg) {
  watch *wt = arg;
  rusm_monitor(wt->rt, rusm_self(ctx), wt->target);
  atomic_store(&wt->armed, true);
  rusm_item *it = rusm_receive_match(ctx, is_down, NULL, RUSM_FOREVER);
  if (!it) return;
  atomic_store(&wt->reason, (int)it->u.down.reason);
  rusm_item_free(it);
}

static void watch_start(watch *wt, rusm_rt *rt, rusm_pid target) {
  wt->rt = rt;
  wt->target = target;
  atomic_init(&wt->reason, -1);
  atomic_init(&wt->armed, false);
  wt->pid = rusm_spawn(rt, watch_body, wt, NULL);
  for (int tries = 0; tries < 2000 && !atomic_load(&wt->armed); tries++) sleep_ms(1);
}

/* The Down's reason, or -1 if none came within 2 s. */
static int watch_wait(watch *wt) {
  for (int tries = 0; tries < 2000 && atomic_load(&wt->reason) < 0; tries++) sleep_ms(1);
  return atomic_load(&wt->reason);
}

/* ------------------------------------------------------------ strategies */

TEST(one_for_one_restarts_only_the_dead_child) {
  world w;
  world_init(&w);
  rusm_pid sup = rusm_sup_start(w.rt, spec_with(&w, RUSM_ONE_FOR_ONE, 3));
  REQUIRE(sup != RUSM_PID_NONE);
  rusm_pid p[MAX_KIDS], q[MAX_KIDS];
  CHECK_EQ(rusm_sup_children(w.rt, sup, p, MAX_KIDS), 3);
  CHECK(rusm_kill(w.rt, p[1]));
  bool fresh[] = {false, true, false};
  CHECK(wait_children(&w, sup, p, fresh, 3, q));
  CHECK(!rusm_is_alive(w.rt, p[1]));
  CHECK(q[0] == p[0] && q[2] == p[2] && q[1] != p[1]);
  CHECK(log_is(&w, (int[]){0, 1, 2, 1}, 4));
  world_fini(&w);
}

TEST(one_for_all_restarts_every_child_in_order) {
  world w;
  world_init(&w);
  rusm_pid sup = rusm_sup_start(w.rt, spec_with(&w, RUSM_ONE_FOR_ALL, 3));
  REQUIRE(sup != RUSM_PID_NONE);
  rusm_pid p[MAX_KIDS], q[MAX_KIDS];
  CHECK_EQ(rusm_sup_children(w.rt, sup, p, MAX_KIDS), 3);
  CHECK(rusm_send(w.rt, p[1], "crash", 5));
  bool fresh[] = {true, true, true};
  CHECK(wait_children(&w, sup, p, fresh, 3, q));
  for (int i = 0; i < 3; i++) CHECK(!rusm_is_alive(w.rt, p[i]));
  CHECK(wait_log(&w, 6));
  CHECK(log_is(&w, (int[]){0, 1, 2, 0, 1, 2}, 6));
  world_fini(&w);
}

TEST(rest_for_one_restarts_from_the_dead_index) {
  world w;
  world_init(&w);
  rusm_pid sup = rusm_sup_start(w.rt, spec_with(&w, RUSM_REST_FOR_ONE, 4));
  REQUIRE(sup != RUSM_PID_NONE);
  rusm_pid p[MAX_KIDS], q[MAX_KIDS];
  CHECK_EQ(rusm_sup_children(w.rt, sup, p, MAX_KIDS), 4);
  CHECK(rusm_kill(w.rt, p[1]));
  bool fresh[] = {false, true, true, true};
  CHECK(wait_children(&w, sup, p, fresh, 4, q));
  CHECK(q[0] == p[0] && rusm_is_alive(w.rt, p[0]));
  for (int i = 1; i < 4; i++) CHECK(!rusm_is_alive(w.rt, p[i]));
  CHECK(wait_log(&w, 7));
  CHECK(log_is(&w, (int[]){0, 1, 2, 3, 1, 2, 3}, 7));
  world_fini(&w);
}

/* --------------------------------------------------------------- budgets */

/* Kills child 0 and waits for its replacement; false if none came. */
static bool crash_and_wait(world *w, rusm_pid sup, int kids) {
  rusm_pid p[MAX_KIDS], q[MAX_KIDS];
  if (rusm_sup_children(w->rt, sup, p, MAX_KIDS) != (size_t)kids) return false;
  rusm_kill(w->rt, p[0]);
  bool fresh[MAX_KIDS] = {true};
  return wait_children(w, sup, p, fresh, kids, q);
}

TEST(fourth_restart_within_window_gives_up) {
  world w;
  world_init(&w);
  rusm_pid sup = rusm_sup_start(w.rt, spec_with(&w, RUSM_ONE_FOR_ONE, 2)); /* 3 in 5 s */
  REQUIRE(sup != RUSM_PID_NONE);
  watch wt;
  watch_start(&wt, w.rt, sup);
  for (int i = 0; i < 3; i++) CHECK(crash_and_wait(&w, sup, 2));
  rusm_pid p[MAX_KIDS];
  CHECK_EQ(rusm_sup_children(w.rt, sup, p, MAX_KIDS), 2);
  CHECK(rusm_kill(w.rt, p[0]));
  CHECK_EQ(watch_wait(&wt), RUSM_EXIT_CRASHED);
  CHECK(!rusm_is_alive(w.rt, sup));
  CHECK(!rusm_is_alive(w.rt, p[1])); /* the survivor went down with it */
  CHECK_EQ(log_len(&w), 2 + 3);      /* no fourth restart happened */
  CHECK_EQ(rusm_sup_children(w.rt, sup, p, MAX_KIDS), 0);
  world_fini(&w);
}

TEST(zero_max_restarts_is_unlimited) {
  world w;
  world_init(&w);
  rusm_sup_spec *spec = spec_with(&w, RUSM_ONE_FOR_ONE, 1);
  rusm_sup_max_restarts(spec, 0);
  rusm_pid sup = rusm_sup_start(w.rt, spec);
  REQUIRE(sup != RUSM_PID_NONE);
  for (int i = 0; i < 25; i++) CHECK(crash_and_wait(&w, sup, 1));
  CHECK(rusm_is_alive(w.rt, sup));
  CHECK_EQ(log_len(&w), 26);
  world_fini(&w);
}

TEST(over_lifetime_counts_restarts_across_windows) {
  world w;
  world_init(&w);
  rusm_sup_spec *spec = spec_with(&w, RUSM_ONE_FOR_ONE, 1);
  rusm_sup_max_restarts(spec, 2);
  rusm_sup_within(spec, 50 * 1000); /* would have expired; lifetime ignores it */
  rusm_sup_over_lifetime(spec);
  rusm_pid sup = rusm_sup_start(w.rt, spec);
  REQUIRE(sup != RUSM_PID_NONE);
  watch wt;
  watch_start(&wt, w.rt, sup);
  for (int i = 0; i < 2; i++) {
    CHECK(crash_and_wait(&w, sup, 1));
    sleep_ms(100);
  }
  rusm_pid p[1];
  CHECK_EQ(rusm_sup_children(w.rt, sup, p, 1), 1);
  CHECK(rusm_kill(w.rt, p[0]));
  CHECK_EQ(watch_wait(&wt), RUSM_EXIT_CRASHED);
  CHECK_EQ(log_len(&w), 3);
  world_fini(&w);
}

TEST(window_expiry_allows_more_restarts_later) {
  world w;
  world_init(&w);
  rusm_sup_spec *spec = spec_with(&w, RUSM_ONE_FOR_ONE, 1);
  rusm_sup_max_restarts(spec, 2);
  rusm_sup_within(spec, 1000 * 1000);
  rusm_pid sup = rusm_sup_start(w.rt, spec);
  REQUIRE(sup != RUSM_PID_NONE);
  watch wt;
  watch_start(&wt, w.rt, sup);
  CHECK(crash_and_wait(&w, sup, 1));
  CHECK(crash_and_wait(&w, sup, 1));
  sleep_ms(1100); /* both records age out */
  CHECK(crash_and_wait(&w, sup, 1));
  CHECK(crash_and_wait(&w, sup, 1));
  CHECK(rusm_is_alive(w.rt, sup));
  CHECK_EQ(log_len(&w), 5);
  rusm_pid p[1]; /* a third inside this window is one too many */
  CHECK_EQ(rusm_sup_children(w.rt, sup, p, 1), 1);
  CHECK(rusm_kill(w.rt, p[0]));
  CHECK_EQ(watch_wait(&wt), RUSM_EXIT_CRASHED);
  CHECK_EQ(log_len(&w), 5);
  world_fini(&w);
}

TEST(failed_restart_spends_budget_then_gives_up) {
  world w;
  world_init(&w);
  rusm_sup_spec *spec = spec_with(&w, RUSM_ONE_FOR_ONE, 2);
  rusm_sup_max_restarts(spec, 3);
  rusm_pid sup = rusm_sup_start(w.rt, spec);
  REQUIRE(sup != RUSM_PID_NONE);
  watch wt;
  watch_start(&wt, w.rt, sup);
  rusm_pid p[MAX_KIDS];
  CHECK_EQ(rusm_sup_children(w.rt, sup, p, MAX_KIDS), 2);
  atomic_store(&w.refuse, 1);
  CHECK(rusm_kill(w.rt, p[0]));
  CHECK_EQ(watch_wait(&wt), RUSM_EXIT_CRASHED);
  CHECK(!rusm_is_alive(w.rt, p[1]));
  CHECK_EQ(log_len(&w), 2);
  world_fini(&w);
}

/* ------------------------------------------------------- stale signals */

TEST(stale_downs_are_ignored) {
  world w;
  world_init(&w);
  rusm_sup_spec *spec = spec_with(&w, RUSM_ONE_FOR_ONE, 2);
  rusm_sup_max_restarts(spec, 1);
  rusm_sup_over_lifetime(spec);
  rusm_pid sup = rusm_sup_start(w.rt, spec);
  REQUIRE(sup != RUSM_PID_NONE);
  rusm_pid p[MAX_KIDS], q[MAX_KIDS];
  CHECK_EQ(rusm_sup_children(w.rt, sup, p, MAX_KIDS), 2);
  /* Downs the supervisor did not ask for: one for a long-dead process
  ** (NOPROC at once), one more for child 0 under a foreign ref. */
  rusm_pid gone = rusm_spawn(w.rt, kid_body, &w, NULL);
  rusm_kill(w.rt, gone);
  rusm_rt_join(w.rt, gone);
  rusm_monitor(w.rt, sup, gone);
  rusm_monitor(w.rt, sup, p[0]);
  CHECK(rusm_kill(w.rt, p[0]));
  bool fresh[] = {true, false};
  CHECK(wait_children(&w, sup, p, fresh, 2, q));
  sleep_ms(50); /* time for a wrongly counted Down to spend the last restart */
  CHECK(rusm_is_alive(w.rt, sup));
  CHECK(rusm_is_alive(w.rt, q[0]) && rusm_is_alive(w.rt, q[1]));
  CHECK_EQ(log_len(&w), 3);
  world_fini(&w);
}

/* ------------------------------------------------------- shutdown paths */

static void owner_body(rusm_ctx *ctx, void *arg) {
  rusm_pid sup = *(rusm_pid *)arg;
  rusm_link(rusm_ctx_rt(ctx), rusm_self(ctx), sup); /* then end normally */
}

TEST(owner_exit_stops_supervisor_and_children) {
  world w;
  world_init(&w);
  rusm_pid sup = rusm_sup_start(w.rt, spec_with(&w, RUSM_ONE_FOR_ONE, 3));
  REQUIRE(sup != RUSM_PID_NONE);
  rusm_pid p[MAX_KIDS];
  CHECK_EQ(rusm_sup_children(w.rt, sup, p, MAX_KIDS), 3);
  watch wt;
  watch_start(&wt, w.rt, sup);
  rusm_spawn(w.rt, owner_body, &sup, NULL);
  CHECK_EQ(watch_wait(&wt), RUSM_EXIT_NORMAL);
  for (int i = 0; i < 3; i++) CHECK(!rusm_is_alive(w.rt, p[i]));
  CHECK_EQ(log_len(&w), 3); /* nothing was restarted on the way down */
  world_fini(&w);
}

TEST(killed_supervisor_takes_children_down) {
  world w;
  world_init(&w);
  rusm_pid sup = rusm_sup_start(w.rt, spec_with(&w, RUSM_ONE_FOR_ALL, 3));
  REQUIRE(sup != RUSM_PID_NONE);
  rusm_pid p[MAX_KIDS];
  CHECK_EQ(rusm_sup_children(w.rt, sup, p, MAX_KIDS), 3);
  CHECK(rusm_kill(w.rt, sup));
  rusm_rt_join(w.rt, sup);
  for (int i = 0; i < 3; i++) {
    rusm_rt_join(w.rt, p[i]);
    CHECK(!rusm_is_alive(w.rt, p[i]));
  }
  CHECK_EQ(rusm_sup_children(w.rt, sup, p, MAX_KIDS), 0);
  world_fini(&w);
}

TEST(start_fails_cleanly_when_a_factory_fails) {
  world w;
  world_init(&w);
  atomic_store(&w.refuse_idx, 2);
  CHECK(rusm_sup_start(w.rt, spec_with(&w, RUSM_ONE_FOR_ONE, 3)) == RUSM_PID_NONE);
  CHECK(log_is(&w, (int[]){0, 1}, 2));
  for (int i = 0; i < 2; i++) {
    rusm_rt_join(w.rt, w.last_pid[i]); /* the started ones are taken down */
    CHECK(!rusm_is_alive(w.rt, w.last_pid[i]));
  }
  world_fini(&w);
}

TEST(children_snapshot_of_unknown_pid_is_empty) {
  world w;
  world_init(&w);
  rusm_pid p[MAX_KIDS];
  CHECK_EQ(rusm_sup_children(w.rt, 12345, p, MAX_KIDS), 0);
  rusm_pid sup = rusm_sup_start(w.rt, spec_with(&w, RUSM_ONE_FOR_ONE, 5));
  REQUIRE(sup != RUSM_PID_NONE);
  CHECK_EQ(rusm_sup_children(w.rt, sup, p, 2), 5); /* total, even past cap */
  world_fini(&w);
}

/* --------------------------------------------------- under traffic */

typedef struct traffic {
  rusm_rt *rt;
  rusm_pid sup;
  atomic_bool stop;
  atomic_int sent, crashes;
} traffic;

/* Keeps messaging whatever children the supervisor has right now and
** asks one of them to crash every 50 rounds (never the same incarnation
** twice, so every crash sent is one restart). */
static void sender_body(rusm_ctx *ctx, void *arg) {
  traffic *t = arg;
  rusm_pid crashed[MAX_KIDS];
  for (int i = 0; i < MAX_KIDS; i++) crashed[i] = RUSM_PID_NONE;
  for (int round = 0; !atomic_load(&t->stop) && !rusm_killed(ctx); round++) {
    rusm_pid p[MAX_KIDS];
    size_t n = rusm_sup_children(t->rt, t->sup, p, MAX_KIDS);
    for (size_t i = 0; i < n; i++) {
      if (p[i] == RUSM_PID_NONE) continue;
      if (rusm_send(t->rt, p[i], "hi", 2)) atomic_fetch_add(&t->sent, 1);
    }
    size_t k = n ? (size_t)round % n : 0;
    if (round % 50 == 49 && n && p[k] != RUSM_PID_NONE && p[k] != crashed[k] &&
        rusm_send(t->rt, p[k], "crash", 5)) {
      crashed[k] = p[k];
      atomic_fetch_add(&t->crashes, 1);
    }
    rusm_yield(ctx);
  }
}

TEST(restarts_while_another_process_keeps_messaging) {
  world w;
  world_init(&w);
  rusm_sup_spec *spec = spec_with(&w, RUSM_ONE_FOR_ONE, 3);
  rusm_sup_max_restarts(spec, 0);
  rusm_pid sup = rusm_sup_start(w.rt, spec);
  REQUIRE(sup != RUSM_PID_NONE);
  traffic t = {.rt = w.rt, .sup = sup};
  atomic_init(&t.stop, false);
  rusm_pid sender = rusm_spawn(w.rt, sender_body, &t, NULL);
  for (int tries = 0; tries < 3000 && atomic_load(&t.crashes) < 20; tries++) sleep_ms(1);
  atomic_store(&t.stop, true);
  rusm_rt_join(w.rt, sender);
  CHECK(atomic_load(&t.crashes) >= 20);
  CHECK(atomic_load(&w.msgs) > 0);
  CHECK(rusm_is_alive(w.rt, sup));
  /* every crash that reached a child was followed by one restart */
  int crashes = atomic_load(&t.crashes);
  CHECK(wait_log(&w, 3 + crashes));
  rusm_pid q[MAX_KIDS];
  CHECK(wait_all_live(&w, sup, 3, q));
  /* and the current children still take messages */
  for (int i = 0; i < 3; i++) CHECK(rusm_send(w.rt, q[i], "probe", 5));
  for (int tries = 0; tries < 2000 && atomic_load(&w.probes) < 3; tries++) sleep_ms(1);
  CHECK_EQ(atomic_load(&w.probes), 3);
  world_fini(&w);
}

TEST_MAIN(one_for_one_restarts_only_the_dead_child, one_for_all_restarts_every_child_in_order,
          rest_for_one_restarts_from_the_dead_index, fourth_restart_within_window_gives_up,
          zero_max_restarts_is_unlimited, over_lifetime_counts_restarts_across_windows,
          window_expiry_allows_more_restarts_later, failed_restart_spends_budget_then_gives_up,
          stale_downs_are_ignored, owner_exit_stops_supervisor_and_children,
          killed_supervisor_takes_children_down, start_fails_cleanly_when_a_factory_fails,
          children_snapshot_of_unknown_pid_is_empty, restarts_while_another_process_keeps_messaging)
