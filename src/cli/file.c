/* file.c: whole-file reading for the CLI's commands. */
#include "file.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

uint8_t *cli_read_file(const char *path, size_t *o_len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  uint8_t *buf = NULL;
  size_t len = 0, cap = 0;
  for (;;) {
    if (len == cap) {
      cap = cap ? cap * 2 : 65536;
      uint8_t *nb = realloc(buf, cap + 1); /* + the terminating NUL */
      if (!nb) {
        free(buf);
        fclose(f);
        return NULL;
      }
      buf = nb;
    }
    size_t n = fread(buf + len, 1, cap - len, f);
    len += n;
    if (n == 0) break;
  }
  bool err = ferror(f);
  fclose(f);
  if (err) {
    free(buf);
    return NULL;
  }
  buf[len] = 0; /* text readers (the wast JSON) may treat it as a string */
  *o_len = len;
  return buf;
}
