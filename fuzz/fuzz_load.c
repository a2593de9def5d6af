/*
** fuzz_load.c: the libFuzzer entry point for the engine (see fuzz_driver.h).
*/
#include <stddef.h>
#include <stdint.h>

#include "fuzz_driver.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fuzz_run_module(data, size);
  return 0;
}
