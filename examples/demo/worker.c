/*
** worker.c: the demo's worker, a Wasm process (wasip1, C).
**
** Registers as "worker", then serves jobs: each message "job N" is
** answered by a line to "console" with the N-th Fibonacci number. Job 5 is
** poison: the worker divides by zero on purpose, the instance traps, the
** process ends Crashed, and its supervisor starts a fresh instance that
** registers again and carries on with the next job (job 5 itself is lost,
** as a message to a crashed Erlang process would be).
*/
#include <stdio.h>
#include <string.h>

#include "rusm.h"

static void say(const char *text) {
  int64_t console = rusm_whereis("console", 7);
  if (console >= 0) rusm_send(console, text, (int32_t)strlen(text));
}

static uint64_t fib(unsigned n) {
  uint64_t a = 0, b = 1;
  while (n--) {
    uint64_t t = a + b;
    a = b;
    b = t;
  }
  return a;
}

static volatile int zero = 0; /* keeps the compiler from folding the crash away */

int main(void) {
  char line[96];
  rusm_register("worker", 6);
  snprintf(line, sizeof line, "worker #%lld up (a fresh instance)", (long long)rusm_own_pid());
  say(line);
  for (;;) {
    char msg[64] = {0};
    int32_t n = rusm_receive(msg, sizeof msg - 1);
    unsigned job = 0;
    if (n <= 0 || sscanf(msg, "job %u", &job) != 1) continue;
    if (job == 5) {
      say("worker: job 5 is poison, dividing by zero...");
      job = job / (unsigned)zero; /* traps: integer divide by zero */
    }
    snprintf(line, sizeof line, "worker: job %u -> fib(%u) = %llu", job, job * 10,
             (unsigned long long)fib(job * 10));
    say(line);
  }
}
