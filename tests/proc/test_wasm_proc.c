/*
** test_wasm_proc.c: Wasm processes on the actor core: running, host calls,
** traps as crashes through monitors and links, preemption and kill of a
** spinner, many concurrent processes, the memory cap, supervision.
*/
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "proc_util.h"

static rusm_rt *new_rt(unsigned workers) {
  rusm_rt_config c;
  rusm_rt_config_default(&c);
  c.workers = workers;
  return rusm_rt_new(&c);
}

TEST(add_and_notify) {
  rusm_rt *rt = new_rt(2);
  rusm_wasm *w = rusm_wasm_new(rt, NULL);
  rusm_wasm_module *m;
  rusm_wasm_prepared *p = prep(w, "add", "run", &m);
  REQUIRE(p);
  exit_rec r = {0};
  rusm_pid pid = spawn_rec(w, p, NULL, &r);
  CHECK(pid != RUSM_PID_NONE);
  rusm_rt_join(rt, pid);
  CHECK(atomic_load(&r.seen));
  CHECK_EQ(r.reason, RUSM_EXIT_NORMAL);
  CHECK_EQ(rusm_wasm_notifications(w), 1);
  CHECK_EQ(rusm_wasm_spawned(w), 1);
  CHECK_EQ(rusm_wasm_live(w), 0);
  rusm_wasm_free(w);
  rusm_wasm_prepared_free(p);
  rusm_wasm_module_free(m);
  rusm_rt_free(rt);
}

/* A labelled guest that exits at once is still logged under its label:
** the label is in place before the guest can run (it used to be set after
** the spawn, which a fast guest could win, losing its exit line). */
TEST(quick_labelled_guests_log_their_exit) {
  rusm_rt *rt = new_rt(2);
  FILE *f = tmpfile();
  REQUIRE(f);
  rusm_set_log_sink(rt, f);
  rusm_set_log_level(rt, RUSM_LOG_INFO);
  rusm_wasm *w = rusm_wasm_new(rt, NULL);
  rusm_wasm_module *m;
  rusm_wasm_prepared *p = prep(w, "add", "run", &m);
  REQUIRE(p);
  enum { N = 50 };
  rusm_pid pids[N];
  rusm_wasm_spawn_opts o = {0};
  o.label = "quick";
  for (int i = 0; i < N; i++) pids[i] = rusm_wasm_spawn_ex(w, p, &o);
  for (int i = 0; i < N; i++) rusm_rt_join(rt, pids[i]);
  rusm_wasm_free(w);
  rusm_rt_free(rt); /* every line is out */
  char text[16384];
  rewind(f);
  size_t n = fread(text, 1, sizeof text - 1, f);
  text[n] = 0;
  fclose(f);
  for (int i = 0; i < N; i++) {
    char want[64];
    snprintf(want, sizeof want, "quick#%llu normal", (unsigned long long)pids[i]);
    CHECK(strstr(text, want) != NULL);
  }
  rusm_wasm_prepared_free(p);
  rusm_wasm_module_free(m);
}

/* A native process that registers as "collector", spawns the pid guest and
** checks that the 8 bytes it receives are the child's pid. */
typedef struct {
  rusm_wasm *w;
  rusm_wasm_prepared *p;
  _Atomic int ok;
} pid_case;

static void collector_pid(rusm_ctx *ctx, void *arg) {
  pid_case *c = arg;
  rusm_register(rusm_ctx_rt(ctx), "collector", rusm_self(ctx));
  rusm_pid child = rusm_wasm_spawn(c->w, c->p);
  rusm_item *it = rusm_receive_match(ctx, NULL, NULL, 5 * 1000 * 1000);
  if (it && it->kind == RUSM_ITEM_MESSAGE && it->u.msg.len == 8) {
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v |= (uint64_t)it->u.msg.data[i] << (8 * i);
    atomic_store(&c->ok, v == child ? 1 : -1);
  }
  if (it) rusm_item_free(it);
}

TEST(pid_reporting) {
  rusm_rt *rt = new_rt(2);
  rusm_wasm *w = rusm_wasm_new(rt, NULL);
  rusm_wasm_module *m;
  pid_case c = {w, prep(w, "pid", "run", &m), 0};
  REQUIRE(c.p);
  rusm_pid col = rusm_spawn(rt, collector_pid, &c, NULL);
  rusm_rt_join(rt, col);
  CHECK_EQ(atomic_load(&c.ok), 1);
  rusm_wasm_free(w);
  rusm_wasm_prepared_free(c.p);
  rusm_wasm_module_free(m);
  rusm_rt_free(rt);
}

/* Trap → Crashed, seen by a monitor (Down) and in the exit record, which
** names the trap and the function. */
typedef struct {
  rusm_wasm *w;
  rusm_wasm_prepared *p;
  exit_rec rec;
  _Atomic int down_reason;
  _Atomic int exit_reason;
} trap_case;

static void watcher(rusm_ctx *ctx, void *arg) {
  trap_case *c = arg;
  rusm_pid child = spawn_rec(c->w, c->p, NULL, &c->rec);
  rusm_ref ref = rusm_monitor(rusm_ctx_rt(ctx), rusm_self(ctx), child);
  rusm_send(rusm_ctx_rt(ctx), child, "go", 2); /* it traps only after the monitor is set */
  rusm_item *it = rusm_receive_match(ctx, NULL, NULL, 5 * 1000 * 1000);
  if (it && it->kind == RUSM_ITEM_DOWN && it->u.down.ref == ref && it->u.down.pid == child)
    atomic_store(&c->down_reason, (int)it->u.down.reason);
  if (it) rusm_item_free(it);
}

TEST(trap_is_crash_seen_by_monitor) {
  rusm_rt *rt = new_rt(2);
  rusm_wasm *w = rusm_wasm_new(rt, NULL);
  rusm_wasm_module *m;
  trap_case c = {.w = w, .p = prep(w, "trap", "run_after_message", &m), .down_reason = -1};
  REQUIRE(c.p);
  rusm_rt_join(rt, rusm_spawn(rt, watcher, &c, NULL));
  CHECK_EQ(atomic_load(&c.down_reason), RUSM_EXIT_CRASHED);
  CHECK_EQ(c.rec.reason, RUSM_EXIT_CRASHED);
  CHECK(strstr(c.rec.error, "unreachable") != NULL);
  CHECK(strstr(c.rec.error, "boom") != NULL);
  rusm_wasm_free(w);
  rusm_wasm_prepared_free(c.p);
  rusm_wasm_module_free(m);
  rusm_rt_free(rt);
}

/* A linked process that traps exits gets Exit{child, Crashed}; the guest
** waits for a message first so the link is in place before it traps. */
static void linked_trapper(rusm_ctx *ctx, void *arg) {
  trap_case *c = arg;
  rusm_rt *rt = rusm_ctx_rt(ctx);
  rusm_set_trap_exit(rt, rusm_self(ctx), true);
  rusm_pid child = spawn_rec(c->w, c->p, NULL, &c->rec);
  if (!rusm_link(rt, rusm_self(ctx), child)) return;
  rusm_send(rt, child, "go", 2);
  rusm_item *it = rusm_receive_match(ctx, NULL, NULL, 5 * 1000 * 1000);
  if (it && it->kind == RUSM_ITEM_EXIT && it->u.exit.from == child)
    atomic_store(&c->exit_reason, (int)it->u.exit.reason);
  if (it) rusm_item_free(it);
}

TEST(trap_is_crash_seen_by_trapping_link) {
  rusm_rt *rt = new_rt(2);
  rusm_wasm *w = rusm_wasm_new(rt, NULL);
  rusm_wasm_module *m;
  trap_case c = {.w = w, .p = prep(w, "trap", "run_after_message", &m), .exit_reason = -1};
  REQUIRE(c.p);
  rusm_rt_join(rt, rusm_spawn(rt, linked_trapper, &c, NULL));
  CHECK_EQ(atomic_load(&c.exit_reason), RUSM_EXIT_CRASHED);
  rusm_wasm_free(w);
  rusm_wasm_prepared_free(c.p);
  rusm_wasm_module_free(m);
  rusm_rt_free(rt);
}

/* On ONE worker, a spinner must not keep a native process from running,
** and a kill must end the spinner (Down Killed). */
typedef struct {
  rusm_wasm *w;
  rusm_wasm_prepared *p;
  _Atomic int ran, down;
  uint64_t kill_ns;
} spin_case;

static void spin_watch(rusm_ctx *ctx, void *arg) {
  spin_case *c = arg;
  rusm_rt *rt = rusm_ctx_rt(ctx);
  rusm_pid s = rusm_wasm_spawn(c->w, c->p);
  rusm_ref ref = rusm_monitor(rt, rusm_self(ctx), s);
  rusm_yield(ctx); /* the spinner runs now; we only come back if it is preempted */
  atomic_store(&c->ran, 1);
  uint64_t t0 = rusm_now_ns();
  rusm_kill(rt, s);
  rusm_item *it = rusm_receive_match(ctx, NULL, NULL, 5 * 1000 * 1000);
  c->kill_ns = rusm_now_ns() - t0;
  if (it && it->kind == RUSM_ITEM_DOWN && it->u.down.ref == ref)
    atomic_store(&c->down, (int)it->u.down.reason + 1);
  if (it) rusm_item_free(it);
}

TEST(spinner_preempted_and_killed) {
  rusm_rt *rt = new_rt(1);
  rusm_wasm *w = rusm_wasm_new(rt, NULL);
  rusm_wasm_module *m;
  spin_case c = {.w = w, .p = prep(w, "spin", "run", &m)};
  REQUIRE(c.p);
  rusm_rt_join(rt, rusm_spawn(rt, spin_watch, &c, NULL));
  CHECK_EQ(atomic_load(&c.ran), 1);
  CHECK_EQ(atomic_load(&c.down), RUSM_EXIT_KILLED + 1);
  printf("  kill of a running spinner took %.3f ms\n", (double)c.kill_ns / 1e6);
  rusm_wasm_free(w);
  rusm_wasm_prepared_free(c.p);
  rusm_wasm_module_free(m);
  rusm_rt_free(rt);
}

/* A lone compute-bound guest keeps one core, not two: when its slice runs
** out and nothing else waits on its worker, it is run again there instead
** of waking the idle worker to steal it (which bounced it between workers
** and kept both cores busy: 1.5 CPU-seconds per second before the fix).
** CPU time of the whole test process over wall time; load can only lower
** the ratio. */
static double cpu_seconds(void) {
  struct timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

TEST(lone_spinner_keeps_one_core) {
  rusm_rt *rt = new_rt(2);
  rusm_wasm *w = rusm_wasm_new(rt, NULL);
  rusm_wasm_module *m;
  rusm_wasm_prepared *p = prep(w, "spin", "run", &m);
  REQUIRE(p);
  rusm_pid s = rusm_wasm_spawn(w, p);
  usleep(50000); /* the idle worker has gone to sleep */
  double c0 = cpu_seconds();
  uint64_t t0 = rusm_now_ns();
  usleep(400000);
  double cpu = cpu_seconds() - c0, wall = (double)(rusm_now_ns() - t0) / 1e9;
  printf("  %.3f CPU-seconds in %.3f s\n", cpu, wall);
  CHECK(cpu < 1.3 * wall);
  rusm_kill(rt, s);
  rusm_rt_join(rt, s);
  rusm_wasm_free(w);
  rusm_wasm_prepared_free(p);
  rusm_wasm_module_free(m);
  rusm_rt_free(rt);
}

/* Spinners on both workers and a bystander still gets to run. */
TEST(bystander_progress_under_spinners) {
  rusm_rt *rt = new_rt(2);
  rusm_wasm *w = rusm_wasm_new(rt, NULL);
  rusm_wasm_module *ms, *mb;
  rusm_wasm_prepared *ps = prep(w, "spin", "run", &ms), *pb = prep(w, "bystander", "run", &mb);
  REQUIRE(ps && pb);
  rusm_pid s1 = rusm_wasm_spawn(w, ps), s2 = rusm_wasm_spawn(w, ps);
  usleep(20000);
  rusm_pid b = rusm_wasm_spawn(w, pb);
  usleep(200000);
  rusm_kill(rt, b); /* its notifications are counted when it ends */
  rusm_rt_join(rt, b);
  CHECK(rusm_wasm_notifications(w) > 1000);
  rusm_kill(rt, s1);
  rusm_kill(rt, s2);
  rusm_rt_join(rt, s1);
  rusm_rt_join(rt, s2);
  CHECK_EQ(rusm_wasm_live(w), 0);
  rusm_wasm_free(w);
  rusm_wasm_prepared_free(ps);
  rusm_wasm_prepared_free(pb);
  rusm_wasm_module_free(ms);
  rusm_wasm_module_free(mb);
  rusm_rt_free(rt);
}

/* 10,000 guests parked in receive at once, then each released by a message. */
TEST(ten_thousand_concurrent) {
  enum { N = 10000 };
  rusm_rt *rt = new_rt(2);
  rusm_wasm *w = rusm_wasm_new(rt, NULL);
  rusm_wasm_module *m;
  rusm_wasm_prepared *p = prep(w, "trap", "run_after_message", &m);
  REQUIRE(p);
  static rusm_pid pids[N];
  static exit_rec recs[N];
  memset(recs, 0, sizeof recs);
  for (int i = 0; i < N; i++) pids[i] = spawn_rec(w, p, NULL, &recs[i]);
  CHECK_EQ(rusm_wasm_live(w), N);
  CHECK(rusm_process_count(rt) >= N);
  for (int i = 0; i < N; i++) CHECK(rusm_send(rt, pids[i], "x", 1));
  for (int i = 0; i < N; i++) rusm_rt_join(rt, pids[i]);
  int crashed = 0;
  for (int i = 0; i < N; i++)
    crashed += recs[i].reason == RUSM_EXIT_CRASHED && atomic_load(&recs[i].seen);
  CHECK_EQ(crashed, N); /* each received its message, then trapped on purpose */
  CHECK_EQ(rusm_wasm_live(w), 0);
  rusm_wasm_free(w);
  rusm_wasm_prepared_free(p);
  rusm_wasm_module_free(m);
  rusm_rt_free(rt);
}

/* 100,000 idle guests fit, and shutdown ends every one of them cleanly. */
TEST(hundred_thousand_idle_then_shutdown) {
  enum { N = 100000 };
  rusm_rt *rt = new_rt(2);
  rusm_wasm *w = rusm_wasm_new(rt, NULL);
  rusm_wasm_module *m;
  rusm_wasm_prepared *p = prep(w, "idle", "run", &m);
  REQUIRE(p);
  int spawned = 0;
  for (int i = 0; i < N; i++) spawned += rusm_wasm_spawn(w, p) != RUSM_PID_NONE;
  CHECK_EQ(spawned, N);
  for (int i = 0; i < 30000 && rusm_wasm_notifications(w) < N; i++) usleep(1000);
  CHECK_EQ(rusm_wasm_notifications(w), N); /* each ran and parked in receive */
  CHECK_EQ(rusm_wasm_live(w), N);
  CHECK(rusm_wasm_shutdown(w) >= N);
  CHECK_EQ(rusm_wasm_live(w), 0);
  CHECK_EQ(rusm_process_count(rt), 0);
  rusm_wasm_free(w);
  rusm_wasm_prepared_free(p);
  rusm_wasm_module_free(m);
  rusm_rt_free(rt);
}

TEST(memory_cap) {
  rusm_rt *rt = new_rt(2);
  rusm_wasm *w = rusm_wasm_new(rt, NULL);
  rusm_wasm_module *m;
  rusm_wasm_prepared *p = prep(w, "grow", "run", &m);
  REQUIRE(p);
  rusm_caps *caps = rusm_caps_max_memory(rusm_caps_new(), 3 * 65536);
  exit_rec r = {0};
  rusm_rt_join(rt, spawn_rec(w, p, caps, &r));
  CHECK_EQ(r.reason, RUSM_EXIT_NORMAL);
  CHECK_EQ(rusm_wasm_notifications(w), 1);
  if (r.error[0]) fprintf(stderr, "  %s\n", r.error);
  /* The cap bounds the initial memory too: a module starting above it
  ** never gets an instance. */
  rusm_wasm_module *mb;
  rusm_wasm_prepared *pb = prep(w, "bigmem", "run", &mb);
  REQUIRE(pb);
  rusm_caps *small = rusm_caps_max_memory(rusm_caps_new(), 4 * 65536);
  exit_rec rb = {0};
  rusm_rt_join(rt, spawn_rec(w, pb, small, &rb));
  CHECK_EQ(rb.reason, RUSM_EXIT_CRASHED);
  CHECK(strstr(rb.error, "exceeds the cap") != NULL);
  exit_rec ok = {0};
  rusm_rt_join(rt, spawn_rec(w, pb, caps, &ok)); /* nor under the 3-page cap */
  CHECK_EQ(ok.reason, RUSM_EXIT_CRASHED);
  rusm_caps *big = rusm_caps_max_memory(rusm_caps_new(), 8 * 65536);
  exit_rec fits = {0};
  rusm_rt_join(rt, spawn_rec(w, pb, big, &fits));
  CHECK_EQ(fits.reason, RUSM_EXIT_NORMAL);
  rusm_caps_free(small);
  rusm_caps_free(big);
  rusm_wasm_prepared_free(pb);
  rusm_wasm_module_free(mb);
  rusm_caps_free(caps);
  rusm_wasm_free(w);
  rusm_wasm_prepared_free(p);
  rusm_wasm_module_free(m);
  rusm_rt_free(rt);
}

/* Bad input ends the process, never the host. */
TEST(bad_guests_crash_cleanly) {
  rusm_rt *rt = new_rt(2);
  rusm_wasm *w = rusm_wasm_new(rt, NULL);
  const char *names[] = {"badptr", "badimport", "badutf8", "nomem"};
  const char *want[] = {"out of bounds", "no_such_call", "UTF-8", "exports no memory"};
  for (int i = 0; i < 4; i++) {
    rusm_wasm_module *m;
    rusm_wasm_prepared *p = prep(w, names[i], "run", &m);
    REQUIRE(p);
    exit_rec r = {0};
    rusm_rt_join(rt, spawn_rec(w, p, NULL, &r));
    CHECK_EQ(r.reason, RUSM_EXIT_CRASHED);
    if (!strstr(r.error, want[i])) fprintf(stderr, "  %s: error was \"%s\"\n", names[i], r.error);
    CHECK(strstr(r.error, want[i]) != NULL);
    rusm_wasm_prepared_free(p);
    rusm_wasm_module_free(m);
  }
  /* A missing entry is an error at prepare, not at spawn. */
  rusm_wasm_module *m;
  CHECK(prep(w, "add", "no_such_entry", &m) == NULL);
  rusm_wasm_free(w);
  rusm_rt_free(rt);
}

/* A one_for_one supervisor restarts a trapping Wasm child, and gives up at
** the 4th restart inside the window. */
static rusm_wasm *sup_w;
static rusm_wasm_prepared *sup_p;
static _Atomic int sup_starts;
static rusm_pid start_trapper(rusm_rt *rt, void *arg) {
  atomic_fetch_add(&sup_starts, 1);
  return rusm_wasm_spawn(sup_w, sup_p);
}

TEST(supervisor_restarts_trapping_child) {
  rusm_rt *rt = new_rt(2);
  sup_w = rusm_wasm_new(rt, NULL);
  rusm_wasm_module *m;
  sup_p = prep(sup_w, "trap", "run", &m);
  REQUIRE(sup_p);
  atomic_store(&sup_starts, 0);
  rusm_sup_spec *s = rusm_sup_new(RUSM_ONE_FOR_ONE);
  rusm_sup_child(s, start_trapper, NULL);
  rusm_pid sup = rusm_sup_start(rt, s);
  rusm_rt_join(rt, sup);
  /* 1 start + 3 restarts, then the 4th crash inside 5 s gives up. */
  CHECK_EQ(atomic_load(&sup_starts), 4);
  CHECK(!rusm_is_alive(rt, sup));
  rusm_wasm_free(sup_w);
  rusm_wasm_prepared_free(sup_p);
  rusm_wasm_module_free(m);
  rusm_rt_free(rt);
}

TEST_MAIN(add_and_notify, quick_labelled_guests_log_their_exit, pid_reporting,
          trap_is_crash_seen_by_monitor, trap_is_crash_seen_by_trapping_link,
          spinner_preempted_and_killed, lone_spinner_keeps_one_core,
          bystander_progress_under_spinners, ten_thousand_concurrent,
          hundred_thousand_idle_then_shutdown, memory_cap, bad_guests_crash_cleanly,
          supervisor_restarts_trapping_child)
