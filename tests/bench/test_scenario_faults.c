/*
** test_scenario_faults.c: the actor-core and Wasm-process scenarios of
** rusm-bench (src/bench scn_*.c) when what they build cannot be had: no
** threads for the runtime, no memory for a stream, a supervisor, a spawn or
** the guests, no sockets to listen or connect with, a low fd limit. Each
** must end with its own message (or, where the run can go on, say what
** failed in its detail), leak nothing, and leave the next run working.
*/
#include "test.h"

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fault/fault.h"
#include "rusm/otp.h"
#include "scenarios.h"

typedef struct {
  const char *name;
  bench_fn fn;
} named;

static const named all[] = {
    {"spawn-storm", bench_spawn_storm},
    {"ping-pong", bench_ping_pong},
    {"fault-recovery", bench_fault_recovery},
    {"ring", bench_ring},
    {"idle", bench_idle},
    {"stream-pipe", bench_stream_pipe},
    {"connection-storm", bench_connection_storm},
    {"connection-scale", bench_connection_scale},
#ifdef RUSM_BENCH_HOST
    {"module-storm", bench_module_storm},
    {"fairness", bench_fairness},
    {"idle-wasm", bench_idle_wasm},
    {"stream-pipe-wasm", bench_stream_pipe_wasm},
#endif
};

static int run(bench_fn fn, double seconds, bench_result *r) {
  bench_opts o = {seconds, 1, true};
  memset(r, 0, sizeof *r);
  r->unit = "count";
  int rc = fn(&o, r);
  free(r->latency);
  r->latency = NULL;
  bench_lat_free();
  return rc;
}

static const bench_kv *detail(const bench_result *r, const char *key) {
  for (size_t i = 0; i < r->n_detail; i++)
    if (strcmp(r->detail[i].key, key) == 0) return &r->detail[i];
  return NULL;
}

static int64_t int_of(const bench_result *r, const char *key) {
  const bench_kv *kv = detail(r, key);
  return kv && kv->kind == BENCH_V_INT ? kv->v.i : -1;
}

/* Allocations rusm_rt_new makes for one worker: a scenario's own come after. */
static uint64_t runtime_allocs(void) {
  rusm_rt_config cfg;
  rusm_rt_config_default(&cfg);
  cfg.workers = 1;
  fault_count_on();
  rusm_rt *rt = rusm_rt_new(&cfg);
  uint64_t n = fault_seen(FAULT_ALLOC);
  fault_reset();
  if (rt) rusm_rt_free(rt);
  return n;
}

TEST(no_threads_no_runtime) {
  for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
    bench_result r;
    fault_arm(FAULT_pthread_create, 1, 1);
    int rc = run(all[i].fn, 0.05, &r);
    fault_reset();
    if (rc != -1 || strcmp(r.error, "cannot create a runtime") != 0) {
      fprintf(stderr, "  %s: rc %d, \"%s\"\n", all[i].name, rc, r.error);
      CHECK(!"cannot create a runtime");
    }
  }
  bench_result r;
  CHECK_EQ(run(bench_ring, 0.05, &r), 0); /* and then it works */
  CHECK_STR(r.error, "");
  CHECK_EQ(int_of(&r, "processes"), 10000);
}

/* Fails allocation number `nth` after the runtime's own (plus `before`, the
** scenario's allocations ahead of rusm_rt_new) and expects `want`. */
static void fail_after_runtime(bench_fn fn, uint64_t before, uint64_t nth, const char *want) {
  uint64_t base = runtime_allocs();
  bench_result r;
  fault_arm(FAULT_ALLOC, before + base + nth, 0);
  int rc = run(fn, 0.05, &r);
  fault_reset();
  CHECK_EQ(rc, -1);
  CHECK_STR(r.error, want);
  CHECK_EQ(run(fn, 0.05, &r), 0);
  CHECK_STR(r.error, "");
}

TEST(no_memory_for_what_runs_on_the_runtime) {
  /* stream-pipe allocates its state first, then the runtime, then streams */
  fail_after_runtime(bench_stream_pipe, 1, 1, "cannot create a stream");
  /* fault-recovery: the runtime, its slots, then the first supervisor */
  fail_after_runtime(bench_fault_recovery, 0, 2, "cannot start supervisor 0");
  /* idle: the runtime, then the first spawn (the forked native measure
  ** fails its own runtime alone and only reports no figure) */
  fail_after_runtime(bench_idle, 0, 1, "spawn 0 of 10000 failed");
#ifdef RUSM_BENCH_HOST
  fail_after_runtime(bench_module_storm, 0, 1, "cannot prepare the guest: out of memory");
  fail_after_runtime(bench_fairness, 0, 1, "cannot prepare the guests");
  fail_after_runtime(bench_idle_wasm, 0, 1, "cannot prepare the guest");
  fail_after_runtime(bench_stream_pipe_wasm, 0, 1, "cannot prepare the guests");
#endif
}

TEST(idle_wakes_a_parked_process_and_ends_calm) {
  bench_result r;
  CHECK_EQ(run(bench_idle, 0.01, &r), 0);
  const bench_kv *woken = detail(&r, "woken_ok");
  REQUIRE(woken);
  CHECK(woken->kind == BENCH_V_BOOL && woken->v.b);
  CHECK_EQ(int_of(&r, "processes"), 10000);
  CHECK_EQ(int_of(&r, "native_processes"), 1000);
  const bench_kv *native = detail(&r, "native_bytes_per_process");
  REQUIRE(native);
  CHECK(native->v.d > 0); /* measured in the forked child */
  CHECK_EQ(run(bench_fault_recovery, 0.05, &r), 0);
  CHECK_EQ(int_of(&r, "children_parked_at_end"), int_of(&r, "supervisors") * 4);
}

TEST(no_socket_to_listen_on) {
  bench_result r;
  fault_arm(FAULT_socket, 1, 1);
  CHECK_EQ(run(bench_connection_storm, 0.05, &r), -1);
  CHECK_STR(r.error, "listen on 127.0.0.1:0 failed: errno 24");
  fault_arm(FAULT_socket, 1, 1);
  CHECK_EQ(run(bench_connection_scale, 0.05, &r), -1);
  CHECK_STR(r.error, "listen failed: errno 24");
  fault_reset();
}

TEST(no_socket_to_connect_with) {
  bench_result r;
  fault_arm(FAULT_socket, 2, 1); /* the listener gets one, no client does */
  CHECK_EQ(run(bench_connection_storm, 0.05, &r), 0);
  fault_reset();
  CHECK_EQ(int_of(&r, "connections_total"), 0);
  CHECK(int_of(&r, "errors") > 0);
  CHECK(r.ops_per_sec == 0);
  fault_arm(FAULT_socket, 5, 1); /* four listeners, then the ramp's first client fails */
  CHECK_EQ(run(bench_connection_scale, 0.05, &r), 0);
  fault_reset();
  CHECK_EQ(int_of(&r, "held_connections"), 0);
  CHECK(int_of(&r, "connect_failures") > 0);
}

/* connection-scale in a child, so the lowered limits stay there, with
** sockets failing from call number fail_from on (0 = never): the four
** listeners and the ramp's clients come first, then the reconnects. Exit 0
** = the run held every connection it aimed at, and either reconnected
** without a failure or (fail_from) saw reconnects fail and none succeed. */
static int scale_under_limits(rlim_t soft, rlim_t hard, uint64_t fail_from) {
  fflush(NULL);
  pid_t pid = fork();
  if (pid == 0) {
    struct rlimit rl = {soft, hard};
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0) exit(2);
    if (fail_from) fault_arm(FAULT_socket, fail_from, 1);
    bench_result r;
    int rc = run(bench_connection_scale, 0.5, &r); /* long enough for every client's lap */
    int64_t target = int_of(&r, "target_connections");
    bool ok = rc == 0 && int_of(&r, "fd_limit") == (int64_t)hard &&
              target == (int64_t)(hard - 256) / 2 && int_of(&r, "held_connections") == target &&
              int_of(&r, "clients_killed_at_end") == 0;
    if (fail_from)
      ok = ok && int_of(&r, "connect_failures") > 0 && /* a client may see stop first */
           int_of(&r, "connect_failures") <= target && int_of(&r, "reconnects_total") == 0;
    else
      ok = ok && int_of(&r, "connect_failures") == 0 && int_of(&r, "reconnects_total") > 0;
    if (!ok)
      fprintf(stderr, "  rc %d \"%s\" held %lld of %lld, %lld failures, %lld reconnects\n", rc,
              r.error, (long long)int_of(&r, "held_connections"), (long long)target,
              (long long)int_of(&r, "connect_failures"), (long long)int_of(&r, "reconnects_total"));
    exit(ok ? 0 : 1);
  }
  int st = 0;
  return pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

TEST(connection_scale_raises_the_soft_fd_limit_to_the_hard_one) {
  CHECK_EQ(scale_under_limits(600, 1100, 0), 0);
}

TEST(connection_scale_counts_reconnects_that_fail) {
  /* 1100 fds: (1100 - 256) / 2 = 422 clients after 4 listeners */
  CHECK_EQ(scale_under_limits(1100, 1100, 4 + 422 + 1), 0);
}

TEST_MAIN(no_threads_no_runtime, no_memory_for_what_runs_on_the_runtime,
          idle_wakes_a_parked_process_and_ends_calm, no_socket_to_listen_on,
          no_socket_to_connect_with, connection_scale_raises_the_soft_fd_limit_to_the_hard_one,
          connection_scale_counts_reconnects_that_fail)
