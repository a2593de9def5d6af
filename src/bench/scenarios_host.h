/*
** scenarios_host.h: rusm-bench scenarios of Wasm processes (src/host),
** compiled in when the host library exists (RUSM_BENCH_HOST).
** X(id, name, default seconds, description), as in scenarios.h.
*/
#ifndef RUSM_BENCH_SCENARIOS_HOST_H
#define RUSM_BENCH_SCENARIOS_HOST_H

#define BENCH_SCENARIOS_HOST(X)                                                                    \
  X(module_storm, "module-storm", 5.0,                                                             \
    "spawn+reap of a 1-page Wasm module with an empty run, at most 100 live; spawns/s")            \
  X(fairness, "fairness", 6.0,                                                                     \
    "a (loop (br 0)) spinner per core + bystanders calling rusm::notify; notify/s under load")     \
  X(idle_wasm, "idle-wasm", 1.0,                                                                   \
    "100,000 Wasm processes (1 page) parked in receive; resident bytes per process")               \
  X(stream_pipe_wasm, "stream-pipe-wasm", 5.0,                                                     \
    "WAT producer -> consumer over rusm::stream_open/write/read, 4 KiB chunks; bytes/s")

#endif
