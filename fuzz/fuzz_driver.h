/*
** fuzz_driver.h: one module through every engine stage, for the fuzzer
** and for the regression test that replays the inputs it found.
*/
#ifndef RUSM_FUZZ_DRIVER_H
#define RUSM_FUZZ_DRIVER_H

#include <stddef.h>
#include <stdint.h>

/* Loads and validates bytes; if valid, links against dummy imports (host
** functions returning zeros, fresh tables/memories/globals), instantiates,
** runs start and calls every exported function with zero arguments, each
** under a small budget. Returns how far it got (0 rejected, 1 loaded,
** 2 prepared, 3 instantiated, 4 ran); a crash or sanitizer report is the
** only failure. Borrows bytes. */
int fuzz_run_module(const uint8_t *bytes, size_t len);

#endif
