#!/bin/bash
# Side-by-side DHCPv4 benchmark driven by nestor-perf: the instant responder (the setup's
# ceiling), Debian's Kea 2.2 and Nestor on the same configurations in one run — memfile plain and
# durable, single- and multi-threaded; with DB=1 also PostgreSQL and MariaDB (durable commits,
# ../../shared/bench/db.sh) — and one perfdhcp run of Nestor as a cross-check of the figures.
#
#   bench/compare-np.sh             # highest rate with < 1% drops, REPEATS (3) searches each
#   ONLY='nestor-*' bench/compare-np.sh   # a subset by label
#
# Prints one RESULT line per server (medians): rate, leases/s, server and generator CPU us/lease,
# latency p50/p99 of REQUEST-ACK and of the whole DORA. Run as root on an otherwise idle machine.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
H=${HARNESS:-$HERE/../../shared/bench}
W=${BENCH_WORK:-/tmp/nestor-bench}
NESTOR=${NESTOR:-$HERE/../build/src/dhcp4/nestor-dhcp4}
REPEATS=${REPEATS:-3}
PERIOD=${PERIOD:-5}
mkdir -p "$W"
"$H/netns.sh" up
python3 "$H/genconf.py" v4 memfile st "$W/v4.json"
python3 "$H/genconf.py" v4 memfile mt "$W/v4mt.json"
python3 - "$W" <<'PY'
import json, sys
w = sys.argv[1]
for src, dst in [("v4", "v4-durable"), ("v4mt", "v4mt-durable")]:
    c = json.load(open(f"{w}/{src}.json")); c["Dhcp4"]["lease-database"]["durable"] = True
    json.dump(c, open(f"{w}/{dst}.json", "w"), indent=1)
PY
cc -O2 -o "$W/pfecho" "$H/ceiling/pfecho.c"
CLEAN="rm -f $W/run/kea-leases4.csv*"
SPECS=(
  "echo|$W/pfecho 4 pfvs 10.0.0.1||"
  "kea-st|kea-dhcp4 -c {CONF}|$W/v4.json|$CLEAN"
  "kea-mt|kea-dhcp4 -c {CONF}|$W/v4mt.json|$CLEAN"
  "nestor-st|$NESTOR -c {CONF}|$W/v4.json|$CLEAN"
  "nestor-mt|$NESTOR -c {CONF}|$W/v4mt.json|$CLEAN"
  "nestor-durable-st|$NESTOR -c {CONF}|$W/v4-durable.json|$CLEAN"
  "nestor-durable-mt|$NESTOR -c {CONF}|$W/v4mt-durable.json|$CLEAN"
)
if [ "${DB:-0}" = 1 ]; then
  "$H/db.sh" stop >/dev/null 2>&1 || true
  "$H/db.sh" start
  for b in pgsql mysql; do
    python3 "$H/genconf.py" v4 $b st "$W/v4$b.json"
    python3 "$H/genconf.py" v4 $b mt "$W/v4${b}mt.json"
    for t in st mt; do
      f="$W/v4$b.json"; [ $t = mt ] && f="$W/v4${b}mt.json"
      SPECS+=("kea-$b-$t|kea-dhcp4 -c {CONF}|$f|$H/dbpre.sh $b v4" "nestor-$b-$t|$NESTOR -c {CONF}|$f|$H/dbpre.sh $b v4")
    done
  done
fi
ONLY=${ONLY:-}
for spec in "${SPECS[@]}"; do
  IFS='|' read -r lab cmd conf pre <<<"$spec"
  [[ -z "$ONLY" || "$lab" == $ONLY ]] || continue
  python3 "$HERE/npbench.py" -P v4 -r auto -n "$REPEATS" -t "$PERIOD" -l "$lab" -s "$cmd" \
    ${conf:+-c "$conf"} ${pre:+--pre "$pre"} | grep RESULT
done
if [[ -z "$ONLY" || "perfdhcp-nestor-st" == $ONLY ]]; then
  echo "cross-check: perfdhcp against nestor-st (its ceiling is perfdhcp's own CPU)"
  python3 "$H/pfbench.py" -P v4 -r auto -n 1 -t 6 -l perfdhcp-nestor-st -s "$NESTOR -c {CONF}" -c "$W/v4.json" \
    --pre "$CLEAN" | grep RESULT
fi
[ "${DB:-0}" = 1 ] && "$H/db.sh" stop >/dev/null 2>&1 || true
