"""High availability's fault scenarios (issue 11, "Tests"): a hung peer (SIGSTOP), a partition
(the bridge port down) and its heal, kill -9 of each load-balancing role and of a backup, a
skewed clock and bad answers from a peer (a fake partner answering like Kea's Control Agent),
malformed HA commands, and four servers (a load-balancing pair and two backups). Servers on
the bridged LAN of test_ha_updates with a fourth server namespace (192.0.2.4). After every fault
the invariant of test_ha_updates.check_invariant: no address held by two clients, every
acknowledged lease on each server the mode promises it on. Heartbeats every second,
max-response-delay 3 s, max-ack-delay 1 s; a heartbeat a hung peer does not answer fails after
10 s (Kea's request timeout), so a hung or cut-off peer is seen unavailable about 10 s after."""
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time

import pytest

from conftest import BUILD, KEA, Server, sh, wait_for
from test_ha_service import answering, full_log, ha_config, ha_local, ha_log, lan_of, state, wait_states
from test_ha_updates import LB_POOLS, UPD, TrioLan, check_invariant, dora, get, heartbeat, leases, lb_mine, mac

PERF = os.path.join(BUILD, "src", "perf", "nestor-perf")
HERE = os.path.dirname(os.path.abspath(__file__))


class QuadLan(TrioLan):
    """The trio's bridged LAN with a fourth server namespace (192.0.2.4, bridge port b4). Bridge
    ports: b0 server1, b1 server2, b2 the clients, b3 server3, b4 server4."""

    def __init__(self):
        super().__init__()
        self.add_side(4)

    def port(self, i):
        """The bridge port of server i (0-based)."""
        return f"b{i if i < 2 else i + 1}"

    def cut(self, i, up=False):
        sh("ip", "-n", self.br_ns, "link", "set", self.port(i), "up" if up else "down")


@pytest.fixture(scope="module")
def qlan():
    yield from lan_of(QuadLan)


def url(i):
    return f"http://192.0.2.{i + 1}:800{i + 1}/"


FAST = {"max-unacked-clients": 1}


@pytest.fixture
def servers(qlan):
    """servers(mode, roles, skip=(), **ha): one server per role (server1 on .1, ...), started, but
    for the indexes in skip (a fake partner stands there)."""
    made = []

    def make(mode, roles, skip=(), **ha):
        peers = [{"name": f"server{i + 1}", "url": url(i), "role": r} for i, r in enumerate(roles)]
        out = []
        for i, side in enumerate(qlan.sides[:len(roles)]):
            if i in skip:
                out.append(None)
                continue
            cfg = ha_config(mode, f"server{i + 1}", roles, peers=peers, **{**UPD, **FAST, **ha})
            srv = Server(side, cfg, name=f"server{i + 1}")
            made.append(srv)
            out.append(srv.start())
        return out
    yield make
    for s in made:
        s.stop()
        shutil.rmtree(s.dir, ignore_errors=True)


def doras(lan, first, count, xid, want_from=None):
    """count DORAs for clients mac(first)...; {address: client} of the ACKed ones (each must be
    ACKed, by want_from if given)."""
    acked = {}
    for i in range(count):
        m = mac(first + i)
        o, ack = dora(lan, m, xid + 16 * i)
        assert ack, (m, o)
        assert want_from is None or ack["src"] == want_from, (m, ack["src"])
        acked[ack["yiaddr"]] = m
    return acked


def fail_over_clients(lan, first, xid):
    """Three clients (mac(first)...) saying they tried for 10 s, twice: more unacked clients than
    max-unacked-clients (1)."""
    answering(lan, [mac(first + i) for i in range(3)], secs=10, xid=xid)


def remote(srv):
    return srv.cmd("status-get")["arguments"]["high-availability"][0]["ha-servers"]["remote"]


# ---- a hung peer ----

@pytest.mark.parametrize("hung", [0, 1], ids=["primary", "standby"])
def test_hung_peer(qlan, servers, hung):
    """SIGSTOP of one side of a hot-standby pair: its alive socket answers nothing, the survivor's
    heartbeat times out and it goes to partner-down (the standby once more than one client
    said it tried for longer than max-ack-delay, the primary at once) and serves; SIGCONT: the
    stopped side syncs and both return to hot-standby with every acknowledged lease."""
    s = servers("hot-standby", ["primary", "standby"])
    wait_states(s, ["hot-standby", "hot-standby"])
    acked = doras(qlan, 0x100, 2, 0x9000, want_from="192.0.2.1")
    victim, survivor = s[hung], s[1 - hung]
    victim.signal(signal.SIGSTOP)
    stopped = time.time()
    try:
        if hung == 0:
            time.sleep(3.5)   # communication interrupted: clients are analyzed from now on
            fail_over_clients(qlan, 0x110, 0x9100)
        wait_states([survivor], ["partner-down"], timeout=15)
        took = time.time() - stopped
        log = full_log(survivor)
        assert "HA_HEARTBEAT_COMMUNICATIONS_FAILED failed to send heartbeat to server%d" % (hung + 1) in log, \
            ha_log(survivor)
        assert "HA_COMMUNICATION_INTERRUPTED communication with server%d is interrupted" % (hung + 1) in log
        if hung == 0:
            assert "HA_COMMUNICATION_INTERRUPTED_CLIENT4_UNACKED" in log, ha_log(survivor)
        assert 3 < took < 15, took
        assert ha_local(survivor)["scopes"] == ["server1"]
        acked.update(doras(qlan, 0x120, 3, 0x9200, want_from=survivor.lan.server_ip))
    finally:
        victim.signal(signal.SIGCONT)
    wait_states(s, ["hot-standby", "hot-standby"], timeout=30)
    assert "HA_SYNC_SUCCESSFUL lease database synchronization with server%d completed" % (2 - hung) in \
        full_log(victim), ha_log(victim)
    check_invariant(s, acked)
    acked.update(doras(qlan, 0x130, 1, 0x9300, want_from="192.0.2.1"))
    check_invariant(s, acked)
