"""High availability's transport (issue 11, part 8): TLS with mutual certificates between peers (a
wrong certificate refused, client certificates required or not as require-client-certs says),
restrict-commands on the listener at this server's peer URL, and kea-dhcp4 2.2 as the partner
through its own dedicated HTTP listener (multi-threading, no kea-ctrl-agent) in hot-standby and
load-balancing, in either role. Two servers on a bridged LAN (test_ha_service.BridgedLan), lease
updates and sync on, heartbeats every second, max-response-delay 3 s. Certificates are made with
openssl for each run."""
import json
import os
import shutil
import tempfile
import time

import pytest

from conftest import KEA, Server, lan_of, sh, wait_for
from test_ha_service import (HOOKS, BridgedLan, full_log, ha_config, ha_log, lb_hash, state, transitions,
                             wait_states)
from test_ha_updates import LB_POOLS, check_invariant, dora, get, leases, mac, servers  # noqa: F401 (a fixture)

HAVE_KEA_HA = all(os.path.exists(p) for p in (KEA, os.path.join(HOOKS, "libdhcp_ha.so")))
UPD = {"send-lease-updates": True, "sync-leases": True}
IPS = ["192.0.2.1", "192.0.2.2"]


@pytest.fixture(scope="module")
def tlan():
    yield from lan_of(BridgedLan)


@pytest.fixture(scope="module")
def blan(tlan):
    return tlan


def openssl(*args):
    sh("openssl", *args)


EC = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]


@pytest.fixture(scope="module")
def pki():
    """Two CAs ("ca", and "rogue" that nobody trusts), a certificate per server signed by ca (SAN
    IP:192.0.2.1 / .2, for serving and as a client), and server2's signed by rogue. {name: path}."""
    d = tempfile.mkdtemp(prefix="nestor-pki-")
    files = {}
    for ca in ("ca", "rogue"):
        files[ca], files[ca + ".key"] = f"{d}/{ca}.pem", f"{d}/{ca}.key"
        openssl("req", "-x509", *EC, "-keyout", files[ca + ".key"], "-out", files[ca], "-days", "2",
                "-subj", f"/CN=nestor test {ca}")
    for serial, (name, ca, ip) in enumerate((("s1", "ca", IPS[0]), ("s2", "ca", IPS[1]),
                                             ("s2rogue", "rogue", IPS[1])), start=1):
        files[name], files[name + ".key"] = f"{d}/{name}.pem", f"{d}/{name}.key"
        with open(f"{d}/{name}.ext", "w") as f:
            f.write(f"subjectAltName=IP:{ip}\nextendedKeyUsage=serverAuth,clientAuth\nbasicConstraints=CA:FALSE\n")
        openssl("req", "-new", *EC, "-keyout", files[name + ".key"], "-out", f"{d}/{name}.csr", "-subj", f"/CN={name}")
        openssl("x509", "-req", "-in", f"{d}/{name}.csr", "-CA", files[ca], "-CAkey", files[ca + ".key"],
                "-set_serial", str(serial), "-days", "2", "-out", files[name], "-extfile", f"{d}/{name}.ext")
    yield files
    shutil.rmtree(d, ignore_errors=True)


def tls(pki, cert):
    return {"trust-anchor": pki["ca"], "cert-file": pki[cert], "key-file": pki[cert + ".key"]}


@pytest.fixture
def pair(servers):
    """pair(mode, binaries=(None, None), tweak=None, **ha): test_ha_updates' servers, two of them
    (server1 primary on .1, server2 on .2), a kea-dhcp4 without a Control Agent."""
    def make(mode, binaries=(None, None), tweak=None, roles=None, **ha):
        roles = roles or ("primary", "secondary" if mode == "load-balancing" else "standby")
        return servers(mode, roles, binaries=list(binaries), tweak=tweak, agent=False, **ha)
    return make


def ha_params(cfg):
    return cfg["Dhcp4"]["hooks-libraries"][1]["parameters"]["high-availability"][0]


def https_peers(roles, **extra):
    return [{"name": f"server{i + 1}", "url": f"https://{ip}:800{i + 1}/", "role": r, **extra}
            for i, (ip, r) in enumerate(zip(IPS, roles))]


CLIENT = r"""
import base64, json, ssl, sys, urllib.error as e, urllib.request as u
url, body, ca, cert, key, auth = sys.argv[1:7]
ctx = None
if url.startswith("https"):
    ctx = ssl.create_default_context(cafile=ca)
    if cert:
        ctx.load_cert_chain(cert, key)
h = {"Content-Type": "application/json"}
if auth:
    h["Authorization"] = "Basic " + base64.b64encode(auth.encode()).decode()
try:
    r = u.urlopen(u.Request(url, data=body.encode(), headers=h), timeout=5, context=ctx)
    print(json.dumps({"status": r.status, "body": json.loads(r.read())}))
except e.HTTPError as x:
    print(json.dumps({"status": x.code, "body": json.loads(x.read() or b"null")}))
except Exception as x:
    print(json.dumps({"status": 0, "error": repr(x)}))
"""


def post(side, url, body, ca="", cert="", key="", auth=""):
    """POSTs body from inside side's namespace: {"status", "body"} or {"status": 0, "error"}."""
    out = sh(*side.in_srv("/usr/bin/python3", "-c", CLIENT, url, json.dumps(body), ca, cert, key, auth)).stdout
    return json.loads(out)


def never(pred, seconds):
    """pred() stays false for seconds."""
    end = time.time() + seconds
    while time.time() < end:
        if pred():
            return False
        time.sleep(0.2)
    return True


HB = {"command": "ha-heartbeat", "service": ["dhcp4"]}


@pytest.mark.parametrize("required", [True, False])
def test_tls_mutual_certificates(blan, pki, pair, required):
    """HTTPS between the peers: server1 with the relationship's TLS files, server2 with each
    peer's; they reach hot-standby and a DORA's lease is on the standby. A client without a
    certificate is refused when require-client-certs is true, answered when false."""
    roles = ("primary", "standby")

    def tweak(i, cfg):
        p = ha_params(cfg)
        if i == 0:
            p.update(tls(pki, "s1"), peers=https_peers(roles))
        else:
            p["peers"] = https_peers(roles, **tls(pki, "s2"))
    s1, s2 = pair("hot-standby", tweak=tweak, **{"require-client-certs": required})
    wait_states([s1, s2], ["hot-standby", "hot-standby"])
    for s, ip, port in ((s1, IPS[0], 8001), (s2, IPS[1], 8002)):
        assert f"command HTTP listener started on address {ip} port {port}, use TLS: true" in full_log(s)
    o, ack = dora(blan, mac(0x100), 0xa100)
    assert ack and ack["src"] == IPS[0], ha_log(s1)
    assert (get(s2, ack["yiaddr"]) or {}).get("hw-address") == mac(0x100)
    check_invariant([s1, s2], {ack["yiaddr"]: mac(0x100)})
    # a client with a certificate of the CA is answered
    r = post(blan.sides[1], "https://192.0.2.1:8001/", HB, pki["ca"], pki["s2"], pki["s2.key"])
    assert r["status"] == 200 and r["body"][0]["result"] == 0, r
    # none: refused in the handshake when they are required
    r = post(blan.sides[1], "https://192.0.2.1:8001/", HB, pki["ca"])
    if required:
        assert r["status"] == 0, r
        assert wait_for(lambda: "HTTP_CONNECTION_HANDSHAKE_FAILED TLS handshake with 192.0.2.2" in full_log(s1),
                        timeout=3), ha_log(s1)
    else:
        assert r["status"] == 200 and r["body"][0]["arguments"]["state"] == "hot-standby", r
    # the client checks the listener's certificate: one of another CA is refused
    r = post(blan.sides[0], "https://192.0.2.1:8001/", HB, pki["rogue"], pki["s1"], pki["s1.key"])
    assert r["status"] == 0 and "CERTIFICATE_VERIFY_FAILED" in r["error"], r


def test_tls_with_http_urls(blan, pki, pair):
    """TLS configured and the peers' URLs http://: Kea 2.2 speaks TLS to the partner and serves TLS
    at its own URL all the same (its TLS settings win over the scheme; the port stays the
    scheme's): the pair works over TLS, a plain HTTP client gets no answer."""
    def tweak(i, cfg):
        ha_params(cfg).update(tls(pki, ("s1", "s2")[i]))
    s1, s2 = pair("hot-standby", tweak=tweak)
    wait_states([s1, s2], ["hot-standby", "hot-standby"])
    assert "command HTTP listener started on address 192.0.2.1 port 8001, use TLS: true" in full_log(s1)
    o, ack = dora(blan, mac(0x180), 0xa180)
    assert ack and (get(s2, ack["yiaddr"]) or {}).get("hw-address") == mac(0x180), ha_log(s1)
    assert post(blan.sides[1], "http://192.0.2.1:8001/", HB)["status"] == 0
    r = post(blan.sides[1], "https://192.0.2.1:8001/", HB, pki["ca"], pki["s2"], pki["s2.key"])
    assert r["status"] == 200 and r["body"][0]["result"] == 0, r


@pytest.mark.parametrize("server2", ["nestor", "kea"])
def test_tls_wrong_certificate_refused(blan, pki, pair, server2):
    """server2 (Nestor, or kea-dhcp4 2.2 with its dedicated listener) has a certificate signed by a
    CA server1 does not trust: each handshake fails (server1 refuses it as a server's and as a
    client's certificate), both sides log it, each sees its partner unavailable and the pair never
    reaches hot-standby."""
    if server2 == "kea" and not HAVE_KEA_HA:
        pytest.skip("kea-dhcp4 2.2 with the HA hook is not installed")
    roles = ("primary", "standby")

    def tweak(i, cfg):
        dedicated(i, cfg)
        ha_params(cfg).update(tls(pki, "s1" if i == 0 else "s2rogue"), peers=https_peers(roles))
    s1, s2 = pair("hot-standby", tweak=tweak, binaries=(None, KEA if server2 == "kea" else None), **KEA_MT)
    assert never(lambda: "hot-standby" in (state(s1), state(s2)), 6), (ha_log(s1), ha_log(s2))
    log1, log2 = full_log(s1), full_log(s2)
    # server1 as the client: server2's certificate fails verification
    assert "HA_HEARTBEAT_COMMUNICATIONS_FAILED failed to send heartbeat to server2 (https://192.0.2.2:8002/): " \
           "TLS: certificate verify failed" in log1, ha_log(s1)
    # server1 as the server: server2's client certificate is refused in the handshake
    assert "HTTP_CONNECTION_HANDSHAKE_FAILED TLS handshake with 192.0.2.2" in log1, log1[-3000:]
    assert "HA_HEARTBEAT_COMMUNICATIONS_FAILED failed to send heartbeat to server1 (https://192.0.2.1:8001/)" in log2
    # neither ever heard from its partner
    for s in (s1, s2):
        assert all(t[2] == "UNDEFINED" for t in transitions(s)), transitions(s)
        remote = s.cmd("status-get")["arguments"]["high-availability"][0]["ha-servers"]["remote"]
        assert remote["last-state"] == "unavailable" and remote["communication-interrupted"], remote


def test_restrict_commands(blan, pair):
    """restrict-commands: the listener at the peer URL runs only what a partner sends (heartbeats,
    lease updates, the sync's commands: the pair works and resynchronizes); anything else gets 403
    Forbidden; a nameless command is not filtered; the UNIX control socket is not restricted."""
    s1, s2 = pair("hot-standby", **{"restrict-commands": True})
    wait_states([s1, s2], ["hot-standby", "hot-standby"])
    acked = {}
    o, ack = dora(blan, mac(0x200), 0xa200)
    assert ack and get(s2, ack["yiaddr"]), ha_log(s1)
    acked[ack["yiaddr"]] = mac(0x200)
    side, url = blan.sides[1], "http://192.0.2.1:8001/"
    r = post(side, url, {"command": "config-get", "service": ["dhcp4"]})
    assert r == {"status": 403, "body": {"result": 403, "text": "Forbidden"}}, r
    assert "COMMAND_HTTP_LISTENER_COMMAND_REJECTED Command HTTP listener rejected command 'config-get' from " \
           "'192.0.2.2'" in full_log(s1)
    for cmd in ("lease4-add", "shutdown", "ha-sync", "ha-maintenance-start"):
        assert post(side, url, {"command": cmd})["status"] == 403, cmd
    for cmd in ("ha-heartbeat", "list-commands", "status-get", "lease4-get-all"):
        r = post(side, url, {"command": cmd})
        assert r["status"] == 200 and r["body"][0]["result"] in (0, 3), (cmd, r)
    r = post(side, url, {"command": ""})
    assert r["status"] == 200 and r["body"][0]["result"] == 2, r   # "'' command not supported."
    assert s1.cmd("config-get")["result"] == 0
    # the standby restarted synchronizes through the restricted listener
    s2.proc.kill()
    s2.proc.wait()
    wait_states([s1], ["partner-down"], timeout=8)
    o, ack = dora(blan, mac(0x201), 0xa210)
    assert ack
    acked[ack["yiaddr"]] = mac(0x201)
    s2.start()
    wait_states([s1, s2], ["hot-standby", "hot-standby"], timeout=20)
    assert "HA_SYNC_SUCCESSFUL lease database synchronization with server1" in full_log(s2), ha_log(s2)
    check_invariant([s1, s2], acked)


def test_unrestricted_listener_runs_any_command(blan, pair):
    """restrict-commands false (Kea 2.2's default): the listener runs any command."""
    s1, s2 = pair("hot-standby")
    r = post(blan.sides[1], "http://192.0.2.1:8001/", {"command": "config-get"})
    assert r["status"] == 200 and r["body"][0]["result"] == 0, r


# kea-dhcp4 2.2 with its own listener: HA's multi-threading with http-dedicated-listener, which
# Kea allows only with the server's own multi-threading on
KEA_MT = {"multi-threading": {"enable-multi-threading": True, "http-dedicated-listener": True,
                              "http-listener-threads": 2, "http-client-threads": 2}}


def dedicated(i, cfg):
    cfg["Dhcp4"]["multi-threading"] = {"enable-multi-threading": True, "thread-pool-size": 2,
                                       "packet-queue-size": 16}


def kill9(srv):
    srv.proc.kill()
    srv.proc.wait()


@pytest.mark.skipif(not HAVE_KEA_HA, reason="kea-dhcp4 2.2 with the HA hook is not installed")
@pytest.mark.parametrize("kea_role", ["standby", "primary"])
def test_kea_dedicated_listener_hot_standby(blan, pair, kea_role):
    """kea-dhcp4 2.2 without a Control Agent, through its dedicated listener: hot-standby, the
    primary's leases on the standby; the primary killed, the standby in partner-down serves; the
    primary restarted synchronizes and the pair is back in hot-standby with every lease on both.
    Each peer has basic-auth credentials: Nestor's listener asks Kea for them (Kea 2.2's listener
    does not check them)."""
    binaries = (None, KEA) if kea_role == "standby" else (KEA, None)

    def tweak(i, cfg):
        dedicated(i, cfg)
        for n, p in enumerate(ha_params(cfg)["peers"]):
            p.update({"basic-auth-user": f"peer{n + 1}", "basic-auth-password": f"secret{n + 1}"})
    s1, s2 = pair("hot-standby", binaries=binaries, tweak=tweak, **KEA_MT)
    wait_states([s1, s2], ["hot-standby", "hot-standby"], timeout=30)
    kea, nestor = (s2, s1) if kea_role == "standby" else (s1, s2)
    assert "COMMAND_HTTP_LISTENER_STARTED" in full_log(kea)
    assert "HTTP_CLIENT_REQUEST_AUTHORIZED received HTTP request from 192.0.2" in full_log(nestor)
    assert "HTTP_CLIENT_REQUEST_NOT_AUTHORIZED" not in full_log(nestor)
    acked = {}
    for i in range(3):
        o, ack = dora(blan, mac(0x300 + i), 0xa300 + 16 * i)
        assert ack and ack["src"] == IPS[0], (ha_log(s1), full_log(s2)[-3000:])
        acked[ack["yiaddr"]] = mac(0x300 + i)
        assert (get(s2, ack["yiaddr"]) or {}).get("hw-address") == mac(0x300 + i)
    kill9(s1)
    time.sleep(3.5)
    blan.pkt.burst("discover", [{"chaddr": mac(0x310 + i), "xid": 0xa380 + i, "secs": 10, "options": []}
                                for i in range(3)], timeout=1)
    wait_states([s2], ["partner-down"], timeout=8)
    for i in range(3):
        o, ack = dora(blan, mac(0x320 + i), 0xa400 + 16 * i)
        assert ack and ack["src"] == IPS[1], ha_log(s2)
        acked[ack["yiaddr"]] = mac(0x320 + i)
    s1.start()
    wait_states([s1, s2], ["hot-standby", "hot-standby"], timeout=40)
    assert ("WAITING", "SYNCING", "PARTNER-DOWN") in transitions(s1), transitions(s1)
    check_invariant([s1, s2], acked)
    o, ack = dora(blan, mac(0x330), 0xa480)
    assert ack and ack["src"] == IPS[0] and get(s2, ack["yiaddr"])


@pytest.mark.skipif(not HAVE_KEA_HA, reason="kea-dhcp4 2.2 with the HA hook is not installed")
@pytest.mark.parametrize("kea_role", ["secondary", "primary"])
def test_kea_dedicated_listener_load_balancing(blan, pair, kea_role):
    """Load-balancing with kea-dhcp4 2.2 (dedicated listener) as the primary or the secondary, both
    with restrict-commands (each sends only what the other's listener lets through): each answers
    only its scope (the RFC 3074 hash), every lease is on both; Kea killed, Nestor goes to
    partner-down and serves every client; Kea restarted synchronizes and the pair load-balances."""
    binaries = (None, KEA) if kea_role == "secondary" else (KEA, None)
    kea, nestor = (1, 0) if kea_role == "secondary" else (0, 1)
    servers = pair("load-balancing", binaries=binaries, tweak=dedicated, pools=LB_POOLS,
                   **{**KEA_MT, "delayed-updates-limit": 0, "restrict-commands": True})
    wait_states(servers, ["load-balancing", "load-balancing"], timeout=30)
    acked = {}
    for i in range(10):
        m = mac(0x500 + i)
        o, ack = dora(blan, m, 0xa500 + 16 * i)
        mine = lb_hash(bytes.fromhex(m.replace(":", ""))) % 2
        assert ack and ack["src"] == IPS[mine], (m, ack, ha_log(servers[nestor]))
        acked[ack["yiaddr"]] = m
    assert {int(ip.split(".")[3]) >= 150 for ip in acked} == {False, True}, acked
    check_invariant(servers, acked)
    kill9(servers[kea])
    theirs = [m for m in (mac(0x600 + i) for i in range(40)) if lb_hash(bytes.fromhex(m.replace(":", ""))) % 2 == kea]
    time.sleep(3.5)
    blan.pkt.burst("discover", [{"chaddr": m, "xid": 0xa600 + i, "secs": 10, "options": []}
                                for i, m in enumerate(theirs[:3])], timeout=1)
    wait_states([servers[nestor]], ["partner-down"], timeout=8)
    for i, m in enumerate(theirs[3:6]):
        o, ack = dora(blan, m, 0xa700 + 16 * i)
        assert ack and ack["src"] == IPS[nestor], (m, ha_log(servers[nestor]))
        acked[ack["yiaddr"]] = m
    servers[kea].start()
    wait_states(servers, ["load-balancing", "load-balancing"], timeout=40)
    check_invariant(servers, acked)
    assert leases(servers[0]).keys() == leases(servers[1]).keys()
    assert "COMMAND_HTTP_LISTENER_COMMAND_REJECTED" not in full_log(servers[0]) + full_log(servers[1])
    r = post(blan.sides[nestor], f"http://{IPS[kea]}:800{kea + 1}/", {"command": "config-get"})
    assert r == {"status": 403, "body": {"result": 403, "text": "Forbidden"}}, r   # Kea's own refusal


@pytest.mark.skipif(not HAVE_KEA_HA, reason="kea-dhcp4 2.2 with the HA hook is not installed")
@pytest.mark.parametrize("scheme", ["https", "http"])
def test_kea_dedicated_listener_tls(blan, pki, pair, scheme):
    """kea-dhcp4 2.2 as the standby, its dedicated listener over HTTPS with mutual certificates
    (https:// URLs, or http:// ones: TLS all the same): each verifies the other's certificate (as
    a server and as a client), the pair reaches hot-standby and the lease updates go through; both
    listeners refuse a client without a certificate."""
    roles = ("primary", "standby")

    def tweak(i, cfg):
        dedicated(i, cfg)
        ha_params(cfg).update(tls(pki, ("s1", "s2")[i]))
        if scheme == "https":
            ha_params(cfg)["peers"] = https_peers(roles)
    s1, s2 = pair("hot-standby", binaries=(None, KEA), tweak=tweak, **KEA_MT)
    wait_states([s1, s2], ["hot-standby", "hot-standby"], timeout=30)
    assert "COMMAND_HTTP_LISTENER_STARTED" in full_log(s2) and "use TLS: true" in full_log(s2)
    acked = {}
    for i in range(2):
        o, ack = dora(blan, mac(0x700 + i), 0xa900 + 16 * i)
        assert ack and ack["src"] == IPS[0], ha_log(s1)
        acked[ack["yiaddr"]] = mac(0x700 + i)
    check_invariant([s1, s2], acked)
    for side, url in ((blan.sides[1], "https://192.0.2.1:8001/"), (blan.sides[0], "https://192.0.2.2:8002/")):
        r = post(side, url, HB, pki["ca"])
        assert r["status"] == 0, (url, r)
        r = post(side, url, HB, pki["ca"], pki["s1"], pki["s1.key"])
        assert r["status"] == 200 and r["body"][0]["arguments"]["state"] == "hot-standby", (url, r)
