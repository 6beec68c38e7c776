"""Incremental synchronization (issue 11, beyond Kea): a restarted Nestor server asks its Nestor
partner only for the leases changed since it last held all of them (less 120 s), which its
"<lease file>.ha-sync" state file remembers; without that file it synchronizes in full; a Kea 2.2
partner ignores "changed-since" and the synchronization is Kea's full one. Old leases are made with
lease4-add on both servers (lease commands are not sent to the partner) with a cltt an hour ago."""
import json
import os
import time

import pytest

from conftest import KEA
from test_ha_service import HAVE_KEA, full_log, ha_log, wait_states
from test_ha_updates import (check_invariant, get, kill_partner, leases, mac, serve, servers,  # noqa: F401
                             tlan)

OLD = 60   # leases .10 - .69, changed an hour ago


def add_old(srvs):
    now = int(time.time())
    for s in srvs:
        for i in range(OLD):
            r = s.cmd("lease4-add", {"ip-address": f"192.0.2.{10 + i}", "hw-address": mac(0xa00 + i),
                                     "valid-lft": 7200, "expire": now + 3600})
            assert r["result"] == 0, r


def pages(srv, since=0):
    """The HA_LEASES_SYNC_LEASE_PAGE_RECEIVED counts logged after offset since."""
    lines = [l for l in full_log(srv)[since:].splitlines() if "HA_LEASES_SYNC_LEASE_PAGE_RECEIVED" in l]
    return [int(l.split("received ")[1].split()[0]) for l in lines]


def test_restarted_server_fetches_only_the_changes(tlan, servers):
    s1, s2 = servers("hot-standby", ["primary", "standby"])
    wait_states([s1, s2], ["hot-standby", "hot-standby"])
    add_old([s1, s2])
    acked = {}
    serve(tlan, s1, 0xb00, range(2), acked)
    state_file = s2.lease_file + ".ha-sync"
    st = json.load(open(state_file))   # written at the first heartbeat in hot-standby
    assert st["this-server-name"] == "server2" and st["partner"] == "server1", st
    assert abs(st["in-sync"] - time.time()) < 10, st
    kill_partner(s1, s2)
    serve(tlan, s1, 0xb00, range(2, 5), acked)
    # an old lease changed on the primary alone: it is "changed" now
    assert s1.cmd("lease4-update", {"ip-address": "192.0.2.10", "hw-address": mac(0xbff),
                                    "valid-lft": 600})["result"] == 0
    before = len(full_log(s2))
    s2.start()
    wait_states([s1, s2], ["hot-standby", "hot-standby"], timeout=20)
    log2 = full_log(s2)[before:]
    assert "HA_SYNC_STATE_LOADED this server held every lease of server1 as of" in log2, ha_log(s2)
    assert "HA_SYNC_INCREMENTAL asking server1 only for the leases changed since" in log2, ha_log(s2)
    assert "HA_SYNC_INCREMENTAL_UNSUPPORTED" not in log2
    assert pages(s2, before) == [6], ha_log(s2)   # 2 + 3 DORAs and the changed old lease, none of the 59 others
    l1, l2 = leases(s1), leases(s2)
    assert l1 == l2 and len(l1) == OLD + 5
    assert l2["192.0.2.10"]["hw-address"] == mac(0xbff)
    check_invariant([s1, s2], acked)
    # without its state file the standby synchronizes every lease
    s2.stop()
    os.unlink(state_file)
    before = len(full_log(s2))
    s2.start()
    wait_states([s1, s2], ["hot-standby", "hot-standby"], timeout=20)
    log2 = full_log(s2)[before:]
    assert "HA_SYNC_INCREMENTAL" not in log2 and "HA_SYNC_STATE_LOADED" not in log2
    assert pages(s2, before) == [OLD + 5], ha_log(s2)


def test_changed_since_paging(tlan, servers):
    """lease4-get-page's "changed-since": pages of up to limit changed leases in address order,
    the parameter echoed; a bad value is refused; without it every lease comes (Kea's)."""
    (s1,) = servers("hot-standby", ["primary", "standby"], start=False)[:1]
    s1.start()
    add_old([s1])
    now = int(time.time())
    for i in (20, 40, 41, 65):
        assert s1.cmd("lease4-update", {"ip-address": f"192.0.2.{i}", "hw-address": mac(0xc00 + i),
                                        "valid-lft": 600})["result"] == 0
    got, frm = [], "start"
    while True:
        r = s1.cmd("lease4-get-page", {"from": frm, "limit": 3, "changed-since": now - 5})
        a = r["arguments"]
        assert a["changed-since"] == now - 5, r
        got.append([l["ip-address"] for l in a["leases"]])
        if a["count"] < 3:
            break
        frm = a["leases"][-1]["ip-address"]
    assert got == [["192.0.2.20", "192.0.2.40", "192.0.2.41"], ["192.0.2.65"]], got
    r = s1.cmd("lease4-get-page", {"from": "start", "limit": 100})
    assert r["arguments"]["count"] == OLD and "changed-since" not in r["arguments"], r
    r = s1.cmd("lease4-get-page", {"from": "start", "limit": 3, "changed-since": -1})
    assert r == {"result": 1, "text": "'changed-since' parameter must be a non-negative number"}, r
    r = s1.cmd("lease4-get-page", {"from": "start", "limit": 3, "changed-since": now + 100})
    assert r["result"] == 3 and r["arguments"]["count"] == 0, r


@pytest.mark.skipif(not HAVE_KEA, reason="kea-dhcp4 2.2 with the HA hook and kea-ctrl-agent are not installed")
def test_kea_partner_gets_a_full_synchronization(tlan, servers):
    """Nestor standby, kea-dhcp4 2.2 primary: the restarted standby asks for changed leases, Kea
    sends them all, and the standby says so and stores them all."""
    s1, s2 = servers("hot-standby", ["primary", "standby"], binaries=[KEA, None])
    wait_states([s1, s2], ["hot-standby", "hot-standby"], timeout=30)
    acked = {}
    serve(tlan, s1, 0xd00, range(3), acked)
    assert os.path.exists(s2.lease_file + ".ha-sync")
    kill_partner(s1, s2, timeout=10)
    serve(tlan, s1, 0xd00, [3], acked)
    before = len(full_log(s2))
    s2.start()
    wait_states([s1, s2], ["hot-standby", "hot-standby"], timeout=30)
    log2 = full_log(s2)[before:]
    assert "HA_SYNC_INCREMENTAL asking server1 only" in log2
    assert "HA_SYNC_INCREMENTAL_UNSUPPORTED server1 does not filter leases by change time (not a Nestor server): " \
           "synchronizing every lease" in log2, ha_log(s2)
    assert pages(s2, before) == [4]
    check_invariant([s1, s2], acked)
    assert all(get(s2, ip)["hw-address"] == m for ip, m in acked.items())
