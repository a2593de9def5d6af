/*
** spectest.h: the `spectest` host module the spec scripts import, as the
** spec interpreter defines it (print functions, four globals of 666 / 666.6,
** a funcref table of 10..20 and a memory of 1..2 pages).
*/
#ifndef RUSM_CLI_SPECTEST_H
#define RUSM_CLI_SPECTEST_H

#include <stdbool.h>

#include "rusm/engine.h"

typedef struct spectest spectest;

/* A fresh module (its table and memory are shared by every script module
** that imports them). NULL if the engine cannot make one. Owned by the
** caller; it must outlive every prepared module that imports from it. */
spectest *spectest_new(void);
void spectest_free(spectest *s); /* takes s */

/* The export called name, borrowed from s; false if there is none. */
bool spectest_lookup(spectest *s, const char *name, rusm_extern *o_ext);

#endif
