#!/usr/bin/env python3
"""Smoke check for rusm-bench: run one scenario briefly with --json and
assert the output contract (one JSON object; scenario, seconds,
ops_per_sec > 0, unit, latency object-or-null, detail object).

  check_json.py RUSM_BENCH SCENARIO SECONDS [EXTRA_ARGS...]

EXTRA_ARGS go to `rusm-bench run` as they are; with --smoke the detail must
say so (smoke: true), so a cut-down run is never taken for a real figure."""
import json
import subprocess
import sys

bench, scenario, seconds, extra = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
p = subprocess.run([bench, "run", scenario, seconds, "--json", *extra], capture_output=True,
                   text=True)
if p.returncode != 0:
    sys.exit(f"exit {p.returncode}: {p.stderr.strip()}")
obj = json.loads(p.stdout)  # raises on trailing text: exactly one object
assert isinstance(obj, dict), "not an object"
for key in ("scenario", "seconds", "ops_per_sec", "unit", "latency", "detail"):
    assert key in obj, f"missing key {key}"
assert obj["scenario"] == scenario, obj["scenario"]
assert obj["unit"] in ("count", "bytes"), obj["unit"]
assert isinstance(obj["ops_per_sec"], (int, float)) and obj["ops_per_sec"] > 0, obj["ops_per_sec"]
lat = obj["latency"]
assert lat is None or all(isinstance(lat.get(k), int) for k in ("p50_ns", "p95_ns", "p99_ns")), lat
assert isinstance(obj["detail"], dict), "detail is not an object"
assert obj["detail"].get("smoke") is (True if "--smoke" in extra else None), obj["detail"]
print(f"ok {scenario}: {obj['ops_per_sec']:.0f} ops/s")
