#!/usr/bin/env bash
# The nightly job for cron: allocate tonight's portfolio and plan tomorrow's visits.
#
#   # crontab -e  (every night at 01:30)
#   30 1 * * *  /opt/fieldplan/examples/nightly.sh /data/cases.xlsx /data/collectors.xlsx
#
# Exit codes (those of `fieldplan nightly`): 0 done; 2 bad input (the rows are in the log);
# 3 done, but a mandatory case or visit is missing (someone must look); 1 internal error.
# Rerunning after a crash resumes: finished regions are not planned again.
set -euo pipefail

cases=${1:?usage: nightly.sh CASES COLLECTORS [OUT_ROOT]}
collectors=${2:?usage: nightly.sh CASES COLLECTORS [OUT_ROOT]}
root=${3:-/var/lib/fieldplan}
fieldplan=${FIELDPLAN:-fieldplan}
tomorrow=$(date -d tomorrow +%F)
out="$root/$tomorrow"
mkdir -p "$out"

status=0
"$fieldplan" nightly "$cases" "$collectors" --date "$tomorrow" --out "$out" \
    --allocation-seconds "${ALLOCATION_SECONDS:-120}" --plan-seconds "${PLAN_SECONDS:-60}" \
    --json-logs --quiet 2>>"$out/nightly.log" || status=$?

case $status in
  0) echo "fieldplan: plans for $tomorrow are in $out" ;;
  3) echo "fieldplan: plans for $tomorrow are in $out, but mandatory work is missing" >&2 ;;
  *) echo "fieldplan: the nightly job failed (exit $status); see $out/nightly.log" >&2 ;;
esac
exit $status
