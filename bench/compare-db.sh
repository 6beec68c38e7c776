#!/bin/bash
# Side-by-side DHCPv4 benchmark on SQL lease databases: Nestor and Debian's Kea 2.2 on the same
# PostgreSQL 15 / MariaDB 10.11 servers (../../shared/bench/db.sh, inside the pfsrv namespace),
# durable commits (synchronous_commit=on, innodb_flush_log_at_trx_commit=1), same config files.
#
#   bench/compare-db.sh         # highest lossless rate (<1% drops), 3 runs each
#
# Configurations: single-threaded, and multi-threaded with 8 threads (thread-pool-size 8,
# packet-queue-size 256) for both servers; Nestor's memfile with the same configs for reference.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
H=${HARNESS:-$HERE/../../shared/bench}
W=${BENCH_WORK:-/tmp/nestor-bench}
NESTOR=${NESTOR:-$HERE/../build/src/dhcp4/nestor-dhcp4}
mkdir -p "$W"
"$H/netns.sh" up
"$H/db.sh" stop >/dev/null 2>&1 || true   # a clean start, whatever an earlier run left
"$H/db.sh" start
python3 "$H/genconf.py" v4 pgsql st "$W/v4pg.json"
python3 "$H/genconf.py" v4 mysql st "$W/v4my.json"
python3 "$H/genconf.py" v4 memfile st "$W/v4.json"
python3 - "$W" <<'PY'
import json, sys
w = sys.argv[1]
for src, dst in [("v4pg", "v4pgmt8"), ("v4my", "v4mymt8"), ("v4", "v4mt8")]:
    c = json.load(open(f"{w}/{src}.json"))
    c["Dhcp4"]["multi-threading"] = {"enable-multi-threading": True, "thread-pool-size": 8, "packet-queue-size": 256}
    json.dump(c, open(f"{w}/{dst}.json", "w"), indent=1)
PY
SPECS=(
  "kea-pg-st|kea-dhcp4 -c {CONF}|$W/v4pg.json|$H/dbpre.sh pgsql v4"
  "kea-pg-mt8|kea-dhcp4 -c {CONF}|$W/v4pgmt8.json|$H/dbpre.sh pgsql v4"
  "nestor-pg-st|$NESTOR -c {CONF}|$W/v4pg.json|$H/dbpre.sh pgsql v4"
  "nestor-pg-mt8|$NESTOR -c {CONF}|$W/v4pgmt8.json|$H/dbpre.sh pgsql v4"
  "kea-my-st|kea-dhcp4 -c {CONF}|$W/v4my.json|$H/dbpre.sh mysql v4"
  "kea-my-mt8|kea-dhcp4 -c {CONF}|$W/v4mymt8.json|$H/dbpre.sh mysql v4"
  "nestor-my-st|$NESTOR -c {CONF}|$W/v4my.json|$H/dbpre.sh mysql v4"
  "nestor-my-mt8|$NESTOR -c {CONF}|$W/v4mymt8.json|$H/dbpre.sh mysql v4"
  "nestor-memfile-st|$NESTOR -c {CONF}|$W/v4.json|rm -f $W/run/kea-leases4.csv*"
  "nestor-memfile-mt8|$NESTOR -c {CONF}|$W/v4mt8.json|rm -f $W/run/kea-leases4.csv*"
)
cd "$H"
ONLY=${ONLY:-}
for spec in "${SPECS[@]}"; do
  IFS='|' read -r lab cmd conf pre <<<"$spec"
  [[ -z "$ONLY" || "$lab" == $ONLY ]] || continue
  python3 "$H/pfbench.py" -P v4 -r auto -n 3 -t 6 -l "$lab" -s "$cmd" -c "$conf" --pre "$pre" | grep RESULT
done
