/* yield.c: sched_yield three times, then says so. */
#include <sched.h>
#include <stdio.h>

int main(void) {
  int bad = 0;
  for (int i = 0; i < 3; i++) bad += sched_yield() != 0;
  printf("yielded %d\n", 3 - bad);
  return bad;
}
