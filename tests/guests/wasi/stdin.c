/* stdin.c: copies stdin to stdout and reports the byte count on stderr. */
#include <stdio.h>
#include <unistd.h>

int main(void) {
  char buf[256];
  long total = 0;
  ssize_t n;
  while ((n = read(0, buf, sizeof buf)) > 0) {
    total += n;
    if (write(1, buf, (size_t)n) != n) return 2;
  }
  fprintf(stderr, "read %ld\n", total);
  return n < 0 ? 1 : 0;
}
