#!/usr/bin/env bash
# bench-vs-beam.sh: RUSM's actor-core scenarios and the BEAM's equivalents,
# measured in the same run on the same machine, side by side.
#
# Builds rusm-bench (Release), runs each scenario with --json, runs the
# matching Erlang program from the BEAM anchors (../shared/anchors/beam,
# compiled into a temporary folder, never copied), and prints one table:
# metric, RUSM, BEAM, ratio (RUSM/BEAM) and which way is better.
#
# Usage: scripts/bench-vs-beam.sh            (from anywhere)
# Env:   BUILD=build-bench   build folder, relative to the repo root
#        SECS=5                seconds per rusm-bench scenario
#        BEAM_DIR=../shared/anchors/beam   (relative to the repo root)
#        ONLY=regex            only scenarios whose name matches
#        BENCH=path            use this rusm-bench binary, build nothing
#        QUIET_WAIT=60         seconds to wait at most for a quiet machine
#                              (< 0.15 busy cores) before each pair of runs
#
# The last column shows how busy the machine was (cores, other processes
# included) just before that pair ran: figures from a busy machine are low
# on both sides, and not comparable with a quiet run.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="$ROOT/${BUILD:-build-bench}"
SECS=${SECS:-5}
BEAM_DIR="$(cd "$ROOT/${BEAM_DIR:-../shared/anchors/beam}" && pwd)"
ONLY=${ONLY:-.}

command -v erl >/dev/null && command -v erlc >/dev/null ||
  { echo "erl/erlc not found (apt-get install erlang-nox)" >&2; exit 1; }

if [ -z "${BENCH:-}" ]; then
  cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DRUSM_BENCH_ENGINE=OFF -DRUSM_BENCH_HOST=OFF >/dev/null
  cmake --build "$BUILD" --target rusm-bench -j"$(nproc)" >/dev/null
  BENCH="$BUILD/src/bench/rusm-bench"
fi

EBIN="$(mktemp -d)"
trap 'rm -rf "$EBIN"' EXIT
erlc -o "$EBIN" "$BEAM_DIR"/src/*.erl

# Each program runs once, in this shell (not in a $(...) subshell, which
# would lose the cache); the rows then read figures out of the cached output.
declare -A RUSM_OUT BEAM_OUT
rusm_run() { # scenario
  RUSM_OUT[$1]=$("$BENCH" run "$1" "$SECS" --json)
}
rusm() { # scenario, python expression over the JSON object j
  python3 -c 'import json,sys; j=json.loads(sys.argv[1]); print(eval(sys.argv[2]))' "${RUSM_OUT[$1]}" "$2"
}
beam_run() { # module case: one fresh VM, as the anchors' run.sh does
  BEAM_OUT[$1.$2]=$(erl -noshell +S 2:2 +P 2097152 -pa "$EBIN" -run "$1" main "$2")
}
beam() { # module case metric
  awk -v m="$3" '$1 == m { print $2 }' <<< "${BEAM_OUT[$1.$2]}"
}

QUIET_WAIT=${QUIET_WAIT:-60}
HZ=$(getconf CLK_TCK)
busy_cores() { # over one second, all CPUs
  local a b
  a=$(awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat); sleep 1
  b=$(awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat)
  awk -v d=$((b - a)) -v hz="$HZ" 'BEGIN { printf "%.2f", d / hz }'
}
BUSY=0
wait_quiet() {
  local waited=0
  while BUSY=$(busy_cores) && awk -v l="$BUSY" 'BEGIN { exit !(l >= 0.15) }' &&
        [ "$waited" -lt "$QUIET_WAIT" ]; do
    sleep 4; waited=$((waited + 5))
  done
}

ROWS=()
row() { # metric rusm beam better(higher|lower); BUSY from the last wait_quiet
  ROWS+=("$1|$2|$3|$4|$BUSY")
}

want() { [[ "$1" =~ $ONLY ]]; }

if want spawn-storm; then
  wait_quiet; rusm_run spawn-storm; beam_run bench_spawn exit_parallel
  row "spawn-storm spawns/s (BEAM: exit_parallel)" \
    "$(rusm spawn-storm 'j["ops_per_sec"]')" "$(beam bench_spawn exit_parallel spawn_exit_parallel_rate)" higher
fi
if want ping-pong; then
  wait_quiet; rusm_run ping-pong; beam_run bench_msg pingpong
  row "ping-pong round trips/s" \
    "$(rusm ping-pong 'j["ops_per_sec"]/2')" "$(beam bench_msg pingpong pingpong_rate)" higher
  row "ping-pong round trip p50 ns" \
    "$(rusm ping-pong 'j["latency"]["p50_ns"]')" "$(beam bench_msg pingpong pingpong_rtt_sampled_p50)" lower
fi
if want ring; then
  wait_quiet; rusm_run ring; beam_run bench_msg ring
  row "ring msgs/s (10k processes)" \
    "$(rusm ring 'j["ops_per_sec"]')" "$(beam bench_msg ring ring_rate)" higher
fi
if want fault-recovery; then
  wait_quiet; rusm_run fault-recovery; beam_run bench_sup crashloop; beam_run bench_sup raw
  beam_run bench_sup latency
  row "fault-recovery restarts/s (BEAM: OTP crashloop)" \
    "$(rusm fault-recovery 'j["ops_per_sec"]')" "$(beam bench_sup crashloop sup_crashloop_rate_steady)" higher
  row "fault-recovery restarts/s (BEAM: raw trap_exit)" \
    "$(rusm fault-recovery 'j["ops_per_sec"]')" "$(beam bench_sup raw sup_raw_trap_exit_restart_rate)" higher
  row "restart latency ns (RUSM p50; BEAM kill-restart mean)" \
    "$(rusm fault-recovery 'j["latency"]["p50_ns"]')" "$(beam bench_sup latency sup_kill_restart_latency)" lower
fi
if want idle; then
  wait_quiet; SECS=1 rusm_run idle; beam_run bench_idle idle
  row "idle bytes per process (RSS)" \
    "$(rusm idle 'j["detail"]["bytes_per_process"]')" "$(beam bench_idle idle idle_rss_per_proc)" lower
fi

printf '\n%-54s %14s %14s %8s  %-36s %s\n' "metric" "RUSM" "BEAM" "ratio" "(RUSM/BEAM)" "busy before"
for r in "${ROWS[@]}"; do
  IFS='|' read -r name a b better busy <<< "$r"
  python3 - "$name" "$a" "$b" "$better" "$busy" <<'PY'
import sys
name, a, b, better = sys.argv[1], float(sys.argv[2] or "nan"), float(sys.argv[3] or "nan"), sys.argv[4]
busy = sys.argv[5]
ratio = a / b if b else float("nan")
ahead = ratio > 1 if better == "higher" else ratio < 1
verdict = f"{'ahead' if ahead else 'BEHIND'} ({better} is better)"
print(f"{name:<54} {a:>14,.0f} {b:>14,.0f} {ratio:>8.2f}  {verdict:<36} {busy} cores")
PY
done
echo
echo "date $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores, load $(cut -d" " -f1-3 /proc/loadavg), $(erl -noshell -eval 'io:format("OTP ~s", [erlang:system_info(otp_release)]), halt().')"
