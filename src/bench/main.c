/*
** main.c: the rusm-bench command line.
**
**   rusm-bench list
**   rusm-bench run <scenario> [seconds] [--json] [--workers N] [--smoke]
**
** Each run is one scenario in this process; the result is printed either
** for people or as the single JSON object of the output contract. --smoke
** is for tests: scenarios with a fixed population (idle, idle-wasm) or a
** fixed input (the kernels) use a small one, and the detail says smoke.
*/
#include "scenarios.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct scenario {
  const char *name;
  const char *desc;
  bench_fn fn;
  double default_seconds;
} scenario;

static const scenario scenarios[] = {
#define X(id, name, secs, desc) {name, desc, bench_##id, secs},
    BENCH_SCENARIOS(X)
#undef X
};
#define N_SCENARIOS (sizeof scenarios / sizeof scenarios[0])

static int usage(void) {
  fprintf(stderr, "usage: rusm-bench list\n"
                  "       rusm-bench run <scenario> [seconds] [--json] [--workers N] [--smoke]\n");
  return 2;
}

static const scenario *find(const char *name) {
  for (size_t i = 0; i < N_SCENARIOS; i++)
    if (strcmp(scenarios[i].name, name) == 0) return &scenarios[i];
  return NULL;
}

static int cmd_run(int argc, char **argv) {
  const scenario *s = NULL;
  bench_opts o = {0, 0, false};
  bool json = false;
  for (int i = 0; i < argc; i++) {
    char *end;
    if (strcmp(argv[i], "--json") == 0) {
      json = true;
    } else if (strcmp(argv[i], "--smoke") == 0) {
      o.smoke = true;
    } else if (strcmp(argv[i], "--workers") == 0 && i + 1 < argc) {
      long w = strtol(argv[++i], &end, 10);
      if (*end || w < 0 || w > 1024) return usage();
      o.workers = (unsigned)w;
    } else if (!s) {
      s = find(argv[i]);
      if (!s) {
        fprintf(stderr, "rusm-bench: no scenario '%s' (see rusm-bench list)\n", argv[i]);
        return 2;
      }
    } else if (o.seconds == 0) {
      o.seconds = strtod(argv[i], &end);
      if (*end || !(o.seconds > 0) || o.seconds > 86400) return usage();
    } else {
      return usage();
    }
  }
  if (!s) return usage();
  if (o.seconds == 0) o.seconds = s->default_seconds;

  bench_result r = {0};
  r.unit = "count";
  int rc = s->fn(&o, &r);
  if (o.smoke) bench_detail_bool(&r, "smoke", true);
  if (rc == 0) {
    if (json)
      bench_report_json(s->name, &o, &r);
    else
      bench_report_human(s->name, &o, &r);
  } else {
    fprintf(stderr, "rusm-bench: %s failed: %s\n", s->name, r.error[0] ? r.error : "error");
  }
  free(r.latency);
  bench_lat_free();
  return rc == 0 ? 0 : 1;
}

int main(int argc, char **argv) {
  if (argc < 2) return usage();
  if (strcmp(argv[1], "list") == 0) {
    for (size_t i = 0; i < N_SCENARIOS; i++)
      printf("%-16s %s\n", scenarios[i].name, scenarios[i].desc);
    return 0;
  }
  if (strcmp(argv[1], "run") == 0) return cmd_run(argc - 2, argv + 2);
  return usage();
}
