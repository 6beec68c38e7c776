"""Hub-and-spoke benchmark: one Nestor hub, the hot-standby standby of two Nestor branch primaries
(test_ha_hub's trio on the bridged LAN of three namespaces). Branch 1 serves its LAN's subnet
(nestor-perf on the link), branch 2 a relayed subnet (nestor-perf as the relay agent, unicast to
branch 2); every ACK waits for the hub's acknowledgement of the lease update. For each offered rate
per branch: first branch 1 alone, then both branches at once, so the hub takes the updates of two
relationships. 200 clients per branch repeat their DORAs (every exchange is an update).

Run as root on an otherwise idle machine (a pytest module only to reuse the test harness):
    python3 -m pytest -p no:cacheprovider -s -q bench/ha_hub.py
Prints, per rate: each branch's leases/s, drops and REQUEST-ACK p50/p99, and the hub's CPU per
lease update (its user + system time from /proc over the run, divided by the leases the branches
completed: each is one update to the hub).
"""
import copy
import json
import os
import shutil
import subprocess
import sys
import threading

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "integration"))
import test_ha_hub as H  # noqa: E402
from test_ha_hub import rlan  # noqa: E402,F401 (a fixture)
from test_ha_updates import PERF  # noqa: E402

RATES = [int(r) for r in os.environ.get("HUB_RATES", "1000,2000,4000,6000").split(",")]
TICK = os.sysconf("SC_CLK_TCK")


def widen(cfg):
    """Pools for 200 clients per subnet."""
    for s in cfg["Dhcp4"]["subnet4"]:
        s["pools"] = [{"pool": "192.0.2.10 - 192.0.2.250"}] if s["id"] == 1 else [{"pool": "10.10.20.10 - 10.10.20.250"}]
    return cfg


def cpu_s(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def perf(lan, args, out, key):
    r = subprocess.run(lan.in_cli(PERF, *args, "--json"), capture_output=True, text=True)
    try:
        out[key] = json.loads(r.stdout)
    except ValueError:
        out[key] = {"leases-per-second": 0, "drop-percent": 100, "phases": {}, "error": r.stderr[-300:]}


def line(name, o):
    lat = o["phases"].get("REQUEST-ACK", {}).get("latency-us", {"p50": 0, "p99": 0})
    return (f"{name}: leases/s={o['leases-per-second']:.0f} drop={o['drop-percent']:.2f}% "
            f"REQUEST-ACK p50={lat['p50'] / 1000:.2f}ms p99={lat['p99'] / 1000:.2f}ms")


def test_hub(rlan):
    made = [H.Server(side, widen(copy.deepcopy(cfg)), name=name)
            for side, cfg, name in zip(rlan.sides, (H.BRANCH1, H.HUB, H.BRANCH2), ("branch1", "hub", "branch2"))]
    b1, hub, b2 = made
    for s in made:
        s.config["Dhcp4"]["loggers"][0].update({"severity": "WARN"})
        s.start()
    try:
        H.wait_all(b1, hub, b2, "hot-standby", ["hot-standby", "hot-standby"], "hot-standby", timeout=30)
        for rate in RATES:
            for both in (False, True):
                d1 = ["-l", rlan.cli_if, "-B", "-r", str(rate), "-p", "4", "-R", "200", "-b", "mac=02:00:00:01:00:00"]
                d2 = ["--relay", H.GIADDR, "-r", str(rate), "-p", "4", "-R", "200", "-b", "mac=02:00:00:02:00:00",
                      "192.0.2.3"]
                out = {}
                c0 = cpu_s(hub.proc.pid)
                runs = [threading.Thread(target=perf, args=(rlan, d1, out, "branch1"))]
                if both:
                    runs.append(threading.Thread(target=perf, args=(rlan, d2, out, "branch2")))
                for t in runs:
                    t.start()
                for t in runs:
                    t.join()
                hub_cpu = cpu_s(hub.proc.pid) - c0
                leases = sum(o["leases-per-second"] for o in out.values()) * 4
                per = hub_cpu / leases * 1e6 if leases else 0
                print(f"\nHA-HUB offered={rate}/s per branch, {'both branches' if both else 'branch 1 alone'}: "
                      + "; ".join(line(k, v) for k, v in sorted(out.items()))
                      + f"; hub CPU {per:.1f} us/update", flush=True)
                assert H.rels(hub) == ["hot-standby", "hot-standby"], H.rels(hub)
    finally:
        for s in made:
            s.stop()
            shutil.rmtree(s.dir, ignore_errors=True)
