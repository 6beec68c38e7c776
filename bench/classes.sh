#!/bin/bash
# Client classification cost, side by side (team harness in ../../shared/bench): Nestor on the
# standard memfile config, Nestor and Kea 2.2 on the same config with 20 client classes whose
# tests read options, relay agent sub-options and the hardware address (some match perfdhcp's
# clients and give them options), interleaved at one offered rate.
#
#   bench/classes.sh [RATE] [ROUNDS]      # default 3000 leases/s, 5 rounds of 6 s (nestor-perf)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
H=${HARNESS:-$HERE/../../shared/bench}
W=${BENCH_WORK:-/tmp/nestor-bench}
NESTOR=${NESTOR:-$HERE/../build/src/dhcp4/nestor-dhcp4}
mkdir -p "$W"
"$H/netns.sh" up
python3 "$H/genconf.py" v4 memfile st "$W/v4.json"
python3 - "$W/v4.json" "$W/v4-classes.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
tests = [
    "option[60].text == 'PXEClient'",
    "substring(option[60].hex, 0, 9) == 'docsis3.0'",
    "option[61].exists and substring(option[61].hex, 0, 1) == 0x01",
    "relay4[1].hex == 'port-1'",
    "relay4[2].exists",
    "substring(pkt4.mac, 0, 2) == 0x000c",
    "pkt4.htype == 1 and pkt4.hlen == 6",
    "option[55].exists and not option[43].exists",
    "concat(substring(pkt4.mac, 0, 1), 'x') == 0x0078",
    "option[12].text == 'printer'",
    "substring(relay4[1].hex, 0, 4) == 'rack'",
    "pkt4.giaddr == 10.0.0.254",
    "option[77].exists",
    "ifelse(option[60].exists, option[60].text, 'none') == 'none'",
    "hexstring(substring(pkt4.mac, 4, 2), ':') == 'ff:ff'",
    "member('c06') and not member('c04')",
    "member('c07') or member('c01')",
    "split(option[60].text, ':', 1) == 'PXEClient'",
    "uint32totext(pkt4.hlen) == '6'",
    "uint32totext(pkt.len) == '300' or addrtotext(pkt4.ciaddr) == '0.0.0.0'",
]
classes = []
for i, t in enumerate(tests):
    k = {"name": "c%02d" % (i + 1), "test": t}
    if i in (5, 15, 19):   # classes perfdhcp's clients match give them options
        k["option-data"] = [{"name": "time-servers", "data": "10.0.0.%d" % (i + 10)}]
    classes.append(k)
c["Dhcp4"]["client-classes"] = classes
json.dump(c, open(sys.argv[2], "w"), indent=1)
PY
ip netns exec pfsrv kea-dhcp4 -t "$W/v4-classes.json" >/dev/null
"$NESTOR" -t "$W/v4-classes.json" >/dev/null
CLEAN="rm -f $W/run/kea-leases4.csv*"
# interleaved rounds at one offered rate, driven by nestor-perf: server CPU per lease, medians
python3 - "$HERE" "${1:-3000}" "${2:-5}" "$NESTOR" "$W" "$CLEAN" <<'PY'
import re, statistics, subprocess, sys
here, rate, rounds, nestor, w, clean = sys.argv[1:]
specs = [("nestor-plain", f"{nestor} -c {{CONF}}", f"{w}/v4.json"),
         ("nestor-classes", f"{nestor} -c {{CONF}}", f"{w}/v4-classes.json"),
         ("kea-classes", "kea-dhcp4 -c {CONF}", f"{w}/v4-classes.json")]
got = {}
for _ in range(int(rounds)):
    for lab, cmd, conf in specs:
        out = subprocess.run(["python3", f"{here}/npbench.py", "-P", "v4", "-r", rate, "-n", "1", "-t", "6",
                              "-l", lab, "-s", cmd, "-c", conf, "--pre", clean],
                             capture_output=True, text=True).stdout
        m = re.search(r"RESULT .*leases/s=(\d+) drop=([\d.]+)% server=([\d.]+)us/lease", out)
        if m:
            got.setdefault(lab, []).append(tuple(map(float, m.groups())))
            print(f"  {lab}: {m.group(1)} leases/s, drop {m.group(2)}%, server {m.group(3)} us/lease", flush=True)
for lab, v in got.items():
    print(f"COMPARE {lab}: leases/s={statistics.median(x[0] for x in v):.0f} "
          f"drop={statistics.median(x[1] for x in v):.2f}% server={statistics.median(x[2] for x in v):.1f}us/lease")
PY
