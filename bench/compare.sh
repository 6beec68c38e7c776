#!/bin/bash
# Side-by-side DHCPv4 benchmark of nestor-dhcp4 and Debian's Kea 2.2 with the team harness in
# ../../shared/bench (perfdhcp over a veth pair between two network namespaces).
#
#   bench/compare.sh max            # highest lossless rate (<1% drops) of each server, 3 runs each
#   bench/compare.sh rate 8000 5    # A/B/A/B... at a fixed offered rate, 5 rounds: CPU per lease
#
# Servers measured: the instant responder (the setup's ceiling), Kea single- and multi-threaded,
# Nestor single-threaded, Nestor with durable commits. Results: $BENCH_WORK/results (default
# /tmp/nestor-bench). Run as root on an otherwise idle machine.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
H=${HARNESS:-$HERE/../../shared/bench}
W=${BENCH_WORK:-/tmp/nestor-bench}
NESTOR=${NESTOR:-$HERE/../build/src/dhcp4/nestor-dhcp4}
mkdir -p "$W"
"$H/netns.sh" up
python3 "$H/genconf.py" v4 memfile st "$W/v4.json"
python3 "$H/genconf.py" v4 memfile mt "$W/v4mt.json"
python3 - "$W/v4.json" "$W/v4-durable.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1])); c["Dhcp4"]["lease-database"]["durable"] = True
json.dump(c, open(sys.argv[2], "w"), indent=1)
PY
cc -O2 -o "$W/pfecho" "$H/ceiling/pfecho.c"
CLEAN="rm -f $W/run/kea-leases4.csv*"
SPECS=(
  "echo|$W/pfecho 4 pfvs 10.0.0.1||"
  "kea-st|kea-dhcp4 -c {CONF}|$W/v4.json|$CLEAN"
  "kea-mt|kea-dhcp4 -c {CONF}|$W/v4mt.json|$CLEAN"
  "nestor-st|$NESTOR -c {CONF}|$W/v4.json|$CLEAN"
  "nestor-durable|$NESTOR -c {CONF}|$W/v4-durable.json|$CLEAN"
)
case "${1:-max}" in
  max)
    for spec in "${SPECS[@]}"; do
      IFS='|' read -r lab cmd conf pre <<<"$spec"
      python3 "$H/pfbench.py" -P v4 -r auto -n 3 -t 6 -l "$lab" -s "$cmd" ${conf:+-c "$conf"} ${pre:+--pre "$pre"} | grep RESULT
    done ;;
  rate)
    "$H/pfcompare.sh" v4 "${2:-8000}" "${3:-5}" 6 "${SPECS[@]:1}" | grep COMPARE ;;
  *) echo "usage: $0 max | rate RATE [ROUNDS]"; exit 1 ;;
esac
