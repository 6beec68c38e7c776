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
import time
import warnings

import pytest

from conftest import BUILD, KEA, Server, sh, wait_for
from test_ha_service import (HAVE_KEA, BridgedLan, KeaWithAgent, Side, fail_over, full_log, ha_config, ha_log,
                             lan_of, lb_hash, state, transitions, wait_states)

PERF = os.path.join(BUILD, "src", "perf", "nestor-perf")
UPD = {"send-lease-updates": True, "sync-leases": True}


class TrioLan(BridgedLan):
    """The bridged LAN with a third server namespace (192.0.2.3) for a backup server."""

    def __init__(self):
        super().__init__()
        self.add_side(3)

    def add_side(self, n):
        """Server namespace n (192.0.2.n) on bridge port b<n>."""
        side = Side(str(os.getpid() % 100000), n, f"192.0.2.{n}")
        sh("ip", "netns", "add", side.srv_ns)
        sh("ip", "-n", side.srv_ns, "link", "set", "lo", "up")
        sh("ip", "link", "add", side.srv_if, "netns", side.srv_ns, "type", "veth", "peer", "name", f"b{n}", "netns",
           self.br_ns)
        sh("ip", "-n", self.br_ns, "link", "set", f"b{n}", "master", "br0", "up")
        sh("ip", "-n", side.srv_ns, "addr", "add", f"{side.server_ip}/24", "dev", side.srv_if)
        sh("ip", "-n", side.srv_ns, "link", "set", side.srv_if, "up")
        self.sides.append(side)


@pytest.fixture(scope="module")
def tlan():
    yield from lan_of(TrioLan)


PEER_URLS = ["http://192.0.2.1:8001/", "http://192.0.2.2:8002/", "http://192.0.2.3:8003/"]


@pytest.fixture
def servers(tlan):
    """servers(mode, roles, binaries=..., tweak=None, **ha): one server per role (server1 on .1, ...),
    started; tweak(i, config) may change server i's configuration first; a kea-dhcp4 gets a
    kea-ctrl-agent at its URL unless agent is false."""
    made = []

    def make(mode, roles, binaries=None, tweak=None, start=True, agent=True, **ha):
        binaries = binaries or [None] * len(roles)
        peers = [{"name": f"server{i + 1}", "url": PEER_URLS[i], "role": r} for i, r in enumerate(roles)]
        out = []
        for i, side in enumerate(tlan.sides[:len(roles)]):
            cfg = ha_config(mode, f"server{i + 1}", roles, peers=peers, **{**UPD, **ha})
            if tweak:
                tweak(i, cfg)
            srv = Server(side, cfg, binary=binaries[i], name=f"server{i + 1}")
            if binaries[i] == KEA and agent:
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
        if not os.environ.get("NESTOR_KEEP_DIRS"):
            shutil.rmtree(s.dir, ignore_errors=True)


def mac(i):
    return "02:00:00:00:%02x:%02x" % (i >> 8, i & 0xff)


def dora(lan, m, xid, timeout=2, tries=2):
    """DISCOVER then REQUEST for client m: (the OFFER, the ACK or None). Each message unanswered
    within timeout is sent again (same xid) up to tries times in all, as a client retransmits:
    one lost frame on a loaded machine is not a server's fault. A test that expects a REQUEST to
    go unanswered, and counts what each attempt does, passes tries=1."""
    def exchange(msg, **kw):
        for attempt in range(tries):
            got = lan.pkt.dhcp(msg, chaddr=m, timeout=timeout, **kw)
            if got:
                return got
            if attempt + 1 < tries:
                warnings.warn(f"{msg} of {m} (xid {kw['xid']:#x}) unanswered in {timeout} s, sent again")
        return []
    offers = exchange("discover", xid=xid)
    if not offers:
        return None, None
    o = offers[0]
    acks = exchange("request", xid=xid + 1,
                    options=[["server_id", o["options"]["server_id"]], ["requested_addr", o["yiaddr"]]])
    acks = [a for a in acks if a["msgtype"] == 5]
    return o, acks[0] if acks else None


def serve(lan, srv, base, indices, acked):
    """A DORA for each client mac(base + i), each acknowledged (srv's HA log otherwise) and
    recorded in acked {address: client}."""
    for i in indices:
        o, ack = dora(lan, mac(base + i), 0x80000 + 16 * (base + i))
        assert ack, ha_log(srv)
        acked[ack["yiaddr"]] = mac(base + i)


def kill_partner(survivor, victim, timeout=8):
    """kill -9 of victim; survivor goes to partner-down."""
    victim.proc.kill()
    victim.proc.wait()
    wait_states([survivor], ["partner-down"], timeout=timeout)


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
        o, ack = dora(tlan, mac(2), 0x8110, timeout=1.5, tries=1)
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
    assert ack, ha_log(s1)
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


def test_partner_down_stops_updates_and_a_restart_syncs(tlan, servers):
    """The standby killed: the primary (partner-down) answers without waiting and counts its unsent
    updates; the standby restarted pulls them (syncing) before both return to hot-standby."""
    s1, s2 = servers("hot-standby", ["primary", "standby"])
    wait_states([s1, s2], ["hot-standby", "hot-standby"])
    acked = {}
    for i in range(3):
        o, ack = dora(tlan, mac(0x300 + i), 0x8300 + 16 * i)
        acked[ack["yiaddr"]] = mac(0x300 + i)
    s2.proc.kill()
    s2.proc.wait()
    wait_states([s1], ["partner-down"], timeout=8)
    assert "HA_LEASE_UPDATES_DISABLED lease updates will not be sent to the partner while in PARTNER-DOWN state" \
        in full_log(s1)
    for i in range(3, 6):
        o, ack = dora(tlan, mac(0x300 + i), 0x8300 + 16 * i)
        assert ack, ha_log(s1)
        acked[ack["yiaddr"]] = mac(0x300 + i)
    assert heartbeat(s1)["unsent-update-count"] == 3
    s2.start()
    wait_states([s1, s2], ["hot-standby", "hot-standby"], timeout=20)
    assert ("WAITING", "SYNCING", "PARTNER-DOWN") in transitions(s2) and \
        ("SYNCING", "READY", "PARTNER-DOWN") in transitions(s2), transitions(s2)
    log2 = full_log(s2)
    assert "HA_SYNC_START starting lease database synchronization with server1" in log2
    assert "HA_LEASES_SYNC_LEASE_PAGE_RECEIVED received 6 leases from server1" in log2
    assert "HA_SYNC_SUCCESSFUL lease database synchronization with server1 completed successfully in" in log2
    assert leases(s1) == leases(s2)
    check_invariant([s1, s2], acked)
    o, ack = dora(tlan, mac(0x306), 0x8370)   # the primary serves again: the sync gave its service back
    assert ack and get(s2, ack["yiaddr"])


def test_ha_sync_command(tlan, servers):
    """ha-sync pages by sync-page-limit, adds what is absent, replaces only older leases (cltt);
    its argument errors are Kea's; a peer that is gone fails it."""
    s1, s2 = servers("hot-standby", ["primary", "standby"], **{"sync-page-limit": 3})
    wait_states([s1, s2], ["hot-standby", "hot-standby"])
    # lease commands are not sent to the partner (Kea: they are no leases4_committed)
    for i in range(7):
        assert s1.cmd("lease4-add", {"ip-address": f"192.0.2.{20 + i}", "hw-address": mac(0x400 + i)})["result"] == 0
    now = int(time.time())
    # .40: the standby's is newer and stays; .41: the standby's is older and is replaced
    for srv, ip, m, expire in ((s1, "192.0.2.40", mac(0x410), now + 1000), (s2, "192.0.2.40", mac(0x411), now + 2000),
                               (s1, "192.0.2.41", mac(0x412), now + 2000), (s2, "192.0.2.41", mac(0x413), now + 1000)):
        assert srv.cmd("lease4-add", {"ip-address": ip, "hw-address": m, "expire": expire,
                                      "valid-lft": 600})["result"] == 0
    assert get(s2, "192.0.2.20") is None
    for args, text in ((None, "arguments not found in the 'ha-sync' command"),
                       ({"server-name": 1}, "'server-name' must be a string in the 'ha-sync' command"),
                       ({"max-period": 5}, "'server-name' is mandatory for the 'ha-sync' command"),
                       ({"server-name": "server1", "max-period": 0},
                        "'max-period' must be a positive integer in the 'ha-sync' command"),
                       ({"server-name": "server9"}, "no configuration specified for server server9")):
        assert s2.cmd("ha-sync", args) == {"result": 1, "text": text}, args
    before = len(full_log(s2))
    r = s2.cmd("ha-sync", {"server-name": "server1", "max-period": 5})
    assert r == {"result": 0, "text": "Lease database synchronization complete."}, r
    log2 = full_log(s2)[before:]
    pages = [l for l in log2.splitlines() if "HA_LEASES_SYNC_LEASE_PAGE_RECEIVED" in l]
    assert [l.split("received ")[1] for l in pages] == ["3 leases from server1"] * 3 + ["0 leases from server1"]
    l1, l2 = leases(s1), leases(s2)
    assert set(l1) == set(l2)
    assert l2["192.0.2.40"]["hw-address"] == mac(0x411) and l2["192.0.2.41"]["hw-address"] == mac(0x412)
    assert all(l1[ip] == l2[ip] for ip in l1 if ip != "192.0.2.40")
    # the primary's service is back (ha-sync-complete-notify)
    o, ack = dora(tlan, mac(0x420), 0x8420)
    assert ack and get(s2, ack["yiaddr"])
    # a peer that is gone: the answer says why
    s1.proc.kill()
    s1.proc.wait()
    r = s2.cmd("ha-sync", {"server-name": "server1"})
    assert r["result"] == 1 and r["text"], r
    assert "HA_SYNC_FAILED lease database synchronization with server1 failed" in full_log(s2)


def test_failed_update_drops_the_reply(tlan, servers):
    """The standby's lease store refuses the lease (no subnet 1 there): the primary drops its ACK,
    as Kea; a standby that is gone (connection refused) drops it too until partner-down."""
    def tweak(i, cfg):
        if i == 1:
            cfg["Dhcp4"]["subnet4"][0]["id"] = 2
    s1, s2 = servers("hot-standby", ["primary", "standby"], tweak=tweak)
    wait_states([s1, s2], ["hot-standby", "hot-standby"])
    o, ack = dora(tlan, mac(0x500), 0x8500, tries=1)
    assert o and not ack
    assert wait_for(lambda: "HA_LEASE_UPDATE_FAILED" in full_log(s1), timeout=3)
    assert "lease update to server2 (http://192.0.2.2:8002/) failed: Invalid subnet-id" in full_log(s1), ha_log(s1)
    assert get(s2, o["yiaddr"]) is None and get(s1, o["yiaddr"])
    s2.proc.kill()
    s2.proc.wait()
    o, ack = dora(tlan, mac(0x501), 0x8510, timeout=1, tries=1)
    assert o and not ack
    assert "HA_LEASE_UPDATE_COMMUNICATIONS_FAILED" in full_log(s1)
    wait_states([s1], ["partner-down"], timeout=8)
    o, ack = dora(tlan, mac(0x502), 0x8520)
    assert ack, ha_log(s1)


LB_POOLS = [{"pool": "192.0.2.100 - 192.0.2.149", "client-class": "HA_server1"},
            {"pool": "192.0.2.150 - 192.0.2.199", "client-class": "HA_server2"}]


def test_load_balancing_with_a_backup(tlan, servers):
    """Load-balancing pair plus a backup server: each lease is on all three."""
    s1, s2, s3 = servers("load-balancing", ["primary", "secondary", "backup"], pools=LB_POOLS)
    wait_states([s1, s2, s3], ["load-balancing", "load-balancing", "backup"])
    acked, by = {}, set()
    for i in range(12):
        o, ack = dora(tlan, mac(0x600 + i), 0x8600 + 16 * i)
        assert ack, i
        acked[ack["yiaddr"]] = mac(0x600 + i)
        by.add(ack["src"])
    assert by == {"192.0.2.1", "192.0.2.2"}
    check_invariant([s1, s2, s3], acked)
    assert len(leases(s3)) == 12


def lb_mine(m, server):
    return lb_hash(bytes.fromhex(m.replace(":", ""))) % 2 == server


@pytest.mark.parametrize("limit", [10, 2])
def test_communication_recovery_backlog(tlan, servers, limit):
    """Load-balancing, the secondary killed: the primary goes to communication-recovery and answers
    at once, queueing its updates; the secondary back, the backlog goes before load-balancing
    (limit 10), or it overflowed (limit 2) and the primary goes through waiting (ha-reset) and the
    pair resynchronizes."""
    s1, s2 = servers("load-balancing", ["primary", "secondary"], pools=LB_POOLS,
                     **{"delayed-updates-limit": limit, "max-unacked-clients": 10, "sync-leases": limit == 2})
    wait_states([s1, s2], ["load-balancing", "load-balancing"])
    s2.proc.kill()
    s2.proc.wait()
    wait_states([s1], ["communication-recovery"], timeout=5)
    acked = {}
    macs = [m for m in (mac(0x700 + i) for i in range(40)) if lb_mine(m, 0)][:3]
    for i, m in enumerate(macs):
        o, ack = dora(tlan, m, 0x8700 + 16 * i)
        assert ack, ha_log(s1)
        acked[ack["yiaddr"]] = m
    s2.start()
    wait_states([s1, s2], ["load-balancing", "load-balancing"], timeout=25)
    log1 = full_log(s1)
    if limit == 10:
        assert "HA_LEASES_BACKLOG_START starting to send 3 outstanding lease updates to server2" in log1
        assert "HA_LEASES_BACKLOG_SUCCESS sending lease updates backlog to server2 successful in" in log1
        assert ("COMMUNICATION-RECOVERY", "LOAD-BALANCING", "LOAD-BALANCING") in transitions(s1), transitions(s1)
    else:
        assert "HA_LEASES_BACKLOG_START" not in log1
        assert ("COMMUNICATION-RECOVERY", "WAITING") in [t[:2] for t in transitions(s1)], transitions(s1)
    check_invariant([s1, s2], acked)


@pytest.mark.skipif(not HAVE_KEA, reason="kea-dhcp4 2.2 with the HA hook and kea-ctrl-agent are not installed")
@pytest.mark.parametrize("kea_role", ["standby", "primary"])
def test_kea_partner_updates_and_sync(tlan, servers, kea_role):
    """kea-dhcp4 2.2 (through kea-ctrl-agent) as the standby or the primary: the primary's leases
    are on the standby at once; the primary killed, the standby serves in partner-down; the primary
    restarted pulls the standby's leases (syncing); ha-sync works both ways."""
    binaries = [None, KEA] if kea_role == "standby" else [KEA, None]
    s1, s2 = servers("hot-standby", ["primary", "standby"], binaries=binaries)
    wait_states([s1, s2], ["hot-standby", "hot-standby"], timeout=30)
    acked = {}
    for i in range(3):
        o, ack = dora(tlan, mac(0x800 + i), 0x8800 + 16 * i)
        assert ack and ack["src"] == "192.0.2.1", ha_log(s1)
        acked[ack["yiaddr"]] = mac(0x800 + i)
        assert get(s2, ack["yiaddr"])["hw-address"] == mac(0x800 + i)
    fail_over(tlan, s1, s2, [mac(0x810 + i) for i in range(3)], 0x8900)
    for i in range(3):
        o, ack = dora(tlan, mac(0x820 + i), 0x8a00 + 16 * i)
        assert ack and ack["src"] == "192.0.2.2", ha_log(s2)
        acked[ack["yiaddr"]] = mac(0x820 + i)
    s1.start()
    wait_states([s1, s2], ["hot-standby", "hot-standby"], timeout=40)
    assert full_log(s1).count("HA_SYNC_SUCCESSFUL lease database synchronization with server2") >= 2, ha_log(s1)
    check_invariant([s1, s2], acked)
    # and ha-sync, each asking the other
    for a, b in ((s1, "server2"), (s2, "server1")):
        r = a.cmd("ha-sync", {"server-name": b})
        assert r == {"result": 0, "text": "Lease database synchronization complete."}, (a.name, r)
    o, ack = dora(tlan, mac(0x830), 0x8b00)
    assert ack and ack["src"] == "192.0.2.1"
    acked[ack["yiaddr"]] = mac(0x830)
    check_invariant([s1, s2], acked)


@pytest.mark.parametrize("wait_ack", [True, False])
def test_passive_backup_and_wait_backup_ack(tlan, servers, wait_ack):
    """passive-backup: the primary updates both backups; with wait-backup-ack a backup that is gone
    drops the reply, without it the reply goes at once."""
    s1, b1, b2 = servers("passive-backup", ["primary", "backup", "backup"], **{"wait-backup-ack": wait_ack})
    wait_states([s1, b1, b2], ["passive-backup", "backup", "backup"], timeout=5)
    acked = {}
    o, ack = dora(tlan, mac(0x900), 0x8c00)
    assert ack, ha_log(s1)
    acked[ack["yiaddr"]] = mac(0x900)
    check_invariant([s1, b1, b2], acked)
    b2.proc.kill()
    b2.proc.wait()
    o, ack = dora(tlan, mac(0x901), 0x8c10, timeout=1, tries=1)
    assert bool(ack) != wait_ack
    assert wait_for(lambda: get(b1, o["yiaddr"]), timeout=3)
    # without wait-backup-ack the reply may go before the dead backup's connection failed
    assert wait_for(lambda: "HA_LEASE_UPDATE_COMMUNICATIONS_FAILED" in full_log(s1), timeout=3)
    assert state(s1) == "passive-backup"


def test_updates_disabled(tlan, servers):
    """send-lease-updates false: nothing reaches the standby, nothing waits."""
    s1, s2 = servers("hot-standby", ["primary", "standby"], **{"send-lease-updates": False, "sync-leases": False})
    wait_states([s1, s2], ["hot-standby", "hot-standby"])
    o, ack = dora(tlan, mac(0xa00), 0x8d00)
    assert ack and get(s2, ack["yiaddr"]) is None
    assert "HA_CONFIG_LEASE_UPDATES_DISABLED_REMINDER lease updates are administratively disabled and will not be " \
           "generated while in HOT-STANDBY state" in full_log(s1)


def test_conflicting_updates_are_rejected_and_counted(tlan, servers):
    """Beyond Kea 2.2 (Kea 2.4's max-rejected-lease-updates): the standby holds .100-.102 for
    other clients (lease commands are not sent to the partner), so the primary's updates for them
    are refused as conflicts (result 4). The ACK is dropped, no address goes to two clients, the
    partner stays available and the pair in hot-standby; a client rejected again is counted once;
    the second distinct client makes the primary terminate (limit 2)."""
    s1, s2 = servers("hot-standby", ["primary", "standby"], **{"max-rejected-lease-updates": 2})
    wait_states([s1, s2], ["hot-standby", "hot-standby"])
    for i in range(3):
        assert s2.cmd("lease4-add", {"ip-address": f"192.0.2.{100 + i}", "hw-address": mac(0x900 + i),
                                     "valid-lft": 3600})["result"] == 0
    # an operator's lease4-update (no "origin") still overwrites, as Kea's
    assert s2.cmd("lease4-update", {"ip-address": "192.0.2.102", "hw-address": mac(0x910),
                                    "valid-lft": 3600})["result"] == 0
    # a partner's is refused while another client holds the address
    r = s2.cmd("lease4-update", {"ip-address": "192.0.2.102", "hw-address": mac(0x911), "valid-lft": 3600,
                                 "force-create": True, "origin": "ha-partner"})
    assert r["result"] == 4 and "192.0.2.102 is leased to another client (hw-address %s)" % mac(0x910) in r["text"], r
    for attempt in range(2):   # the same client twice: one rejected client
        o, ack = dora(tlan, mac(0x920), 0x8920 + 16 * attempt, tries=1)
        assert o and o["yiaddr"] == "192.0.2.100" and not ack, (o, ack)
    assert wait_for(lambda: full_log(s1).count("HA_LEASE_UPDATE_CONFLICT") == 2, timeout=3), ha_log(s1)
    assert "192.0.2.100: lease update to server2 (http://192.0.2.2:8002/) returned conflict status code: " \
           "conflict: address 192.0.2.100 is leased to another client" in full_log(s1)
    assert get(s2, "192.0.2.100")["hw-address"] == mac(0x900)
    time.sleep(1.5)   # heartbeats go on: the partner was never unavailable, nothing changed state
    assert [state(s) for s in (s1, s2)] == ["hot-standby", "hot-standby"]
    assert "HA_LEASE_UPDATE_FAILED" not in full_log(s1) and "PARTNER-DOWN" not in full_log(s1)
    o, ack = dora(tlan, mac(0x921), 0x8960, tries=1)
    assert o and o["yiaddr"] in ("192.0.2.101", "192.0.2.102") and not ack, (o, ack)
    wait_states([s1], ["terminated"], timeout=3)
    assert "HA_LEASE_UPDATE_REJECTS_CAUSED_TERMINATION too many rejected lease updates cause the HA service " \
           "to terminate" in full_log(s1)
    # the standby's clients kept their addresses; the primary's stored but unacknowledged leases
    # (as Kea, the store is written before the update) were given to nobody
    assert [get(s2, f"192.0.2.{100 + i}")["hw-address"] for i in range(3)] == [mac(0x900), mac(0x901), mac(0x910)]
