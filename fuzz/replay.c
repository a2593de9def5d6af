/*
** replay.c: runs fuzz_run_module over the regression inputs of
** regress_inputs.h and over every file (or every file of every folder)
** named on the command line, without libFuzzer. It is the ctest that keeps
** found crashes fixed and drives all spec modules through every engine
** stage under the sanitizers. Prints how far the modules got; a crash or a
** sanitizer report is the failure.
*/
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz_driver.h"
#include "regress_inputs.h"

static unsigned long reached[5];

static void run_bytes(const uint8_t *p, size_t n) {
  reached[fuzz_run_module(p, n)]++;
}

static int run_file(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return -1;
  uint8_t *buf = NULL;
  size_t n = 0, cap = 0, got;
  do {
    if (cap - n < 65536) {
      uint8_t *nb = realloc(buf, cap = cap ? 2 * cap : 65536);
      if (!nb) break;
      buf = nb;
    }
    got = fread(buf + n, 1, cap - n, f);
    n += got;
  } while (got);
  fclose(f);
  if (buf) run_bytes(buf, n);
  free(buf);
  return buf ? 0 : -1;
}

static int run_path(const char *path) {
  struct stat st;
  if (stat(path, &st) != 0) return -1;
  if (!S_ISDIR(st.st_mode)) return run_file(path);
  DIR *d = opendir(path);
  if (!d) return -1;
  int rc = 0;
  struct dirent *e;
  while ((e = readdir(d))) {
    size_t len = strlen(e->d_name);
    if (e->d_name[0] == '.' || (len > 5 && strcmp(e->d_name + len - 5, ".json") == 0)) continue;
    if (len > 4 && strcmp(e->d_name + len - 4, ".wat") == 0) continue;
    char sub[4096];
    snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
    if (run_file(sub) != 0) rc = -1;
  }
  closedir(d);
  return rc;
}

int main(int argc, char **argv) {
#define X(name, ...)                                                                               \
  {                                                                                                \
    static const uint8_t bytes[] = {__VA_ARGS__};                                                  \
    run_bytes(bytes, sizeof bytes);                                                                \
  }
  FUZZ_REGRESS_INPUTS(X)
#undef X
  int rc = 0;
  for (int i = 1; i < argc; i++)
    if (run_path(argv[i]) != 0) {
      fprintf(stderr, "replay: cannot read %s\n", argv[i]);
      rc = 1;
    }
  unsigned long total = 0;
  for (int i = 0; i < 5; i++) total += reached[i];
  printf("%lu inputs: %lu rejected, %lu loaded only, %lu prepared only, %lu instantiated only "
         "(start trapped or ran long), %lu ran their exports\n",
         total, reached[0], reached[1], reached[2], reached[3], reached[4]);
  return rc;
}
