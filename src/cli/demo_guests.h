/* demo_guests.h: the demo's guests, embedded at build time (cmake/embed.cmake). */
#ifndef RUSM_CLI_DEMO_GUESTS_H
#define RUSM_CLI_DEMO_GUESTS_H

#include <stddef.h>

extern const unsigned char demo_worker_wasm[], demo_ticker_wasm[];
extern const size_t demo_worker_wasm_len, demo_ticker_wasm_len;

#endif
