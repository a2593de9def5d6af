#!/bin/sh
# summary.sh: runs every converted spec script with `rusm wast` and prints
# passed/failed/skipped per script and in total.
#
#   tests/spec/summary.sh [BUILD_DIR] [PATTERN]
#
# BUILD_DIR defaults to ./build; PATTERN (a shell glob on the script name,
# default *) picks scripts. A script that crashes or hangs shows its status.
# Scripts run from a rewritten copy (see rewrite.cmake) show as rewritten/NAME.
# Exits 1 if any assertion failed.
set -u
build=${1:-build}
pattern=${2:-*}
rusm="$build/src/cli/rusm"
dir="$build/tests/spec/json"
limit=${RUSM_SPEC_TIMEOUT:-300}
if [ ! -x "$rusm" ] || [ ! -d "$dir" ]; then
  echo "summary.sh: build rusm and spec_json in $build first" >&2
  exit 2
fi
tp=0 tf=0 ts=0 scripts=0 clean=0
printf '%-28s %8s %8s %8s  %s\n' script passed failed skipped status
for json in "$dir"/$pattern.json "$build/tests/spec/rewritten"/$pattern.json; do
  [ -f "$json" ] || continue
  name=$(basename "$json" .json)
  case "$json" in */rewritten/*) name="rewritten/$name" ;; esac
  out=$(timeout "$limit" "$rusm" wast "$json" 2>&1)
  rc=$?
  last=$(printf '%s\n' "$out" | tail -n 1)
  p=$(printf '%s' "$last" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed.*/\1/p')
  f=$(printf '%s' "$last" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed.*/\2/p')
  s=$(printf '%s' "$last" | sed -n 's/.*, \([0-9]*\) skipped$/\1/p')
  status=ok
  if [ "$rc" = 124 ]; then status="timeout ${limit}s"
  elif printf '%s\n' "$out" | grep -q '^crashed (signal'; then status=crash
  elif [ -z "$p" ]; then status="exit $rc: $(printf '%s' "$last" | cut -c1-60)"
  elif [ "$rc" != 0 ]; then status=fail
  fi
  p=${p:-0} f=${f:-0} s=${s:-0}
  [ "$status" = ok ] && clean=$((clean + 1))
  printf '%-28s %8s %8s %8s  %s\n' "$name" "$p" "$f" "$s" "$status"
  tp=$((tp + p)) tf=$((tf + f)) ts=$((ts + s)) scripts=$((scripts + 1))
done
printf '%-28s %8s %8s %8s  %s\n' TOTAL "$tp" "$tf" "$ts" "$clean/$scripts scripts clean"
[ "$tf" = 0 ]
