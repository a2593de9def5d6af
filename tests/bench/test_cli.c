/*
** test_cli.c: rusm-bench as its users run it (src/bench/main.c): usage and
** its exit code 2, the scenario list, both output forms of a short run, and
** a failing scenario's message with exit code 1.
*/
#include "test.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "scenarios.h" /* the scenario table rusm-bench was built with */

#ifndef RUSM_BENCH_BIN
#error "RUSM_BENCH_BIN: the path of rusm-bench"
#endif

typedef struct {
  int status; /* exit code, or -1 if it did not exit */
  char *out, *err;
} run_result;

static char *read_all(int fd) {
  size_t n = 0, cap = 4096;
  char *buf = malloc(cap);
  ssize_t got;
  while (buf && (got = pread(fd, buf + n, cap - 1 - n, (off_t)n)) > 0) {
    n += (size_t)got;
    if (cap - 1 - n == 0) {
      char *nb = realloc(buf, cap *= 2);
      if (!nb) free(buf);
      buf = nb;
    }
  }
  if (buf) buf[n] = '\0';
  return buf;
}

/* Runs rusm-bench with args (NULL-ended); env_kernels sets RUSM_BENCH_KERNELS
** and nofile (if nonzero) both file limits, in the child only. */
static run_result run(const char *const *args, const char *env_kernels, rlim_t nofile) {
  run_result rr = {-1, NULL, NULL};
  FILE *out = tmpfile(), *err = tmpfile();
  if (!out || !err) return rr;
  const char *argv[16] = {RUSM_BENCH_BIN};
  for (int i = 0; args[i] && i < 14; i++) argv[i + 1] = args[i];
  fflush(NULL);
  pid_t pid = fork();
  if (pid == 0) {
    dup2(fileno(out), STDOUT_FILENO);
    dup2(fileno(err), STDERR_FILENO);
    if (env_kernels) setenv("RUSM_BENCH_KERNELS", env_kernels, 1);
    struct rlimit rl = {nofile, nofile};
    if (nofile && setrlimit(RLIMIT_NOFILE, &rl) != 0) _exit(99);
    execv(argv[0], (char **)argv);
    _exit(98);
  }
  int st = 0;
  if (pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st)) rr.status = WEXITSTATUS(st);
  rr.out = read_all(fileno(out));
  rr.err = read_all(fileno(err));
  fclose(out);
  fclose(err);
  return rr;
}

static void run_free(run_result *rr) {
  free(rr->out);
  free(rr->err);
}

static const char usage_text[] =
    "usage: rusm-bench list\n"
    "       rusm-bench run <scenario> [seconds] [--json] [--workers N] [--smoke]\n";

TEST(bad_command_lines_print_usage_and_exit_2) {
  static const char *const cases[][5] = {
      {NULL},
      {"frobnicate", NULL},
      {"run", NULL},
      {"run", "--json", NULL},
      {"run", "ring", "abc", NULL},
      {"run", "ring", "-1", NULL},
      {"run", "ring", "0", NULL},
      {"run", "ring", "100000", NULL},
      {"run", "ring", "1", "2", NULL},
      {"run", "ring", "--workers", "x", NULL},
      {"run", "ring", "--workers", "2000", NULL},
      {"run", "ring", "1", "--workers", NULL},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    run_result rr = run(cases[i], NULL, 0);
    CHECK_EQ(rr.status, 2);
    CHECK_STR(rr.err, usage_text);
    CHECK_STR(rr.out, "");
    run_free(&rr);
  }
}

TEST(an_unknown_scenario_is_named) {
  static const char *const args[] = {"run", "no-such", "1", NULL};
  run_result rr = run(args, NULL, 0);
  CHECK_EQ(rr.status, 2);
  CHECK_STR(rr.err, "rusm-bench: no scenario 'no-such' (see rusm-bench list)\n");
  run_free(&rr);
}

TEST(list_names_every_scenario_once) {
  static const char *const args[] = {"list", NULL};
  run_result rr = run(args, NULL, 0);
  CHECK_EQ(rr.status, 0);
  CHECK_STR(rr.err, "");
  REQUIRE(rr.out);
  static const char *const names[] = {
#define X(id, name, secs, desc) name,
      BENCH_SCENARIOS(X)
#undef X
  };
  int lines = 0;
  for (const char *p = rr.out; *p; p++) lines += *p == '\n';
  CHECK_EQ(lines, sizeof names / sizeof names[0]);
  const char *at = rr.out;
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) { /* in table order */
    char start[64];
    snprintf(start, sizeof start, "%-16s ", names[i]);
    CHECK(strncmp(at, start, strlen(start)) == 0);
    at = strchr(at, '\n');
    REQUIRE(at);
    at++;
  }
  run_free(&rr);
}

TEST(a_short_run_prints_for_people) {
  static const char *const args[] = {"run", "ping-pong", "0.2", "--workers", "1", NULL};
  run_result rr = run(args, NULL, 0);
  CHECK_EQ(rr.status, 0);
  CHECK_STR(rr.err, "");
  REQUIRE(rr.out);
  CHECK(strncmp(rr.out, "ping-pong  (0.2 s run)\n  throughput           ", 46) == 0);
  CHECK(strstr(rr.out, "\n  latency              p50 "));
  CHECK(strstr(rr.out, "\n  measured_seconds     0."));
  CHECK(strstr(rr.out, "\n  same_worker          yes\n")); /* one worker: it must be */
  CHECK(!strstr(rr.out, "smoke"));
  run_free(&rr);
}

TEST(json_and_smoke_say_so_in_one_object) {
  static const char *const args[] = {"run",    "spawn-storm", "--smoke", "0.2",
                                     "--json", "--workers",   "2",       NULL};
  run_result rr = run(args, NULL, 0);
  CHECK_EQ(rr.status, 0);
  CHECK_STR(rr.err, "");
  REQUIRE(rr.out);
  CHECK(strncmp(rr.out, "{\"scenario\":\"spawn-storm\",\"seconds\":0.2,\"ops_per_sec\":", 54) == 0);
  size_t n = strlen(rr.out);
  CHECK(n > 12 && strcmp(rr.out + n - 15, "\"smoke\":true}}\n") == 0);
  CHECK(strchr(rr.out, '\n') == rr.out + n - 1); /* exactly one line */
  run_free(&rr);
}

#ifdef RUSM_BENCH_ENGINE
TEST(a_failing_scenario_says_why_and_exits_1) {
  static const char *const args[] = {"run", "kernel-fib", "0.1", "--json", NULL};
  run_result rr = run(args, "/nonexistent-kernels", 0);
  CHECK_EQ(rr.status, 1);
  CHECK_STR(rr.out, "");
  CHECK_STR(rr.err, "rusm-bench: kernel-fib failed: cannot run /nonexistent-kernels/fib.native "
                    "(build with bench/kernels/build.sh /nonexistent-kernels)\n");
  run_free(&rr);
}
#else
TEST(a_failing_scenario_says_why_and_exits_1) {
  run_result rr = run((const char *const[]){"run", "connection-scale", "0.1", NULL}, NULL, 300);
  CHECK_EQ(rr.status, 1);
  CHECK(strncmp(rr.err, "rusm-bench: connection-scale failed: ", 37) == 0);
  run_free(&rr);
}
#endif

TEST(connection_scale_refuses_a_tiny_fd_limit) {
  static const char *const args[] = {"run", "connection-scale", "0.1", NULL};
  run_result rr = run(args, NULL, 300);
  CHECK_EQ(rr.status, 1);
  CHECK_STR(rr.out, "");
  CHECK_STR(rr.err, "rusm-bench: connection-scale failed: fd limit 300 too low\n");
  run_free(&rr);
}

TEST_MAIN(bad_command_lines_print_usage_and_exit_2, an_unknown_scenario_is_named,
          list_names_every_scenario_once, a_short_run_prints_for_people,
          json_and_smoke_say_so_in_one_object, a_failing_scenario_says_why_and_exits_1,
          connection_scale_refuses_a_tiny_fd_limit)
