"""High availability running: two servers on one bridged LAN (a bridge namespace, a namespace per
server, one for the clients), Kea 2.2's states, scopes, failure detection and commands; Nestor
paired with Nestor and with kea-dhcp4 2.2 (libdhcp_ha.so, through kea-ctrl-agent). Every pair
here runs with sync-leases and send-lease-updates false (test_ha_updates.py covers them). Heartbeats every second, max-response-delay 3 s."""
import json
import os
import re
import shutil
import subprocess
import time

import pytest

from conftest import KEA, Lan, lan_of, Server, basic_config, sh, wait_for

HOOKS = "/usr/lib/x86_64-linux-gnu/kea/hooks"
CA = shutil.which("kea-ctrl-agent") or "/usr/sbin/kea-ctrl-agent"
HAVE_KEA = all(os.path.exists(p) for p in (KEA, CA, os.path.join(HOOKS, "libdhcp_ha.so")))

# RFC 3074's table (docs: kea-2.2-facts.md section 7.3); the key's bytes from the last to the first
TBL = [int(x) for x in """251 175 119 215 81 14 79 191 103 49 181 143 186 157 0 232 31 32 55 60 152 58 17 237 174 70
160 144 220 90 57 223 59 3 18 140 111 166 203 196 134 243 124 95 222 179 197 65 180 48 36 15 107 46 233 130 165 30
123 161 209 23 97 16 40 91 219 61 100 10 210 109 250 127 22 138 29 108 244 67 207 9 178 204 74 98 126 249 167 116 34
77 193 200 121 5 20 113 71 35 128 13 182 94 25 226 227 199 75 27 41 245 230 224 43 225 177 26 155 150 212 142 218
115 241 73 88 105 39 114 62 255 192 201 145 214 168 158 221 148 154 122 12 84 82 163 44 139 228 236 205 242 217 11
187 146 159 64 86 239 195 42 106 198 118 112 184 172 87 2 173 117 176 229 247 253 137 185 99 164 102 147 45 66 231
52 141 211 194 206 246 238 56 110 78 248 63 240 189 93 92 51 53 183 19 171 72 50 33 104 101 69 8 252 83 120 76 135
85 54 202 125 188 213 96 235 136 208 162 129 190 132 156 38 47 1 7 254 24 4 216 131 89 21 28 133 37 153 149 80 170
68 6 169 234 151""".split()]


def lb_hash(key):
    h = len(key) & 0xff
    for b in reversed(key):
        h = TBL[h ^ b]
    return h


class Side:
    """One server's namespace on the bridged LAN (what conftest's Server needs of a Lan)."""

    def __init__(self, tag, n, ip):
        self.srv_ns, self.srv_if, self.server_ip = f"nsha{tag}s{n}", f"ha{tag}s{n}", ip

    def in_srv(self, *cmd):
        return ["ip", "netns", "exec", self.srv_ns, *cmd]


class BridgedLan(Lan):
    """A bridge namespace joining two server namespaces (192.0.2.1 and .2) and a client namespace
    (conftest's Lan gives the packet helper and the clean-up)."""

    def __init__(self):
        tag = str(os.getpid() % 100000)
        self.br_ns, self.cli_ns, self.cli_if = f"nshab{tag}", f"nshac{tag}", f"ha{tag}c"
        self.sides = [Side(tag, 1, "192.0.2.1"), Side(tag, 2, "192.0.2.2")]
        sh("ip", "netns", "add", self.br_ns)
        sh("ip", "-n", self.br_ns, "link", "add", "br0", "type", "bridge")
        sh("ip", "-n", self.br_ns, "link", "set", "br0", "up")
        ends = [(s.srv_ns, s.srv_if, s.server_ip) for s in self.sides] + [(self.cli_ns, self.cli_if, None)]
        for i, (ns, ifname, ip) in enumerate(ends):
            sh("ip", "netns", "add", ns)
            sh("ip", "-n", ns, "link", "set", "lo", "up")
            sh("ip", "link", "add", ifname, "netns", ns, "type", "veth", "peer", "name", f"b{i}", "netns", self.br_ns)
            sh("ip", "-n", self.br_ns, "link", "set", f"b{i}", "master", "br0", "up")
            if ip:
                sh("ip", "-n", ns, "addr", "add", f"{ip}/24", "dev", ifname)
            sh("ip", "-n", ns, "link", "set", ifname, "up")
        self._pkt = None

    def namespaces(self):
        return [s.srv_ns for s in self.sides] + [self.cli_ns, self.br_ns]


@pytest.fixture(scope="module")
def blan():
    yield from lan_of(BridgedLan)


@pytest.fixture
def pair(blan):
    """pair(mode, binaries=(None, None), **ha): two servers (server1 on .1, server2 on .2), started."""
    made = []

    def make(mode, binaries=(None, None), pools=None, roles=None, **ha):
        roles = roles or ("primary", "secondary" if mode == "load-balancing" else "standby")
        servers = []
        for i, side in enumerate(blan.sides):
            srv = Server(side, ha_config(mode, f"server{i + 1}", roles, pools=pools, **ha), binary=binaries[i],
                         name=f"server{i + 1}")
            if binaries[i] == KEA:
                srv = KeaWithAgent(side, srv)
            servers.append(srv)
            made.append(srv)
        for s in servers:
            s.start()
        return servers
    yield make
    for s in made:
        s.stop()
        shutil.rmtree(s.dir, ignore_errors=True)


def ha_config(mode, me, roles, pools=None, **ha):
    cfg = basic_config()
    if pools:
        cfg["Dhcp4"]["subnet4"][0]["pools"] = pools
    params = {"this-server-name": me, "mode": mode, "heartbeat-delay": 1000, "max-response-delay": 3000,
              "max-ack-delay": 1000, "max-unacked-clients": 2, "sync-leases": False, "send-lease-updates": False,
              "peers": [{"name": "server1", "url": "http://192.0.2.1:8001/", "role": roles[0]},
                        {"name": "server2", "url": "http://192.0.2.2:8002/", "role": roles[1]}]}
    params.update(ha)
    cfg["Dhcp4"]["hooks-libraries"] = [
        {"library": os.path.join(HOOKS, "libdhcp_lease_cmds.so")},
        {"library": os.path.join(HOOKS, "libdhcp_ha.so"), "parameters": {"high-availability": [params]}}]
    return cfg


class KeaWithAgent:
    """kea-dhcp4 and a kea-ctrl-agent at its peer URL forwarding to its control socket."""

    def __init__(self, side, srv):
        self.srv, self.side = srv, side
        self.dir, self.name = srv.dir, srv.name
        port = 8001 if side.server_ip.endswith(".1") else 8002
        self.ca_conf = os.path.join(self.dir, "ca.json")
        with open(self.ca_conf, "w") as f:
            json.dump({"Control-agent": {"http-host": side.server_ip, "http-port": port, "control-sockets": {
                "dhcp4": {"socket-type": "unix", "socket-name": srv.sock}},
                "loggers": [{"name": "kea-ctrl-agent", "severity": "INFO",
                             "output_options": [{"output": os.path.join(self.dir, "ca.log")}]}]}}, f)
        self.ca = None

    def start(self):
        self.srv.start()
        env = dict(os.environ, KEA_PIDFILE_DIR=self.dir, KEA_LOCKFILE_DIR=self.dir)
        self.ca = subprocess.Popen(self.side.in_srv(CA, "-c", self.ca_conf), env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return self

    def __getattr__(self, name):
        return getattr(self.srv, name)

    def kill9(self):
        self.ca.kill()
        self.srv.proc.kill()

    def stop(self):
        if self.ca:
            self.ca.kill()
            self.ca.wait()
            self.ca = None
        return self.srv.stop()


def ha_local(srv):
    try:
        return srv.cmd("status-get")["arguments"]["high-availability"][0]["ha-servers"]["local"]
    except (OSError, KeyError, IndexError, ValueError):
        return {}


def state(srv):
    return ha_local(srv).get("state")


def wait_states(servers, states, timeout=20):
    ok = wait_for(lambda: [state(s) for s in servers] == list(states), timeout=timeout)
    assert ok, ([state(s) for s in servers], [ha_log(s) for s in servers])


def full_log(srv):
    try:
        return open(srv.log_path, errors="replace").read()
    except OSError:
        return ""


def ha_log(srv):
    """The tail of srv's log for an assertion message: its HA lines, errors, and what it did with
    each packet (received, dropped and why, leases offered and allocated), so a missing answer
    shows whether the query arrived."""
    keep = (" HA_", "ERROR", "FATAL", "WARN", "DHCP4_PACKET", "DHCP4_LEASE_", "DHCP4_REPLY", "DHCP4_SUBNET",
            "DHCP4_BUFFER")
    lines = full_log(srv).splitlines()
    return "\n".join(l for l in lines if any(k in l for k in keep))[-6000:]


def answering(blan, macs, msg="discover", secs=0, xid=0x7000, tries=2):
    """{xid: the server addresses that answered} for one DISCOVER per MAC (retried for loss)."""
    clients = [{"chaddr": m, "xid": xid + i, "secs": secs, "options": []} for i, m in enumerate(macs)]
    got = {}
    for _ in range(tries):
        for r in blan.pkt.burst(msg, [c for c in clients if c["xid"] not in got], timeout=2):
            got.setdefault(r["xid"], set()).add(r["src"])
    return got


def http_cmd(blan, side, url, body):
    """POSTs body to url from inside the side's namespace; the parsed answer."""
    code = ("import json,sys,urllib.request as u\n"
            "r=u.urlopen(u.Request(sys.argv[1],data=sys.argv[2].encode(),"
            "headers={'Content-Type':'application/json'}),timeout=5)\nprint(r.read().decode())")
    out = sh(*side.in_srv("/usr/bin/python3", "-c", code, url, json.dumps(body))).stdout
    return json.loads(out)


MACS = ["02:00:00:00:01:%02x" % i for i in range(20)]
# (from, to, partner) through start, the primary's kill -9, partner-down and its restart: what
# kea-dhcp4 2.2 logs in either role (test_kea_partner_hot_standby)
PRIMARY_TRANSITIONS = [("WAITING", "READY", "WAITING"), ("READY", "HOT-STANDBY", "READY"),
                       ("WAITING", "READY", "PARTNER-DOWN"), ("READY", "HOT-STANDBY", "HOT-STANDBY")]
STANDBY_TRANSITIONS = [("WAITING", "READY", "READY"), ("READY", "HOT-STANDBY", "HOT-STANDBY"),
                       ("HOT-STANDBY", "PARTNER-DOWN", "UNDEFINED"), ("PARTNER-DOWN", "HOT-STANDBY", "READY")]


def test_hot_standby_pair_states_commands_and_failover(blan, pair):
    s1, s2 = pair("hot-standby")
    wait_states([s1, s2], ["hot-standby", "hot-standby"])
    assert "HA_STATE_TRANSITION server transitions from WAITING to READY state, partner state is" in full_log(s1)
    # only the primary answers
    got = answering(blan, MACS[:4])
    assert len(got) == 4 and all(v == {"192.0.2.1"} for v in got.values()), got
    # ha-heartbeat through the peer URL, as a Control Agent answers it (a list), "service" accepted
    ans = http_cmd(blan, blan.sides[1], "http://192.0.2.1:8001/", {"command": "ha-heartbeat", "service": ["dhcp4"]})
    assert isinstance(ans, list) and len(ans) == 1
    a = ans[0]
    assert a["result"] == 0 and a["text"] == "HA peer status returned."
    assert sorted(a["arguments"]) == ["date-time", "scopes", "state", "unsent-update-count"]
    assert a["arguments"]["state"] == "hot-standby" and a["arguments"]["scopes"] == ["server1"]
    assert a["arguments"]["date-time"].endswith(" GMT") and a["arguments"]["unsent-update-count"] == 0
    # status-get's section, Kea 2.2's shape
    st = s2.cmd("status-get")["arguments"]["high-availability"]
    assert st[0]["ha-mode"] == "hot-standby"
    local, remote = st[0]["ha-servers"]["local"], st[0]["ha-servers"]["remote"]
    assert local == {"role": "standby", "scopes": [], "state": "hot-standby"}
    assert sorted(remote) == ["age", "analyzed-packets", "communication-interrupted", "connecting-clients",
                              "in-touch", "last-scopes", "last-state", "role", "unacked-clients",
                              "unacked-clients-left"]
    assert remote["role"] == "primary" and remote["last-state"] == "hot-standby" and remote["in-touch"]
    assert remote["last-scopes"] == ["server1"] and not remote["communication-interrupted"]
    # kill -9 the primary: the standby sees it unavailable, then interrupted (3 s); it serves once
    # more than max-unacked-clients (2) clients say they tried for longer than max-ack-delay (1 s)
    s1.proc.kill()
    s1.proc.wait()
    assert wait_for(lambda: "HA_COMMUNICATION_INTERRUPTED communication with server1" in full_log(s2), timeout=10)
    assert state(s2) == "hot-standby"
    got = answering(blan, MACS[4:7], secs=10, xid=0x7010, tries=1)
    assert not got, got
    assert "HA_COMMUNICATION_INTERRUPTED_CLIENT4_UNACKED" in full_log(s2)
    wait_states([s2], ["partner-down"], timeout=5)
    assert "server transitions from HOT-STANDBY to PARTNER-DOWN state, partner state is UNDEFINED" in full_log(s2)
    got = answering(blan, MACS[7:9], xid=0x7020)
    assert len(got) == 2 and all(v == {"192.0.2.2"} for v in got.values()), got
    # back: waiting -> ready (no sync) -> hot-standby, the standby back to hot-standby
    s1.start()
    wait_states([s1, s2], ["hot-standby", "hot-standby"])
    got = answering(blan, MACS[9:11], xid=0x7030)
    assert len(got) == 2 and all(v == {"192.0.2.1"} for v in got.values()), got
    assert transitions(s1) == PRIMARY_TRANSITIONS and transitions(s2) == STANDBY_TRANSITIONS


def test_maintenance_start_and_cancel(blan, pair):
    s1, s2 = pair("hot-standby")
    wait_states([s1, s2], ["hot-standby", "hot-standby"])
    r = s2.cmd("ha-maintenance-start")
    assert r == {"result": 0, "text": "Server is now in the partner-in-maintenance state and its partner is "
                 "in-maintenance state. The partner can be now safely shut down."}, r
    assert state(s1) == "in-maintenance" and state(s2) == "partner-in-maintenance"
    got = answering(blan, MACS[:2])
    assert len(got) == 2 and all(v == {"192.0.2.2"} for v in got.values()), got
    assert s1.cmd("ha-maintenance-cancel")["result"] == 1
    r = s2.cmd("ha-maintenance-cancel")
    assert r == {"result": 0, "text": "Server maintenance successfully canceled."}, r
    wait_states([s1, s2], ["hot-standby", "hot-standby"])
    # the partner gone: maintenance goes straight to partner-down, serving all scopes
    s1.proc.kill()
    s1.proc.wait()
    r = s2.cmd("ha-maintenance-start")
    assert r["text"] == "Server is now in the partner-down state as its partner appears to be offline for " \
                        "maintenance.", r
    assert ha_local(s2) == {"role": "standby", "scopes": ["server1"], "state": "partner-down"}


def test_load_balancing_halves_and_scope_classes(blan, pair):
    pools = [{"pool": "192.0.2.100 - 192.0.2.149", "client-class": "HA_server1"},
             {"pool": "192.0.2.150 - 192.0.2.199", "client-class": "HA_server2"}]
    s1, s2 = pair("load-balancing", pools=pools)
    wait_states([s1, s2], ["load-balancing", "load-balancing"])
    assert ha_local(s1)["scopes"] == ["server1"] and ha_local(s2)["scopes"] == ["server2"]
    clients = [{"chaddr": m, "xid": 0x7100 + i, "options": []} for i, m in enumerate(MACS)]
    replies, sent = [], 0
    for _ in range(2):
        seen = {r["xid"] for r in replies}
        sent += len([c for c in clients if c["xid"] not in seen])
        replies += blan.pkt.burst("discover", [c for c in clients if c["xid"] not in seen], timeout=2)
    # Kea's statistics: both received every DISCOVER; the other's are counted in pkt4-received
    # only (dropped by HA before the per-type counters), and not as drops
    assert [s.stat("pkt4-received") for s in (s1, s2)] == [sent, sent]
    d1, d2 = s1.stat("pkt4-discover-received"), s2.stat("pkt4-discover-received")
    assert d1 + d2 == sent and d1 and d2, (d1, d2, sent)
    assert [s.stat("pkt4-receive-drop") for s in (s1, s2)] == [0, 0]
    by_xid = {}
    for r in replies:
        by_xid.setdefault(r["xid"], []).append(r)
    assert len(by_xid) == 20, sorted(by_xid)
    for i, mac in enumerate(MACS):
        (r,) = by_xid[0x7100 + i]
        mine = lb_hash(bytes.fromhex(mac.replace(":", ""))) % 2
        assert r["src"] == ("192.0.2.1", "192.0.2.2")[mine], (mac, r["src"])
        last = int(r["yiaddr"].split(".")[3])
        assert (100 <= last <= 149) if mine == 0 else (150 <= last <= 199), (mac, r["yiaddr"])
    # ha-scopes: the primary takes both scopes, then none
    assert s1.cmd("ha-scopes", {"scopes": ["server1", "server2"]}) == {"result": 0,
                                                                       "text": "New HA scopes configured."}
    theirs = [m for m in MACS if lb_hash(bytes.fromhex(m.replace(":", ""))) % 2 == 1][:2]
    for i, mac in enumerate(theirs):
        replies = blan.pkt.dhcp("discover", chaddr=mac, xid=0x7200 + i, want=2, timeout=2)
        assert {r["src"] for r in replies} == {"192.0.2.1", "192.0.2.2"}, (mac, replies)
    r = s1.cmd("ha-scopes", {"scopes": ["HA_server1"]})
    assert r == {"result": 1, "text": "invalid server name specified 'HA_server1' while enabling/disabling HA "
                                      "scopes"}, r
    assert s1.cmd("ha-continue") == {"result": 0, "text": "HA state machine is not paused."}
    # a disabled service counts nothing (Kea drops on receipt, DHCP4_PACKET_DROP_0008)
    assert s1.cmd("dhcp-disable")["result"] == 0
    before = [s.stat("pkt4-received") for s in (s1, s2)]
    blan.pkt.dhcp("discover", chaddr=theirs[0], xid=0x7300, timeout=1)
    assert [s.stat("pkt4-received") for s in (s1, s2)] == [before[0], before[1] + 1]
    assert s1.stat("pkt4-receive-drop") == 0
    assert s1.cmd("dhcp-enable")["result"] == 0


def test_reset_and_notify_answers(blan, pair):
    s1, s2 = pair("hot-standby")
    wait_states([s1, s2], ["hot-standby", "hot-standby"])
    assert s1.cmd("ha-maintenance-notify")["text"] == "no arguments specified for the 'ha-maintenance-notify' command"
    assert s1.cmd("ha-maintenance-notify", {"cancel": 1})["text"] == \
        "'cancel' must be a boolean in the 'ha-maintenance-notify' command"
    assert s1.cmd("ha-sync-complete-notify") == {"result": 0, "text": "Server successfully notified about the "
                                                                        "synchronization completion."}
    assert s2.cmd("ha-reset") == {"result": 0, "text": "HA state machine reset."}
    wait_states([s1, s2], ["hot-standby", "hot-standby"])
    assert "server transitions from HOT-STANDBY to WAITING state" in full_log(s2)
    assert s2.cmd("ha-reset") == {"result": 0, "text": "HA state machine reset."}
    # a reload starts a new HA service (Kea reloads its hook), which meets its partner again
    assert s1.cmd("config-reload")["result"] == 0
    wait_states([s1, s2], ["hot-standby", "hot-standby"])
    assert full_log(s1).count("HA_SERVICE_STARTED") == 2


def test_passive_backup(blan, pair):
    """The primary serves at once (passive-backup), the backup never (backup); no heartbeats, no
    "remote" in status-get."""
    s1, s2 = pair("passive-backup", roles=("primary", "backup"))
    wait_states([s1, s2], ["passive-backup", "backup"], timeout=5)
    assert ha_local(s1) == {"role": "primary", "scopes": ["server1"], "state": "passive-backup"}
    assert ha_local(s2) == {"role": "backup", "scopes": [], "state": "backup"}
    assert "remote" not in s1.cmd("status-get")["arguments"]["high-availability"][0]["ha-servers"]
    got = answering(blan, MACS[:2], xid=0x7500)
    assert len(got) == 2 and all(v == {"192.0.2.1"} for v in got.values()), got
    assert "HA_STATE_TRANSITION_PASSIVE_BACKUP server transitions from WAITING to PASSIVE-BACKUP state" in \
        full_log(s1)
    assert "received command 'ha-heartbeat'" not in full_log(s1) + full_log(s2)


def test_basic_auth_between_peers(blan, pair):
    """Each peer's basic-auth-user/-password: what the others send it, and what its listener asks.
    A wrong password: 401 from the listener, logged there, the partner unavailable to the sender
    (which never gets back to hot-standby) until the right one is configured again."""
    s1, s2 = pair("hot-standby", peers=[
        {"name": "server1", "url": "http://192.0.2.1:8001/", "role": "primary", "basic-auth-user": "one",
         "basic-auth-password": "secret1"},
        {"name": "server2", "url": "http://192.0.2.2:8002/", "role": "standby", "basic-auth-user": "two",
         "basic-auth-password": "secret2"}])
    wait_states([s1, s2], ["hot-standby", "hot-standby"])
    r = sh(*blan.sides[1].in_srv("/usr/bin/python3", "-c", "import urllib.request as u, urllib.error as e\n"
           "try: u.urlopen(u.Request('http://192.0.2.1:8001/', data=b'{\"command\": \"ha-heartbeat\"}'), timeout=5)\n"
           "except e.HTTPError as x: print(x.code)"))
    assert r.stdout.strip() == "401"
    peer1 = s2.config["Dhcp4"]["hooks-libraries"][1]["parameters"]["high-availability"][0]["peers"][0]
    peer1["basic-auth-password"] = "wrong"
    s2.write_config()
    assert s2.cmd("config-reload")["result"] == 0
    assert wait_for(lambda: "HA_HEARTBEAT_COMMUNICATIONS_FAILED failed to send heartbeat to server1 "
                            "(http://192.0.2.1:8001/): HTTP 401" in full_log(s2), timeout=5), ha_log(s2)
    assert "HTTP_CLIENT_REQUEST_NOT_AUTHORIZED received HTTP request from 192.0.2.2" in full_log(s1)
    end = time.time() + 4
    while time.time() < end:
        assert state(s2) != "hot-standby", ha_log(s2)
        time.sleep(0.2)
    remote = s2.cmd("status-get")["arguments"]["high-availability"][0]["ha-servers"]["remote"]
    assert remote["last-state"] == "unavailable", remote
    peer1["basic-auth-password"] = "secret1"
    s2.write_config()
    assert s2.cmd("config-reload")["result"] == 0
    wait_states([s1, s2], ["hot-standby", "hot-standby"])


@pytest.mark.skipif(not HAVE_KEA, reason="kea-dhcp4 2.2 with the HA hook and kea-ctrl-agent are not installed")
@pytest.mark.parametrize("kea_role", ["standby", "primary"])
def test_kea_partner_hot_standby(blan, pair, kea_role):
    binaries = (None, KEA) if kea_role == "standby" else (KEA, None)
    s1, s2 = pair("hot-standby", binaries=binaries)
    wait_states([s1, s2], ["hot-standby", "hot-standby"], timeout=30)
    got = answering(blan, MACS[12:14], xid=0x7300)
    assert len(got) == 2 and all(v == {"192.0.2.1"} for v in got.values()), got
    # the same answers' shapes on both sides
    hb = [s.cmd("ha-heartbeat") for s in (s1, s2)]
    assert [sorted(h["arguments"]) for h in hb] == [["date-time", "scopes", "state", "unsent-update-count"]] * 2
    assert [h["text"] for h in hb] == ["HA peer status returned."] * 2
    assert [h["arguments"]["scopes"] for h in hb] == [["server1"], []]
    st = [s.cmd("status-get")["arguments"]["high-availability"][0]["ha-servers"] for s in (s1, s2)]
    assert sorted(st[0]["remote"]) == sorted(st[1]["remote"]) and sorted(st[0]["local"]) == sorted(st[1]["local"])
    assert [x["remote"]["last-scopes"] for x in st] == [[], ["server1"]]
    # the standby fails over when the primary dies, whichever it is
    primary, standby = s1, s2
    fail_over(blan, primary, standby, MACS[14:17], 0x7400)
    primary.start()
    wait_states([s1, s2], ["hot-standby", "hot-standby"], timeout=30)
    # the same transitions, with Kea's ids and texts, whichever side Kea is on
    assert transitions(primary) == PRIMARY_TRANSITIONS and transitions(standby) == STANDBY_TRANSITIONS


def fail_over(lan, primary, standby, macs, xid):
    """kill -9 of the hot-standby primary (Nestor or Kea with its agent); the standby goes to
    partner-down once communication is interrupted and clients (macs) say they tried long enough."""
    if hasattr(primary, "kill9"):
        primary.kill9()
    else:
        primary.proc.kill()
    primary.proc.wait()
    time.sleep(3.5)
    answering(lan, macs, secs=10, xid=xid)
    wait_states([standby], ["partner-down"], timeout=8)


def transitions(srv):
    """(from, to, partner) of each HA_STATE_TRANSITION logged."""
    pat = re.compile(r"HA_STATE_TRANSITION server transitions from (\S+) to (\S+) state, partner state is (\S+)$")
    return [m.groups() for m in map(pat.search, full_log(srv).splitlines()) if m]
