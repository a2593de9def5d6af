/*
** wast_crash.h: the report `rusm wast` prints when a fatal signal ends a
** run, built without stdio or malloc so that a signal handler may call it.
*/
#ifndef RUSM_CLI_WAST_CRASH_H
#define RUSM_CLI_WAST_CRASH_H

#include <stddef.h>

/* Writes "crashed (signal SIG) at line LINE\nP passed, F failed, S skipped\n"
** into buf (borrowed): at most cap - 1 bytes, then a NUL (cap > 0). Returns
** the length written. Async-signal-safe. */
size_t wast_crash_report(char *buf, size_t cap, long sig, long line, long passed, long failed,
                         long skipped);

#endif
