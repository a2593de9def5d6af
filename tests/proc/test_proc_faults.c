/*
** test_proc_faults.c: the Wasm process host when resources run out,
** through tests/fault: creating the host (allocations, the epoch thread),
** compiling a module, spawning (allocations, a socket that cannot be
** copied), and running guests whose `rusm` calls allocate (register,
** list_processes, stream_open). Every failure must surface as a refused
** call or a crash with a reason, and the runtime must keep working and
** leak nothing.
*/
#include <string.h>

#include "fault.h"
#include "proc_util.h"

static rusm_rt *new_rt(unsigned workers) {
  rusm_rt_config c;
  rusm_rt_config_default(&c);
  c.workers = workers;
  return rusm_rt_new(&c);
}

TEST(host_creation_out_of_resources) {
  rusm_rt *rt = new_rt(1);
  REQUIRE(rt);
  fault_count_on();
  rusm_wasm *w = rusm_wasm_new(rt, NULL);
  uint64_t k = fault_seen(FAULT_ALLOC);
  fault_reset();
  REQUIRE(w);
  rusm_wasm_free(w);
  CHECK(k > 10);
  int refused = 0;
  for (uint64_t n = 1; n <= k; n++) {
    fault_arm(FAULT_ALLOC, n, 0);
    w = rusm_wasm_new(rt, NULL);
    fault_reset();
    /* An idle runtime allocates nothing, so the failure was ours. */
    CHECK(w == NULL);
    refused += w == NULL;
    rusm_wasm_free(w);
  }
  CHECK_EQ(refused, (int)k);
  /* No epoch thread: refused as well. */
  fault_arm(FAULT_pthread_create, 1, 0);
  w = rusm_wasm_new(rt, NULL);
  CHECK_EQ(fault_failed(FAULT_pthread_create), 1);
  fault_reset();
  CHECK(w == NULL);
  /* And then it works. */
  w = rusm_wasm_new(rt, NULL);
  REQUIRE(w);
  exit_rec r = {0};
  rusm_wasm_module *m = NULL;
  rusm_wasm_prepared *p = prep(w, "cov", "u2", &m);
  REQUIRE(p);
  rusm_rt_join(rt, spawn_rec(w, p, NULL, &r));
  CHECK_EQ(r.reason, RUSM_EXIT_NORMAL);
  rusm_wasm_prepared_free(p);
  rusm_wasm_module_free(m);
  rusm_wasm_free(w);
  rusm_rt_free(rt);
}

TEST(compile_out_of_memory_sweep) {
  rusm_rt *rt = new_rt(1);
  rusm_wasm *w = rusm_wasm_new(rt, NULL);
  REQUIRE(w);
  size_t len;
  uint8_t *b = read_wasm("cov", &len);
  REQUIRE(b);
  rusm_error err;
  fault_count_on();
  rusm_wasm_module *m = rusm_wasm_compile(w, b, len, &err);
  uint64_t k = fault_seen(FAULT_ALLOC);
  fault_reset();
  REQUIRE(m);
  rusm_wasm_module_free(m);
  for (uint64_t n = 1; n <= k; n++) {
    fault_arm(FAULT_ALLOC, n, 0);
    memset(&err, 0, sizeof err);
    m = rusm_wasm_compile(w, b, len, &err);
    fault_reset();
    CHECK(m == NULL);
    if (!strstr(err.reason, "out of memory"))
      fprintf(stderr, "  allocation %llu: '%s'\n", (unsigned long long)n, err.reason);
    CHECK(strstr(err.reason, "out of memory") != NULL);
    rusm_wasm_module_free(m);
  }
  m = rusm_wasm_compile(w, b, len, &err);
  CHECK(m != NULL);
  rusm_wasm_module_free(m);
  free(b);
  rusm_wasm_free(w);
  rusm_rt_free(rt);
}

/* rusm_wasm_prepare with each allocation failing: NULL and "out of memory"
** (not a prepared module whose every spawn would crash), for a module
** importing the raw ABI and one importing WASI. */
TEST(prepare_out_of_memory_sweep) {
  rusm_rt *rt = new_rt(1);
  rusm_wasm *w = rusm_wasm_new(rt, NULL);
  REQUIRE(w);
  static const char *const mods[][2] = {{"cov", "u2"}, {"wasiread", "run"}};
  for (int i = 0; i < 2; i++) {
    size_t len;
    uint8_t *b = read_wasm(mods[i][0], &len);
    REQUIRE(b);
    rusm_error err;
    rusm_wasm_module *m = rusm_wasm_compile(w, b, len, &err);
    free(b);
    REQUIRE(m);
    fault_count_on();
    rusm_wasm_prepared *p = rusm_wasm_prepare(w, m, mods[i][1], &err);
    uint64_t k = fault_seen(FAULT_ALLOC);
    fault_reset();
    REQUIRE(p);
    rusm_wasm_prepared_free(p);
    CHECK(k >= 3); /* the prepared module, its import list, the engine's */
    for (uint64_t n = 1; n <= k; n++) {
      fault_arm(FAULT_ALLOC, n, 0);
      memset(&err, 0, sizeof err);
      p = rusm_wasm_prepare(w, m, mods[i][1], &err);
      fault_reset();
      CHECK(p == NULL);
      CHECK_STR(err.reason, "out of memory");
      rusm_wasm_prepared_free(p);
    }
    /* The module is unharmed: a prepared copy still runs (wasiread parks
    ** on its empty stdin; only the raw ABI one is run to its end). */
    p = rusm_wasm_prepare(w, m, mods[i][1], &err);
    REQUIRE(p);
    if (i == 0) {
      exit_rec r = {0};
      rusm_rt_join(rt, spawn_rec(w, p, NULL, &r));
      CHECK_EQ(r.reason, RUSM_EXIT_NORMAL);
    }
    rusm_wasm_prepared_free(p);
    rusm_wasm_module_free(m);
  }
  rusm_wasm_free(w);
  rusm_rt_free(rt);
}

TEST(spawn_with_a_socket_it_cannot_copy) {
  rusm_rt *rt = new_rt(1);
  rusm_wasm *w = rusm_wasm_new(rt, NULL);
  rusm_wasm_module *m = NULL;
  rusm_wasm_prepared *p = prep(w, "cov", "u2", &m);
  REQUIRE(p);
  int bad = -1;
  exit_rec r = {0};
  rusm_wasm_spawn_opts o = {0};
  o.sockets = &bad;
  o.n_sockets = 1;
  o.label = "sock";
  o.on_exit = record_exit;
  o.on_exit_arg = &r;
  CHECK_EQ(rusm_wasm_spawn_ex(w, p, &o), RUSM_PID_NONE);
  CHECK_EQ(atomic_load(&r.seen), 0); /* never a process: no exit to report */
  CHECK_EQ(rusm_wasm_live(w), 0);
  CHECK_EQ(rusm_wasm_spawned(w), 0);
  rusm_wasm_prepared_free(p);
  rusm_wasm_module_free(m);
  rusm_wasm_free(w);
  rusm_rt_free(rt);
}

/* Spawns cov.wasm's entry (with caps, argv and a label) with the nth
** allocation from the spawn on failing (0: none) and waits for the end.
** Returns the pid (RUSM_PID_NONE if the spawn was refused). */
static rusm_pid run_failing(rusm_wasm *w, rusm_wasm_prepared *p, const rusm_caps *caps,
                            uint64_t nth, exit_rec *r) {
  static const char *const argv[] = {"cov", "arg"};
  rusm_wasm_spawn_opts o = {0};
  o.caps = caps;
  o.argc = 2;
  o.argv = argv;
  o.label = "faulty";
  o.on_exit = record_exit;
  o.on_exit_arg = r;
  if (nth)
    fault_arm(FAULT_ALLOC, nth, 0);
  else
    fault_count_on();
  rusm_pid pid = rusm_wasm_spawn_ex(w, p, &o);
  if (pid != RUSM_PID_NONE) rusm_rt_join(rusm_wasm_rt(w), pid);
  /* The pid dies before its teardown has put the instance back in the pool:
  ** wait for that, so every run starts from the same pool state. */
  for (int i = 0; i < 5000 && rusm_wasm_live(w) != 0; i++) usleep(1000);
  return pid;
}

/* Every allocation of a guest's life, one at a time: the spawn is refused,
** or the process ends Normal (the allocation was not needed, or the call
** reported the failure to the guest) or Crashed with a reason. Returns how
** many crashed because a `rusm` call ran out of memory. */
static int sweep(const char *entry, const rusm_caps *caps) {
  rusm_rt *rt = new_rt(1);
  rusm_wasm *w = rusm_wasm_new(rt, NULL);
  rusm_wasm_module *m = NULL;
  rusm_wasm_prepared *p = prep(w, "cov", entry, &m);
  CHECK(p != NULL);
  if (!p) return -1;
  exit_rec r0 = {0};
  run_failing(w, p, caps, 0, &r0);
  uint64_t k = fault_seen(FAULT_ALLOC);
  fault_reset();
  CHECK_EQ(r0.reason, RUSM_EXIT_NORMAL);
  int refused = 0, oom = 0;
  for (uint64_t n = 1; n <= k + 2; n++) {
    exit_rec r = {0};
    rusm_pid pid = run_failing(w, p, caps, n, &r);
    fault_reset();
    if (pid == RUSM_PID_NONE) {
      refused++;
      continue;
    }
    CHECK_EQ(atomic_load(&r.seen), 1);
    if (r.reason == RUSM_EXIT_CRASHED) {
      CHECK(r.error[0] != 0);
      oom += strstr(r.error, "rusm: out of memory") != NULL;
    } else {
      CHECK_EQ(r.reason, RUSM_EXIT_NORMAL);
    }
  }
  CHECK(refused > 0);
  /* Still usable, and every process is gone. */
  exit_rec r = {0};
  run_failing(w, p, caps, 0, &r);
  fault_reset();
  CHECK_EQ(r.reason, RUSM_EXIT_NORMAL);
  CHECK_EQ(rusm_wasm_live(w), 0);
  rusm_wasm_prepared_free(p);
  rusm_wasm_module_free(m);
  rusm_wasm_free(w);
  rusm_rt_free(rt);
  return oom;
}

TEST(register_out_of_memory_sweep) {
  CHECK(sweep("u2", NULL) >= 1); /* a copy of the name (register's or whereis's) */
}

static void idle_body(rusm_ctx *ctx, void *arg) {
  (void)arg;
  rusm_item *it = rusm_receive(ctx);
  if (it) rusm_item_free(it);
}

TEST(list_processes_out_of_memory_sweep) {
  /* listall wants to see at least three processes: two idle ones besides. */
  rusm_rt *rt = new_rt(1);
  rusm_wasm *w = rusm_wasm_new(rt, NULL);
  rusm_pid a = rusm_spawn(rt, idle_body, NULL, NULL), b = rusm_spawn(rt, idle_body, NULL, NULL);
  rusm_caps *caps = rusm_caps_new();
  rusm_caps_set(caps, RUSM_CAP_PROCESS_CONTROL, true);
  rusm_wasm_module *m = NULL;
  rusm_wasm_prepared *p = prep(w, "cov", "listall", &m);
  REQUIRE(p);
  exit_rec r0 = {0};
  run_failing(w, p, caps, 0, &r0);
  uint64_t k = fault_seen(FAULT_ALLOC);
  fault_reset();
  CHECK_EQ(r0.reason, RUSM_EXIT_NORMAL);
  int oom_traps = 0;
  for (uint64_t n = 1; n <= k + 2; n++) {
    exit_rec r = {0};
    rusm_pid pid = run_failing(w, p, caps, n, &r);
    fault_reset();
    if (pid == RUSM_PID_NONE) continue;
    CHECK(r.reason == RUSM_EXIT_NORMAL || (r.reason == RUSM_EXIT_CRASHED && r.error[0]));
    oom_traps += strstr(r.error, "rusm: out of memory") != NULL;
  }
  CHECK(oom_traps >= 1); /* the snapshot of every pid */
  rusm_send(rt, a, "x", 1);
  rusm_send(rt, b, "x", 1);
  rusm_rt_join(rt, a);
  rusm_rt_join(rt, b);
  CHECK_EQ(rusm_wasm_live(w), 0);
  rusm_caps_free(caps);
  rusm_wasm_prepared_free(p);
  rusm_wasm_module_free(m);
  rusm_wasm_free(w);
  rusm_rt_free(rt);
}

/* stream_open answers -1 when it cannot make the stream, which openbad
** expects anyway: no crash from a `rusm` call. */
TEST(stream_open_out_of_memory_sweep) {
  CHECK_EQ(sweep("openbad", NULL), 0);
}

TEST_MAIN(host_creation_out_of_resources, compile_out_of_memory_sweep, prepare_out_of_memory_sweep,
          spawn_with_a_socket_it_cannot_copy, register_out_of_memory_sweep,
          list_processes_out_of_memory_sweep, stream_open_out_of_memory_sweep)
