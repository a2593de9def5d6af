/*
** wast_crash.c: the crash report of `rusm wast` (see wast_crash.h). A signal
** handler may not use snprintf, so numbers are put digit by digit.
*/
#include "wast_crash.h"

typedef struct {
  char *buf;
  size_t n, room; /* room: bytes left before the NUL's place */
} crash_out;

static void put_str(crash_out *o, const char *s) {
  while (*s && o->n < o->room) o->buf[o->n++] = *s++;
}

static void put_num(crash_out *o, long v) {
  char digits[24]; /* 20 for 2^64, in reverse */
  size_t k = 0;
  unsigned long u = v < 0 ? 0ul - (unsigned long)v : (unsigned long)v; /* LONG_MIN too */
  if (v < 0) put_str(o, "-");
  do digits[k++] = (char)('0' + u % 10);
  while (u /= 10);
  while (k) put_str(o, (char[2]){digits[--k], '\0'});
}

size_t wast_crash_report(char *buf, size_t cap, long sig, long line, long passed, long failed,
                         long skipped) {
  crash_out o = {buf, 0, cap - 1};
  put_str(&o, "crashed (signal ");
  put_num(&o, sig);
  put_str(&o, ") at line ");
  put_num(&o, line);
  put_str(&o, "\n");
  put_num(&o, passed);
  put_str(&o, " passed, ");
  put_num(&o, failed);
  put_str(&o, " failed, ");
  put_num(&o, skipped);
  put_str(&o, " skipped\n");
  buf[o.n] = '\0';
  return o.n;
}
