/*
** wasi_fixture.h: a scratch directory tree for the WASI tests and a fake
** guest memory for calling the handlers directly (no engine involved).
*/
#ifndef RUSM_TEST_WASI_FIXTURE_H
#define RUSM_TEST_WASI_FIXTURE_H

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Makes <root>/{box,outside} with <root>/outside/secret ("secret"). The
** caller removes it with fx_rmtree. root gets the path. */
static inline int fx_tree(char root[128]) {
  snprintf(root, 128, "/tmp/rusm-wasi-XXXXXX");
  if (!mkdtemp(root)) return -1;
  char p[256];
  snprintf(p, sizeof p, "%s/box", root);
  mkdir(p, 0755);
  snprintf(p, sizeof p, "%s/outside", root);
  mkdir(p, 0755);
  snprintf(p, sizeof p, "%s/outside/secret", root);
  FILE *f = fopen(p, "w");
  if (!f) return -1;
  fputs("secret", f);
  fclose(f);
  return 0;
}

static inline void fx_rmtree(const char *root) {
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
  if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", root);
}

/* Number of entries in a host directory (without . and ..). */
static inline int fx_count(const char *root, const char *sub) {
  char cmd[300];
  snprintf(cmd, sizeof cmd, "ls -A '%s/%s' | wc -l", root, sub);
  FILE *p = popen(cmd, "r");
  int n = -1;
  if (p) {
    if (fscanf(p, "%d", &n) != 1) n = -1;
    pclose(p);
  }
  return n;
}

static inline int fx_read(const char *root, const char *rel, char *buf, size_t cap) {
  char p[300];
  snprintf(p, sizeof p, "%s/%s", root, rel);
  int fd = open(p, O_RDONLY);
  if (fd < 0) return -1;
  ssize_t n = read(fd, buf, cap - 1);
  close(fd);
  if (n < 0) return -1;
  buf[n] = 0;
  return (int)n;
}

/* Links in root/box for the escape tests (see tests/guests/wasi/escape.c)
** plus box/inside and box/file ("inside"). 0 on success. */
static inline int fx_escape_links(const char *root) {
  static const char *const rel[][2] = {{"rel_link", "../outside/secret"},
                                       {"chain1", "chain2"},
                                       {"chain2", "sub/../../outside"},
                                       {"sub/up", ".."},
                                       {"sub/upup", "../.."},
                                       {"loop", "loop"},
                                       {"dangling", "../outside/created"}};
  char p[300], t[300];
  int bad = 0;
  snprintf(p, sizeof p, "%s/box/sub", root);
  bad |= mkdir(p, 0755);
  snprintf(p, sizeof p, "%s/box/abs_link", root);
  snprintf(t, sizeof t, "%s/outside/secret", root);
  bad |= symlink(t, p);
  snprintf(p, sizeof p, "%s/box/abs_dir", root);
  snprintf(t, sizeof t, "%s/outside", root);
  bad |= symlink(t, p);
  for (size_t i = 0; i < sizeof rel / sizeof rel[0]; i++) {
    snprintf(p, sizeof p, "%s/box/%s", root, rel[i][0]);
    bad |= symlink(rel[i][1], p);
  }
  const char *files[] = {"inside", "file"};
  for (int i = 0; i < 2; i++) {
    snprintf(p, sizeof p, "%s/box/%s", root, files[i]);
    FILE *f = fopen(p, "w");
    if (!f) return -1;
    fputs("inside", f);
    fclose(f);
  }
  return bad;
}

#endif
