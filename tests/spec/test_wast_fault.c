/*
** test_wast_fault.c: `rusm wast` (cli_wast_main, linked from rusm_wast) when
** memory or mappings run out. Every allocation, then every mmap, one run of
** runner_fault.json makes is failed in turn (tests/fault). Each run must end
** as the command documents: exit 2 with a "rusm wast: " reason when the
** script cannot be used at all, else exit 1 with every command counted once
** and the failures named; never a crash, and no leak (ASan build). The
** runner's own out-of-memory messages must each show up at least once.
*/
#include <stdbool.h>
#include <unistd.h>

#include "../test.h"

#include "commands.h"
#include "fault.h"

#define N_COMMANDS 5
#define CLEAN "5 passed, 0 failed, 0 skipped\n"

static const char *script; /* runner_fault.json, from the command line */

/* Runs `rusm wast PATH` with `which` armed to fail its nth call (n 0: none)
** and stdout + stderr captured in out. Returns the exit status; *o_failed
** is how many calls were failed. */
static int run_wast(const char *path, fault_call which, uint64_t n, char *out, size_t cap,
                    uint64_t *o_failed) {
  char arg0[] = "wast", *argv[] = {arg0, (char *)path, NULL};
  FILE *tmp = tmpfile();
  if (!tmp) return -1;
  fflush(stdout);
  fflush(stderr);
  int saved_out = dup(1), saved_err = dup(2);
  dup2(fileno(tmp), 1);
  dup2(fileno(tmp), 2);
  if (n) fault_arm(which, n, 0);
  int rc = cli_wast_main(2, argv);
  *o_failed = 0;
  if (n) { /* else the caller may be counting: leave the counts alone */
    *o_failed = fault_failed(which);
    fault_reset();
  }
  fflush(stdout);
  fflush(stderr);
  dup2(saved_out, 1);
  dup2(saved_err, 2);
  close(saved_out);
  close(saved_err);
  rewind(tmp);
  size_t len = fread(out, 1, cap - 1, tmp);
  out[len] = '\0';
  fclose(tmp);
  return rc;
}

/* The closing line of a run that got through the script. */
static bool counts_line(const char *out, int *o_passed, int *o_failed) {
  size_t len = strlen(out);
  if (!len || out[len - 1] != '\n') return false;
  const char *last = out + len - 1;
  while (last > out && last[-1] != '\n') last--;
  int skipped = -1;
  return sscanf(last, "%d passed, %d failed, %d skipped", o_passed, o_failed, &skipped) == 3 &&
         skipped == 0;
}

typedef struct {
  int failed_runs;
  bool read_failed, json_oom, store_failed, module_oom, link_oom, register_oom;
} sweep_seen;

/* One faulted run: an outcome the command documents, and what it said. */
static void check_run(const char *path, fault_call which, uint64_t n, sweep_seen *seen) {
  static char out[16384];
  uint64_t failed;
  int rc = run_wast(path, which, n, out, sizeof out, &failed);
  if (failed == 0) { /* the nth call was never made this time */
    CHECK_EQ(rc, 0);
    CHECK_STR(out, CLEAN);
    return;
  }
  seen->failed_runs++;
  if (rc == 2) {
    CHECK(strncmp(out, "rusm wast: ", 11) == 0);
    seen->read_failed |= strstr(out, "rusm wast: cannot read ") != NULL;
    seen->json_oom |= strstr(out, ".json: line 1: out of memory\n") != NULL ||
                      strstr(out, ".json: out of memory\n") != NULL;
    seen->store_failed |= strcmp(out, "rusm wast: cannot create the spectest module\n") == 0;
    return;
  }
  if (rc == 0) { /* a call the engine could do without: the script still passes */
    CHECK_STR(out, CLEAN);
    return;
  }
  int passed = -1, failed_cmds = -1;
  CHECK_EQ(rc, 1);
  CHECK(counts_line(out, &passed, &failed_cmds));
  CHECK_EQ(passed + failed_cmds, N_COMMANDS);
  CHECK(failed_cmds >= 1);
  if (rc != 1 || passed + failed_cmds != N_COMMANDS) fprintf(stderr, "  output:\n%s", out);
  seen->module_oom |= strstr(out, ": module: load failed: out of memory\n") != NULL;
  seen->link_oom |= strstr(out, ": module: link failed: out of memory\n") != NULL;
  seen->register_oom |= strstr(out, ": register: out of memory\n") != NULL;
}

/* Counts the calls of `which` one clean run makes, then fails each in turn. */
static sweep_seen sweep(fault_call which) {
  static char out[16384];
  sweep_seen seen = {0};
  uint64_t none;
  fault_count_on();
  int rc = run_wast(script, which, 0, out, sizeof out, &none);
  uint64_t k = fault_seen(which);
  fault_reset();
  CHECK_EQ(rc, 0);
  CHECK_STR(out, CLEAN);
  CHECK(k > 0);
  for (uint64_t n = 1; n <= k; n++) check_run(script, which, n, &seen);
  printf("  %" PRIu64 " calls failed in turn, %d runs ended in a failure\n", k, seen.failed_runs);
  /* And the runner still works afterwards. */
  CHECK_EQ(run_wast(script, which, 0, out, sizeof out, &none), 0);
  CHECK_STR(out, CLEAN);
  return seen;
}

TEST(every_allocation_fails_cleanly) {
  sweep_seen s = sweep(FAULT_ALLOC);
  CHECK(s.failed_runs > 0);
  CHECK(s.read_failed);  /* the script file's buffer */
  CHECK(s.json_oom);     /* the parsed document */
  CHECK(s.store_failed); /* the store or the spectest module */
  CHECK(s.module_oom);   /* a module's record or its name */
  CHECK(s.link_oom);     /* a module's import list */
  CHECK(s.register_oom); /* the registration table or its name */
}

TEST(every_mapping_fails_cleanly) {
  sweep_seen s = sweep(FAULT_mmap);
  CHECK(s.failed_runs > 0);
  CHECK(s.store_failed); /* spectest's memory */
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: test_wast_fault runner_fault.json [test...]\n");
    return 2;
  }
  script = argv[1];
  static const test_case_ cases[] = {TEST_CASE_(every_allocation_fails_cleanly)
                                         TEST_CASE_(every_mapping_fails_cleanly)};
  argv[1] = argv[0];
  return test_run_(cases, sizeof cases / sizeof cases[0], argc - 1, argv + 1);
}
