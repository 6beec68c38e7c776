"""High availability's lease updates and lease synchronization (issue 11, parts 5 and 6): pairs
(and a trio with a backup) on a bridged LAN with send-lease-updates and sync-leases true. A reply
waits for the partner's acknowledgement of its lease (a failed update drops it); updates stop in
partner-down (unsent-update-count) and wait in communication-recovery's backlog; a restarted
server synchronizes (dhcp-disable, lease4-get-page, ha-sync-complete-notify); ha-sync; kea-dhcp4
2.2 as the partner in either role. After every scenario: no address held by two clients, and
every acknowledged lease on the partner. Heartbeats every second, max-response-delay 3 s."""
import json
import os
import shutil
import subprocess
import time

import pytest

from conftest import BUILD, KEA, Server, sh, wait_for
from test_ha_service import (HAVE_KEA, BridgedLan, KeaWithAgent, Side, full_log, ha_config, ha_log, lan_of,
                             state, transitions, wait_states)

PERF = os.path.join(BUILD, "src", "perf", "nestor-perf")
UPD = {"send-lease-updates": True, "sync-leases": True}


class TrioLan(BridgedLan):
    """The bridged LAN with a third server namespace (192.0.2.3) for a backup server."""

    def __init__(self):
        super().__init__()
        tag = str(os.getpid() % 100000)
        side = Side(tag, 3, "192.0.2.3")
        sh("ip", "netns", "add", side.srv_ns)
        sh("ip", "-n", side.srv_ns, "link", "set", "lo", "up")
        sh("ip", "link", "add", side.srv_if, "netns", side.srv_ns, "type", "veth", "peer", "name", "b3", "netns",
           self.br_ns)
        sh("ip", "-n", self.br_ns, "link", "set", "b3", "master", "br0", "up")
        sh("ip", "-n", side.srv_ns, "addr", "add", "192.0.2.3/24", "dev", side.srv_if)
        sh("ip", "-n", side.srv_ns, "link", "set", side.srv_if, "up")
        self.sides.append(side)


@pytest.fixture(scope="module")
def tlan():
    yield from lan_of(TrioLan)


PEER_URLS = ["http://192.0.2.1:8001/", "http://192.0.2.2:8002/", "http://192.0.2.3:8003/"]


@pytest.fixture
def servers(tlan):
    """servers(mode, roles, binaries=..., tweak=None, **ha): one server per role (server1 on .1, ...),
    started; tweak(i, config) may change server i's configuration first."""
    made = []

    def make(mode, roles, binaries=None, tweak=None, start=True, **ha):
        binaries = binaries or [None] * len(roles)
        peers = [{"name": f"server{i + 1}", "url": PEER_URLS[i], "role": r} for i, r in enumerate(roles)]
        out = []
        for i, side in enumerate(tlan.sides[:len(roles)]):
            cfg = ha_config(mode, f"server{i + 1}", roles, peers=peers, **{**UPD, **ha})
            if tweak:
                tweak(i, cfg)
            srv = Server(side, cfg, binary=binaries[i], name=f"server{i + 1}")
            if binaries[i] == KEA:
                srv = KeaWithAgent(side, srv)
            out.append(srv)
            made.append(srv)
        if start:
            for s in out:
                s.start()
        return out
    yield make
    for s in made:
        s.stop()
        shutil.rmtree(s.dir, ignore_errors=True)


def mac(i):
    return "02:00:00:00:%02x:%02x" % (i >> 8, i & 0xff)


def dora(lan, m, xid, timeout=2):
    """DISCOVER then REQUEST for client m: (the OFFER, the ACK or None)."""
    offers = lan.pkt.dhcp("discover", chaddr=m, xid=xid, timeout=timeout)
    if not offers:
        return None, None
    o = offers[0]
    acks = lan.pkt.dhcp("request", chaddr=m, xid=xid + 1, timeout=timeout,
                        options=[["server_id", o["options"]["server_id"]], ["requested_addr", o["yiaddr"]]])
    acks = [a for a in acks if a["msgtype"] == 5]
    return o, acks[0] if acks else None


def leases(srv):
    """{address: lease} of every lease srv holds."""
    r = srv.cmd("lease4-get-all")
    return {l["ip-address"]: l for l in r.get("arguments", {}).get("leases", [])}


def get(srv, ip):
    r = srv.cmd("lease4-get", {"ip-address": ip})
    return r["arguments"] if r["result"] == 0 else None


def check_invariant(servers, acked):
    """No address held by two clients across the servers; every acknowledged (address, client) on
    each of them."""
    held = [leases(s) for s in servers]
    owner = {}
    for h in held:
        for ip, l in h.items():
            if l["state"] == 0:
                assert owner.setdefault(ip, l["hw-address"]) == l["hw-address"], (ip, owner[ip], l)
    by_client = {}
    for ip, m in acked.items():
        assert by_client.setdefault(m, ip) == ip, (m, ip, by_client[m])
        for s, h in zip(servers, held):
            assert ip in h and h[ip]["hw-address"] == m, (s.name, ip, m, h.get(ip))


def heartbeat(srv):
    return srv.cmd("ha-heartbeat")["arguments"]


def test_reply_waits_for_the_partners_update(tlan, servers):
    """A DORA on the primary is on the standby before the client gets its ACK; with the standby
    stopped the ACK waits; RELEASE and DECLINE reach the standby too."""
    s1, s2 = servers("hot-standby", ["primary", "standby"])
    wait_states([s1, s2], ["hot-standby", "hot-standby"])
    assert "HA_LEASE_UPDATES_ENABLED lease updates will be sent to the partner while in HOT-STANDBY state" in \
        full_log(s1)
    acked = {}
    o, ack = dora(tlan, mac(1), 0x8100)
    assert ack, ha_log(s1)
    acked[ack["yiaddr"]] = mac(1)
    got = get(s2, ack["yiaddr"])      # asked the moment the ACK came: it is there already
    assert got and got["hw-address"] == mac(1), got
    mine = get(s1, ack["yiaddr"])
    assert got["cltt"] == mine["cltt"] and got["valid-lft"] == mine["valid-lft"] == 600, (got, mine)
    # the standby stopped: the primary holds the ACK until its partner answered
    s2.signal(19)
    try:
        o, ack = dora(tlan, mac(2), 0x8110, timeout=1.5)
        assert o and not ack
    finally:
        s2.signal(18)
    assert wait_for(lambda: get(s2, o["yiaddr"]), timeout=5)
    assert get(s1, o["yiaddr"])["hw-address"] == mac(2)
    acked[o["yiaddr"]] = mac(2)   # the ACK went once the standby answered
    check_invariant([s1, s2], acked)
    # RELEASE: lease4-del on the partner; DECLINE: the declined lease
    ip = o["yiaddr"]
    tlan.pkt.dhcp("release", chaddr=mac(2), xid=0x8120, ciaddr=ip, timeout=0.5,
                  options=[["server_id", "192.0.2.1"]])
    assert wait_for(lambda: get(s2, ip) is None, timeout=3), get(s2, ip)
    del acked[ip]
    o, ack = dora(tlan, mac(3), 0x8130)
    assert ack
    tlan.pkt.dhcp("decline", chaddr=mac(3), xid=0x8140, timeout=0.5,
                  options=[["server_id", "192.0.2.1"], ["requested_addr", ack["yiaddr"]]])
    assert wait_for(lambda: (get(s2, ack["yiaddr"]) or {}).get("state") == 1, timeout=3)
    check_invariant([s1, s2], acked)
    assert "HA_LEASE_UPDATE_" not in full_log(s1)


def test_standby_holds_every_lease_after_load(tlan, servers):
    """50 DORAs from nestor-perf: the standby holds each lease the primary gave, as the primary has
    it (same client, same expiry)."""
    s1, s2 = servers("hot-standby", ["primary", "standby"])
    wait_states([s1, s2], ["hot-standby", "hot-standby"])
    r = sh(*tlan.in_cli(PERF, "-l", tlan.cli_if, "-B", "-r", "200", "-n", "50", "-R", "50", "-b",
                        "mac=02:00:00:01:00:00", "--json"), check=False)
    res = json.loads(r.stdout)
    l1, l2 = leases(s1), leases(s2)
    assert len(l1) >= 45, (r.stdout, r.stderr)
    assert l1 == l2
    check_invariant([s1, s2], {ip: l["hw-address"] for ip, l in l1.items()})
    assert "HA_LEASE_UPDATE_" not in full_log(s1), ha_log(s1)
    assert res  # the run's figures parsed
