"""High availability's hub-and-spoke (Kea 2.6's syntax, beyond Kea 2.2): one hub in two
hot-standby relationships, the standby of two branch primaries, on the bridged LAN of three
server namespaces. Branch 1 (server1, 192.0.2.1) serves the LAN's subnet 1 (192.0.2.0/24, its
clients broadcast on the link); branch 2 (server3, 192.0.2.3) serves subnet 2 (10.10.20.0/24),
whose clients come through a relay (giaddr 10.10.20.1, played by the client namespace); the hub
(192.0.2.2) is "server2" in relationship 1 and "server4" in relationship 2 and has both subnets,
each mapped by user-context "ha-server-name". Leases go from each branch to the hub only; kill -9
of a branch puts the hub's relationship with it in partner-down (the other stays hot-standby) and
the hub serves that branch's subnet; the branch restarted synchronizes (its own subnet's leases
only) and both return to hot-standby. Heartbeats every second, max-response-delay 3 s."""
import copy
import json
import os
import shutil
import subprocess
import time

import pytest

from conftest import KEA, NESTOR, Server, basic_config, sh, subnet_config, wait_for
from test_ha_service import HOOKS, full_log, ha_log, transitions
from test_ha_updates import TrioLan, check_invariant, dora, get, lan_of, leases, mac

URLS = {"server1": "http://192.0.2.1:8001/", "server2": "http://192.0.2.2:8002/",
        "server3": "http://192.0.2.3:8003/", "server4": "http://192.0.2.2:8004/"}
HA = {"mode": "hot-standby", "heartbeat-delay": 1000, "max-response-delay": 3000, "max-ack-delay": 1000,
      "max-unacked-clients": 0, "send-lease-updates": True, "sync-leases": True}
RELAY, GIADDR = "192.0.2.254", "10.10.20.1"


def relationship(me, primary, standby):
    return dict(HA, **{"this-server-name": me, "peers": [
        {"name": primary, "url": URLS[primary], "role": "primary"},
        {"name": standby, "url": URLS[standby], "role": "standby"}]})


def subnet(n, name):
    if n == 1:
        return subnet_config(**{"user-context": {"ha-server-name": name}})
    return {"id": 2, "subnet": "10.10.20.0/24", "pools": [{"pool": "10.10.20.100 - 10.10.20.199"}],
            "option-data": [{"name": "routers", "data": GIADDR}], "user-context": {"ha-server-name": name}}


def config(rels, subnets):
    cfg = basic_config(subnet4=subnets)
    cfg["Dhcp4"]["hooks-libraries"] = [
        {"library": os.path.join(HOOKS, "libdhcp_lease_cmds.so")},
        {"library": os.path.join(HOOKS, "libdhcp_ha.so"), "parameters": {"high-availability": rels}}]
    return cfg


HUB = config([relationship("server2", "server1", "server2"), relationship("server4", "server3", "server4")],
             [subnet(1, "server1"), subnet(2, "server4")])
BRANCH1 = config([relationship("server1", "server1", "server2")], [subnet(1, "server1")])
BRANCH2 = config([relationship("server3", "server3", "server4")], [subnet(2, "server3")])


class RelayedTrio(TrioLan):
    """The trio's LAN with the client namespace as a relay agent for 10.10.20.0/24."""

    def __init__(self):
        super().__init__()
        sh("ip", "-n", self.cli_ns, "addr", "add", f"{RELAY}/24", "dev", self.cli_if)
        sh("ip", "-n", self.cli_ns, "addr", "add", f"{GIADDR}/24", "dev", self.cli_if)
        for s in self.sides:
            sh("ip", "-n", s.srv_ns, "route", "add", "10.10.20.0/24", "via", RELAY)


@pytest.fixture(scope="module")
def rlan():
    yield from lan_of(RelayedTrio)


@pytest.fixture
def trio(rlan):
    """branch1, hub, branch2: started."""
    made = [Server(side, copy.deepcopy(cfg), name=name)
            for side, cfg, name in zip(rlan.sides, (BRANCH1, HUB, BRANCH2), ("branch1", "hub", "branch2"))]
    for s in made:
        s.start()
    yield made
    for s in made:
        s.stop()
        shutil.rmtree(s.dir, ignore_errors=True)


def relayed_dora(lan, m, xid):
    """DORA through the relay (giaddr 10.10.20.1, broadcast to every server): (OFFER, ACK or None)."""
    relay = {"giaddr": GIADDR, "src": RELAY, "sport": 67}
    offers = lan.pkt.dhcp("discover", chaddr=m, xid=xid, timeout=2, **relay)
    if not offers:
        return None, None
    o = offers[0]
    # branch 1, which has no subnet for it, NAKs a relayed REQUEST as Kea does: wait for both
    replies = lan.pkt.dhcp("request", chaddr=m, xid=xid + 1, timeout=1.5, want=2, **relay,
                           options=[["server_id", o["options"]["server_id"]], ["requested_addr", o["yiaddr"]]])
    acks = [a for a in replies if a["msgtype"] == 5]
    return o, acks[0] if acks else None


def rels(srv):
    """Each relationship's local state in status-get's "high-availability"."""
    try:
        return [r["ha-servers"]["local"]["state"] for r in srv.cmd("status-get")["arguments"]["high-availability"]]
    except (OSError, KeyError, ValueError):
        return []


def wait_all(b1, hub, b2, want1, want_hub, want2, timeout=25):
    ok = wait_for(lambda: (rels(b1), rels(hub), rels(b2)) == ([want1], want_hub, [want2]), timeout=timeout)
    assert ok, ((rels(b1), rels(hub), rels(b2)), ha_log(b1), ha_log(hub), ha_log(b2))


def test_branches_serve_their_subnets_and_update_the_hub(rlan, trio):
    b1, hub, b2 = trio
    wait_all(b1, hub, b2, "hot-standby", ["hot-standby", "hot-standby"], "hot-standby")
    st = hub.cmd("status-get")["arguments"]["high-availability"]
    assert [(r["ha-mode"], r["ha-servers"]["local"]["server-name"], r["ha-servers"]["local"]["role"],
             r["ha-servers"]["remote"]["server-name"], r["ha-servers"]["remote"]["role"]) for r in st] == \
        [("hot-standby", "server2", "standby", "server1", "primary"),
         ("hot-standby", "server4", "standby", "server3", "primary")], st
    assert "server-name" not in b1.cmd("status-get")["arguments"]["high-availability"][0]["ha-servers"]["local"]
    acked1, acked2 = {}, {}
    for i in range(3):
        o, ack = dora(rlan, mac(0x100 + i), 0x9100 + 16 * i)
        assert ack and o["options"]["server_id"] == "192.0.2.1", (o, ha_log(b1))
        acked1[ack["yiaddr"]] = mac(0x100 + i)
        o, ack = relayed_dora(rlan, mac(0x200 + i), 0x9200 + 16 * i)
        assert ack and o["options"]["server_id"] == "192.0.2.3" and ack["yiaddr"].startswith("10.10.20."), \
            (o, ha_log(b2))
        acked2[ack["yiaddr"]] = mac(0x200 + i)
    # each branch's leases on the hub, and only there
    check_invariant([b1, hub], acked1)
    check_invariant([b2, hub], acked2)
    assert set(leases(b1)) == set(acked1) and set(leases(b2)) == set(acked2)
    assert set(leases(hub)) == set(acked1) | set(acked2)
    for s in trio:
        assert "HA_LEASE_UPDATE_" not in full_log(s), ha_log(s)
    # the HA commands pick a relationship by server-name (any peer name of it), else the first
    assert hub.cmd("ha-scopes", {"server-name": "server4", "scopes": ["server3"]})["result"] == 0
    assert hub.cmd("ha-heartbeat", {"server-name": "server3"})["arguments"]["scopes"] == ["server3"]
    assert hub.cmd("ha-heartbeat")["arguments"]["scopes"] == []
    assert hub.cmd("ha-heartbeat", {"server-name": "server1"})["arguments"]["scopes"] == []
    assert hub.cmd("ha-scopes", {"server-name": "server3", "scopes": []})["result"] == 0
    assert hub.cmd("ha-heartbeat", {"server-name": "server4"})["arguments"]["scopes"] == []
    r = hub.cmd("ha-heartbeat", {"server-name": "server9"})
    assert r == {"result": 1, "text": "server9 matches no configured 'server-name'"}, r
    r = hub.cmd("ha-scopes", {"server-name": 4, "scopes": []})
    assert r == {"result": 1, "text": "'server-name' must be a string in the 'ha-scopes' command"}, r
    r = hub.cmd("ha-sync", {"server-name": "server3"})
    assert r["result"] == 0, r
    assert "HA_SYNC_SUCCESSFUL lease database synchronization with server3 completed" in full_log(hub)
    assert set(leases(hub)) == set(acked1) | set(acked2)


def test_branch_killed_the_hub_takes_its_subnet_then_resyncs(rlan, trio):
    b1, hub, b2 = trio
    wait_all(b1, hub, b2, "hot-standby", ["hot-standby", "hot-standby"], "hot-standby")
    acked = {}
    for i in range(2):
        o, ack = dora(rlan, mac(0x300 + i), 0x9300 + 16 * i)
        acked[ack["yiaddr"]] = mac(0x300 + i)
        o, ack = relayed_dora(rlan, mac(0x400 + i), 0x9400 + 16 * i)
        acked[ack["yiaddr"]] = mac(0x400 + i)
    b1.proc.kill()
    b1.proc.wait()
    assert wait_for(lambda: rels(hub) == ["partner-down", "hot-standby"], timeout=10), (rels(hub), ha_log(hub))
    # the hub serves branch 1's subnet; branch 2 still serves its own, the hub leaves it alone
    for i in range(2, 4):
        o, ack = dora(rlan, mac(0x300 + i), 0x9300 + 16 * i)
        assert ack and o["options"]["server_id"] == "192.0.2.2", (o, ha_log(hub))
        acked[ack["yiaddr"]] = mac(0x300 + i)
        o, ack = relayed_dora(rlan, mac(0x400 + i), 0x9400 + 16 * i)
        assert ack and o["options"]["server_id"] == "192.0.2.3", (o, ha_log(hub))
        acked[ack["yiaddr"]] = mac(0x400 + i)
    assert hub.cmd("ha-heartbeat", {"server-name": "server1"})["arguments"]["unsent-update-count"] == 2
    assert hub.cmd("ha-heartbeat", {"server-name": "server4"})["arguments"]["state"] == "hot-standby"
    assert rels(b2) == ["hot-standby"]
    # branch 1 back: syncing from the hub (its subnet's leases only), then hot-standby everywhere
    b1.start()
    wait_all(b1, hub, b2, "hot-standby", ["hot-standby", "hot-standby"], "hot-standby")
    assert ("WAITING", "SYNCING", "PARTNER-DOWN") in transitions(b1), transitions(b1)
    assert "HA_SYNC_SUCCESSFUL lease database synchronization with server2 completed" in full_log(b1)
    mine = {ip: m for ip, m in acked.items() if ip.startswith("192.0.2.")}
    assert set(leases(b1)) == set(mine), (leases(b1), mine)
    check_invariant([b1, hub], mine)
    check_invariant([b2, hub], {ip: m for ip, m in acked.items() if ip.startswith("10.10.20.")})
    assert ("PARTNER-DOWN", "HOT-STANDBY") in [t[:2] for t in transitions(hub)], transitions(hub)
    o, ack = dora(rlan, mac(0x310), 0x9380)     # branch 1 serves again, its lease on the hub
    assert ack and o["options"]["server_id"] == "192.0.2.1" and get(hub, ack["yiaddr"])


HAVE_KEA_HA = all(os.path.exists(p) for p in (KEA, os.path.join(HOOKS, "libdhcp_ha.so")))


@pytest.mark.skipif(not HAVE_KEA_HA, reason="kea-dhcp4 2.2 with the HA hook is not installed")
def test_kea_branch_reaches_its_own_relationship(rlan):
    """kea-dhcp4 2.2 as branch 2 (server3, its dedicated listener): it sends its HA commands
    without "server-name" to the hub's second relationship's URL, whose listener names that
    relationship (without it they would reach the first). Its leases go to the hub; killed, the hub
    takes its subnet in that relationship only; restarted, it synchronizes from the hub and the
    pair is back in hot-standby with every lease."""
    kea_cfg = copy.deepcopy(BRANCH2)
    kea_cfg["Dhcp4"]["multi-threading"] = {"enable-multi-threading": True, "thread-pool-size": 2,
                                           "packet-queue-size": 16}
    kea_cfg["Dhcp4"]["hooks-libraries"][1]["parameters"]["high-availability"][0]["multi-threading"] = {
        "enable-multi-threading": True, "http-dedicated-listener": True, "http-listener-threads": 2,
        "http-client-threads": 2}
    made = [Server(side, copy.deepcopy(cfg), binary=binary, name=name) for side, cfg, binary, name in
            zip(rlan.sides, (BRANCH1, HUB, kea_cfg), (None, None, KEA), ("branch1", "hub", "kea"))]
    b1, hub, kea = made
    try:
        for srv in made:
            srv.start()
        wait_all(b1, hub, kea, "hot-standby", ["hot-standby", "hot-standby"], "hot-standby", timeout=30)
        acked = {}
        for i in range(2):
            o, ack = relayed_dora(rlan, mac(0x800 + i), 0x9800 + 16 * i)
            assert ack and o["options"]["server_id"] == "192.0.2.3", (o, ha_log(hub))
            acked[ack["yiaddr"]] = mac(0x800 + i)
            assert get(hub, ack["yiaddr"])["hw-address"] == mac(0x800 + i)
        o, ack = dora(rlan, mac(0x810), 0x9880)
        assert ack and o["options"]["server_id"] == "192.0.2.1"
        kea.proc.kill()
        kea.proc.wait()
        assert wait_for(lambda: rels(hub) == ["hot-standby", "partner-down"], timeout=10), (rels(hub), ha_log(hub))
        assert rels(b1) == ["hot-standby"]
        for i in range(2, 4):
            o, ack = relayed_dora(rlan, mac(0x800 + i), 0x9800 + 16 * i)
            assert ack and o["options"]["server_id"] == "192.0.2.2", (o, ha_log(hub))
            acked[ack["yiaddr"]] = mac(0x800 + i)
        kea.start()
        wait_all(b1, hub, kea, "hot-standby", ["hot-standby", "hot-standby"], "hot-standby", timeout=40)
        assert "HA_SYNC_SUCCESSFUL" in full_log(kea)
        check_invariant([kea, hub], acked)
        o, ack = relayed_dora(rlan, mac(0x820), 0x98c0)
        assert ack and o["options"]["server_id"] == "192.0.2.3" and get(hub, ack["yiaddr"])
    finally:
        for srv in made:
            srv.stop()
            shutil.rmtree(srv.dir, ignore_errors=True)


def test_maintenance_of_every_relationship(rlan, trio):
    """ha-maintenance-start on the hub: both branches in-maintenance (the hub serves both
    subnets), then ha-maintenance-cancel returns everything to hot-standby."""
    b1, hub, b2 = trio
    wait_all(b1, hub, b2, "hot-standby", ["hot-standby", "hot-standby"], "hot-standby")
    r = hub.cmd("ha-maintenance-start")
    assert r["result"] == 0 and "partner-in-maintenance" in r["text"], r
    assert rels(hub) == ["partner-in-maintenance", "partner-in-maintenance"]
    assert rels(b1) == ["in-maintenance"] and rels(b2) == ["in-maintenance"]
    o, ack = dora(rlan, mac(0x500), 0x9500)
    assert ack and o["options"]["server_id"] == "192.0.2.2", o
    o, ack = relayed_dora(rlan, mac(0x501), 0x9510)
    assert ack and o["options"]["server_id"] == "192.0.2.2", o
    r = hub.cmd("ha-maintenance-cancel")
    assert r == {"result": 0, "text": "Server maintenance successfully canceled."}, r
    wait_all(b1, hub, b2, "hot-standby", ["hot-standby", "hot-standby"], "hot-standby")


def load_balancing(rel):
    rel["mode"] = "load-balancing"
    rel["peers"][1]["role"] = "secondary"


@pytest.mark.parametrize("change, want", [
    (lambda c: c["Dhcp4"]["hooks-libraries"][1]["parameters"]["high-availability"][1]["peers"][0].update(
        {"name": "server1"}), "peer name 'server1' is also in relationship 0"),
    (lambda c: c["Dhcp4"]["hooks-libraries"][1]["parameters"]["high-availability"][1]["peers"][1].update(
        {"url": "http://192.0.2.2:8002/"}), "is also the url of peer 'server2' in relationship 0"),
    (lambda c: load_balancing(c["Dhcp4"]["hooks-libraries"][1]["parameters"]["high-availability"][1]),
     "relationship 1 is in mode 'load-balancing'"),
])
def test_hub_configuration_errors(tmp_path, change, want):
    cfg = copy.deepcopy(HUB)
    change(cfg)
    path = tmp_path / "hub.json"
    path.write_text(json.dumps(cfg))
    r = subprocess.run([NESTOR, "-t", str(path)], capture_output=True, text=True)
    assert r.returncode == 1 and want in r.stderr and str(path) in r.stderr, r.stderr


def test_subnet_without_relationship_loads_and_its_queries_are_dropped(rlan, tmp_path):
    """As Kea 2.6: a hub whose subnet names no peer (or has no ha-server-name, or a bad one)
    loads, warns of the subnet when HA starts, and drops that subnet's queries (counted in
    pkt4-receive-drop, logged with Kea 2.6's message) while it serves its mapped subnet."""
    cfg = copy.deepcopy(HUB)
    cfg["Dhcp4"]["subnet4"][0]["user-context"]["ha-server-name"] = "server9"
    for bad in ({}, {"ha-server-name": 7}):
        c = copy.deepcopy(HUB)
        c["Dhcp4"]["subnet4"][0]["user-context"] = bad
        path = tmp_path / "hub.json"
        path.write_text(json.dumps(c))
        r = subprocess.run([NESTOR, "-t", str(path)], capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
    hub = Server(rlan.sides[1], cfg, name="hub")
    try:
        hub.start()
        assert wait_for(lambda: "HA_CONFIG_SUBNET_WITHOUT_RELATIONSHIP" in full_log(hub), timeout=5)
        assert "subnet 1 (192.0.2.0/24) has no high-availability relationship (ha-server-name names no peer)" \
            in full_log(hub), ha_log(hub)
        assert wait_for(lambda: rels(hub) == ["partner-down", "partner-down"], timeout=15), (rels(hub), ha_log(hub))
        o, ack = relayed_dora(rlan, mac(0x700), 0x9700)     # the mapped subnet is served
        assert ack and o["options"]["server_id"] == "192.0.2.2", ha_log(hub)
        o, ack = dora(rlan, mac(0x701), 0x9710, timeout=1, tries=1)  # subnet 1's query is dropped
        assert o is None
        log = full_log(hub)
        assert "HA_SUBNET4_SELECT_NO_RELATIONSHIP_FOR_SUBNET" in log and "HA relationship not found for server9" in log
        st = hub.cmd("statistic-get", {"name": "pkt4-receive-drop"})["arguments"]["pkt4-receive-drop"]
        assert st[0][0] >= 1, st
    finally:
        hub.stop()
        shutil.rmtree(hub.dir, ignore_errors=True)


def test_reconfigured_from_a_hub_to_one_relationship_and_to_none(rlan):
    """A hub whose relationships keep the service off (waiting: no branch answers) reconfigured
    with one relationship serves once that one is in partner-down (no origin of the hub's second
    relationship stays behind), and without HA at once."""
    hub = Server(rlan.sides[1], copy.deepcopy(HUB), name="hub")
    try:
        hub.start()
        assert wait_for(lambda: rels(hub) == ["waiting", "waiting"], timeout=5), rels(hub)
        single = hub.complete(config([relationship("server2", "server1", "server2")], [subnet(1, "server1")]))
        r = hub.cmd("config-set", single)
        assert r["result"] == 0, r
        assert wait_for(lambda: rels(hub) == ["partner-down"], timeout=15), (rels(hub), ha_log(hub))
        o, ack = dora(rlan, mac(0x600), 0x9600)
        assert ack and o["options"]["server_id"] == "192.0.2.2", ha_log(hub)
        assert hub.cmd("config-set", hub.complete(copy.deepcopy(HUB)))["result"] == 0   # waiting in both
        assert wait_for(lambda: rels(hub) == ["waiting", "waiting"], timeout=5), rels(hub)
        none = hub.complete(basic_config(subnet4=[subnet(1, "server1")]))
        assert hub.cmd("config-set", none)["result"] == 0
        o, ack = dora(rlan, mac(0x601), 0x9610)
        assert ack and o["options"]["server_id"] == "192.0.2.2"
    finally:
        hub.stop()
        shutil.rmtree(hub.dir, ignore_errors=True)
