/*
** ticker.c: the demo's job source, a Wasm process (wasip1, C).
**
** Sends "job 1" ... "job 8" to whoever is registered as "worker", one every
** 250 ms (usleep is WASI poll_oneoff: the process parks, no thread sleeps),
** then tells the console it is done and exits normally.
*/
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "rusm.h"

int main(void) {
  char msg[32];
  for (int job = 1; job <= 8; job++) {
    usleep(250 * 1000);
    int64_t worker = rusm_whereis("worker", 6);
    int n = snprintf(msg, sizeof msg, "job %d", job);
    if (worker >= 0) rusm_send(worker, msg, n);
  }
  usleep(250 * 1000);
  int64_t console = rusm_whereis("console", 7);
  if (console >= 0) rusm_send(console, "ticker: all jobs sent, done", 27);
  return 0;
}
