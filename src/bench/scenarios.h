/*
** scenarios.h: the table of rusm-bench scenarios, defined once.
**
** X(id, name, default seconds, description): id names the C entry point
** bench_<id> (one file per scenario, scn_<id>.c), name is what `rusm-bench
** run` takes. The order
** is the order of `rusm-bench list` and of reference 5.2.
**
** Scenarios of the other layers join through their own lists, compiled in
** when src/bench/CMakeLists.txt finds the library and defines the switch:
** the engine alone (engine_scenarios.h, RUSM_BENCH_ENGINE: kernels,
** instantiate) and the host (scenarios_host.h, RUSM_BENCH_HOST:
** module-storm, component-storm, fairness, stream-pipe, ...).
*/
#ifndef RUSM_BENCH_SCENARIOS_H
#define RUSM_BENCH_SCENARIOS_H

#include "bench.h"

#define BENCH_SCENARIOS_OTP(X)                                                                     \
  X(spawn_storm, "spawn-storm", 5.0,                                                               \
    "native process spawn+reap rate: one spawner per core, bounded in-flight")                     \
  X(ping_pong, "ping-pong", 5.0, "two processes exchanging messages; msgs/s, round-trip latency")  \
  X(fault_recovery, "fault-recovery", 5.0,                                                         \
    "one_for_one supervisors of 4 crashing children; restarts/s, crash-to-running latency")        \
  X(ring, "ring", 5.0, "10,000 processes in a ring passing one token; msgs/s")                     \
  X(idle, "idle", 1.0, "1,000,000 processes blocked in receive; bytes per process")                \
  X(stream_pipe, "stream-pipe", 5.0,                                                               \
    "native producer -> consumer over a stream, 4 KiB chunks, one pair per core; bytes/s")         \
  X(connection_storm, "connection-storm", 5.0,                                                     \
    "loopback TCP connections/s, a process per connection; client connect time")                   \
  X(connection_scale, "connection-scale", 5.0,                                                     \
    "held loopback connections ramped to the fd limit; peak concurrent, reconnects/s")

#ifdef RUSM_BENCH_ENGINE
#include "engine_scenarios.h" /* defines BENCH_SCENARIOS_ENGINE(X) */
#else
#define BENCH_SCENARIOS_ENGINE(X)
#endif

#ifdef RUSM_BENCH_HOST
#include "scenarios_host.h" /* defines BENCH_SCENARIOS_HOST(X) */
#else
#define BENCH_SCENARIOS_HOST(X)
#endif

#define BENCH_SCENARIOS(X) BENCH_SCENARIOS_OTP(X) BENCH_SCENARIOS_ENGINE(X) BENCH_SCENARIOS_HOST(X)

#define X(id, name, secs, desc) int bench_##id(const bench_opts *o, bench_result *r);
BENCH_SCENARIOS(X)
#undef X

#endif
