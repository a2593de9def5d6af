/*
** regress_inputs.h: inputs the fuzzer found that once crashed or stalled
** the engine, minimized, defined once as X(name, bytes...). replay.c runs
** each through fuzz_run_module before any file.
*/
#ifndef RUSM_FUZZ_REGRESS_INPUTS_H
#define RUSM_FUZZ_REGRESS_INPUTS_H

/* memory_4gib_min: a memory of min 65536 pages and nothing else; each
** instance allocated 4 GiB up front, max_memory_bytes notwithstanding
** (libFuzzer out-of-memory, 2026-11-22). */
#define FUZZ_REGRESS_INPUTS(X)                                                                     \
  X(memory_4gib_min, 0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x05, 0x05, 0x01, 0x00, 0x80, \
    0x80, 0x04)

#endif
