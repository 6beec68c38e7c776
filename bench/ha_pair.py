"""High-availability pair benchmark: a hot-standby pair with lease updates on (the reply waits for
the partner's acknowledgement), Nestor+Nestor and Kea 2.2+Kea 2.2 (with kea-ctrl-agent, as Kea's
pairs are deployed), and the two mixed pairs (Kea's rate is set by the primary, which answers the
clients), on the integration tests' bridged LAN (three namespaces on a bridge), driven
by nestor-perf at a ladder of offered rates. 200 clients on the LAN's /24 repeat their DORAs, so
every exchange is a lease update to the partner.

Run as root (it is a pytest module only to reuse the test harness; it is not part of the tests):
    python3 -m pytest -p no:cacheprovider -s -q bench/ha_pair.py
Prints one line per pair and rate: leases/s, drops, REQUEST-ACK p50/p99 (the added latency of the
update is the difference with a pair without updates, also measured).
"""
import json
import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "integration"))
import test_ha_updates as T  # noqa: E402
from test_ha_updates import tlan, servers  # noqa: E402,F401 (fixtures)

RATES = [int(r) for r in os.environ.get("HA_RATES", "1000,2000,3000,4000,5000,8000").split(",")]
RATES_KEA = [int(r) for r in os.environ.get("HA_RATES_KEA", "100,200,300,400,600,800,1000").split(",")]


def pool(i, c):
    c["Dhcp4"]["subnet4"][0]["pools"] = [{"pool": "192.0.2.10 - 192.0.2.250"}]


# pair: (primary, standby) binaries; None is Nestor
PAIRS = {"nestor": [None, None], "nestor-no-updates": [None, None], "kea": [T.KEA, T.KEA],
         "mixed-nestor-primary": [None, T.KEA], "mixed-kea-primary": [T.KEA, None]}


@pytest.mark.parametrize("pair", list(PAIRS))
def test_pair(tlan, servers, pair):
    binaries = PAIRS[pair]
    kea = binaries[0] == T.KEA
    if T.KEA in binaries and not os.path.exists(T.KEA):
        pytest.skip("kea-dhcp4 is needed")
    extra = {"send-lease-updates": False} if pair == "nestor-no-updates" else {}
    s1, s2 = servers("hot-standby", ["primary", "standby"], binaries=binaries, tweak=pool, **extra)
    T.wait_states([s1, s2], ["hot-standby", "hot-standby"])
    for i, rate in enumerate(RATES_KEA if kea else RATES):
        r = T.sh(*tlan.in_cli(T.PERF, "-l", tlan.cli_if, "-B", "-r", str(rate), "-p", "4", "-R", "200",
                              "-b", "mac=02:00:00:01:00:00", "--json"), check=False)
        o = json.loads(r.stdout)
        lat = o["phases"].get("REQUEST-ACK", {}).get("latency-us", {"p50": 0, "p99": 0})
        print(f"\nHA-PAIR {pair} offered={rate}/s leases/s={o['leases-per-second']:.0f} "
              f"drop={o['drop-percent']:.2f}% REQUEST-ACK p50={lat['p50'] / 1000:.2f}ms "
              f"p99={lat['p99'] / 1000:.2f}ms", flush=True)
        if o["drop-percent"] > 20:
            break
