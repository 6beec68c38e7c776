"""High-availability synchronization benchmark: how long a hot-standby pair takes to synchronize
N leases (HA_SYNC_SUCCESSFUL "... completed successfully in X ms", each server's own figure), for
Nestor and for Kea 2.2 (with kea-ctrl-agent), on the integration tests' bridged LAN.

Per server kind and size (HA_SIZES, default 100000,1000000 leases in 10.0.0.0/8, a subnet of
its own, written into the lease file before start, cltt an hour ago):
  full-empty  the primary starts with an empty lease file and pulls all N leases from the
              standby (each one written);
  incremental 1% of the leases then change on the primary while the standby is down (the primary
              stopped, rows with a new client and cltt appended to its lease file, restarted);
              the standby restarted synchronizes: Nestor asks only for the changed leases, Kea
              (and Nestor without its .ha-sync state file, "full-restart") pulls all of them.

Run as root, on a quiet machine (it is a pytest module only to reuse the test harness):
    python3 -m pytest -p no:cacheprovider -s -q bench/ha_sync.py
    HA_SIZES=100000 HA_KINDS=nestor python3 -m pytest -p no:cacheprovider -s -q bench/ha_sync.py
Prints one line per measurement: HA-SYNC kind size case ms leases-received.
"""
import os
import re
import sys
import time

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "integration"))
import test_ha_updates as T  # noqa: E402
from test_ha_updates import tlan, servers  # noqa: E402,F401 (fixtures)

T.Server.wait_ready.__defaults__ = (900,)   # kea-dhcp4 takes minutes to load a million leases

SIZES = [int(n) for n in os.environ.get("HA_SIZES", "100000,1000000").split(",")]
KINDS = os.environ.get("HA_KINDS", "nestor,kea").split(",")
HEADER = "address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,fqdn_rev,hostname,state,user_context\n"


def addr(i):
    i += 1
    return f"10.{(i >> 16) & 0xff}.{(i >> 8) & 0xff}.{i & 0xff}"


def hw(i, tag=0):
    return "02:%02x:%02x:%02x:%02x:%02x" % (tag, (i >> 24) & 0xff, (i >> 16) & 0xff, (i >> 8) & 0xff, i & 0xff)


def write_leases(path, n, expire, tag=0, step=1, append=False, valid=7200):
    with open(path, "a" if append else "w") as f:
        if not append:
            f.write(HEADER)
        for i in range(0, n, step):
            f.write(f"{addr(i)},{hw(i, tag)},,{valid},{expire},2,0,0,,0,\n")


def tweak_for(size):
    def tweak(i, c):
        d = c["Dhcp4"]
        d["subnet4"].append({"id": 2, "subnet": "10.0.0.0/8", "pools": [{"pool": "10.0.0.1 - 10.255.255.254"}]})
        ha = d["hooks-libraries"][1]["parameters"]["high-availability"][0]
        ha["sync-timeout"] = 600000
        ha["max-response-delay"] = 10000   # a server busy loading leases is not "down"
    return tweak


def synced(srv, since):
    """(ms, leases received) of the last HA_SYNC_SUCCESSFUL after log offset since, or None."""
    log = T.full_log(srv)[since:]
    m = re.findall(r"HA_SYNC_SUCCESSFUL lease database synchronization with \S+ completed successfully in "
                   r"([0-9.]+) (ms|s)", log)
    if not m:
        return None
    v, unit = m[-1]
    got = sum(int(x) for x in re.findall(r"HA_LEASES_SYNC_LEASE_PAGE_RECEIVED received (\d+) leases", log))
    return float(v) * (1000 if unit == "s" else 1), got


def wait_synced(srv, since, timeout):
    deadline = time.time() + timeout
    while time.time() < deadline:
        r = synced(srv, since)
        if r:
            return r
        time.sleep(0.5)
    raise AssertionError(T.ha_log(srv))


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("kind", KINDS)
def test_sync(tlan, servers, kind, size):
    kea = kind == "kea"
    if kea and not os.path.exists(T.KEA):
        pytest.skip("kea-dhcp4 is needed")
    s1, s2 = servers("hot-standby", ["primary", "standby"], binaries=[T.KEA, T.KEA] if kea else None,
                     tweak=tweak_for(size), start=False)
    expire = int(time.time()) + 3600
    write_leases(s1.lease_file, 0, expire)
    write_leases(s2.lease_file, size, expire)
    s2.start()
    s1.start()
    ms, got = wait_synced(s1, 0, 900)
    print(f"\nHA-SYNC {kind} {size} full-empty {ms:.0f} ms {got} leases", flush=True)
    T.wait_states([s1, s2], ["hot-standby", "hot-standby"], timeout=900)
    time.sleep(3)   # a heartbeat in hot-standby: the standby's state file is written
    s2.proc.kill()
    s2.proc.wait()
    s1.stop()
    changed = size // 100
    write_leases(s1.lease_file, size, int(time.time()) + 600, tag=0x55, step=100, append=True, valid=600)
    s1.start()
    T.wait_states([s1], ["partner-down"], timeout=900)
    for case in (["incremental", "full-restart"] if not kea else ["restart"]):
        before = len(T.full_log(s2))
        if case == "full-restart":
            s2.stop()
            os.unlink(s2.lease_file + ".ha-sync")
            before = len(T.full_log(s2))
        s2.start()
        ms, got = wait_synced(s2, before, 900)
        print(f"\nHA-SYNC {kind} {size} {case} {ms:.0f} ms {got} leases ({changed} changed)", flush=True)
        T.wait_states([s1, s2], ["hot-standby", "hot-standby"], timeout=900)
        if case == "incremental":
            time.sleep(2)
