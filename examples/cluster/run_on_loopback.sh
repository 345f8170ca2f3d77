#!/usr/bin/env bash
# A Dask scheduler and two workers on this machine (loopback only), the demo city's night on
# them, then everything stopped. The same commands work across machines: start the scheduler
# on one, the workers on others (dask worker tcp://SCHEDULER-HOST:8786), and pass that address
# to --cluster.
#
#   examples/cluster/run_on_loopback.sh [OUT]      (from the repository, after README's setup)
#
# CASES (2400), ALLOCATION_SECONDS (10) and PLAN_SECONDS (5) size the night.
set -euo pipefail

out=${1:-cluster-night}
bin=${FIELDPLAN_BIN:-.venv/bin}
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; wait; rm -rf "$work"' EXIT

"$bin/dask" scheduler --host 127.0.0.1 --port 0 --scheduler-file "$work/scheduler.json" \
    >"$work/scheduler.log" 2>&1 &
until [ -s "$work/scheduler.json" ]; do sleep 0.2; done
for name in worker-1 worker-2; do
  "$bin/dask" worker --scheduler-file "$work/scheduler.json" --nthreads 1 --name "$name" \
      --host 127.0.0.1 >"$work/$name.log" 2>&1 &
done
address=$("$bin/python" -c "import json,sys; print(json.load(open(sys.argv[1]))['address'])" \
          "$work/scheduler.json")

"$bin/python" -c "from api import demo; from pathlib import Path
demo.city(Path('$out/input'), cases=${CASES:-2400})"
status=0
"$bin/fieldplan" nightly "$out/input/cases.csv" "$out/input/collectors.csv" --date 2026-12-01 \
    --out "$out" --cluster "$address" --allocation-seconds "${ALLOCATION_SECONDS:-10}" \
    --plan-seconds "${PLAN_SECONDS:-5}" || status=$?
echo "results in $out (exit $status)"
exit $status
