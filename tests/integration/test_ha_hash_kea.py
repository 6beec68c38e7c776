"""Kea 2.2's load-balancing scopes, observed: kea-dhcp4 2.2 as the primary of a load-balancing pair
whose partner (a stub answering as a load-balancing Kea peer) is healthy answers exactly the
DISCOVERs whose key hashes into scope 0 (client identifier first, else chaddr) — the vectors of
tests/unit/ha/test_ha_hash.c, which src/ha/ha_hash.c computes."""
import os
import subprocess

import pytest

from conftest import KEA, Server, basic_config, wait_for

HOOKS = "/usr/lib/x86_64-linux-gnu/kea/hooks"

# chaddr -> RFC 3074 hash (tests/unit/ha/test_ha_hash.c); scope = hash % 2
MACS = {"02:00:00:00:00:%02x" % i: h for i, h in enumerate(
    [4, 133, 45, 182, 150, 13, 166, 26, 62, 79, 249, 139, 190, 60, 0, 102])}
# (chaddr, client identifier, hash of the identifier): the identifier decides
CLIENT_IDS = [("02:00:00:00:00:01", b"client-a", 6), ("02:00:00:00:00:00", b"client-b", 139),
              ("02:00:00:00:00:05", bytes.fromhex("01020304050607"), 38),
              ("02:00:00:00:00:03", bytes(range(20)), 229)]

PARTNER = r'''
import email.utils, http.server, json
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        ans = {"result": 0, "text": "ok"}
        if body.get("command") == "ha-heartbeat":
            ans = {"result": 0, "text": "HA peer status returned.", "arguments": {
                "state": "load-balancing", "date-time": email.utils.formatdate(usegmt=True),
                "scopes": ["server2"], "unsent-update-count": 0}}
        data = json.dumps([ans]).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
    def log_message(self, *a):
        pass
http.server.ThreadingHTTPServer(("127.0.0.1", 8002), H).serve_forever()
'''


def ha_state(srv):
    r = srv.cmd("status-get")
    try:
        return r["arguments"]["high-availability"][0]["ha-servers"]["local"]["state"]
    except (KeyError, IndexError):
        return None


@pytest.mark.skipif(not os.path.exists(os.path.join(HOOKS, "libdhcp_ha.so")) or not os.path.exists(KEA),
                    reason="kea-dhcp4 2.2 with the HA hook is not installed")
def test_kea_load_balancing_scopes_match_the_vectors(lan):
    partner = subprocess.Popen(lan.in_srv("/usr/bin/python3", "-c", PARTNER))
    cfg = basic_config()
    cfg["Dhcp4"]["subnet4"][0]["pools"] = [{"pool": "192.0.2.100 - 192.0.2.200"}]
    cfg["Dhcp4"]["hooks-libraries"] = [
        {"library": os.path.join(HOOKS, "libdhcp_lease_cmds.so")},
        {"library": os.path.join(HOOKS, "libdhcp_ha.so"), "parameters": {"high-availability": [{
            "this-server-name": "server1", "mode": "load-balancing", "heartbeat-delay": 1000,
            "sync-leases": False, "peers": [
                {"name": "server1", "url": "http://127.0.0.1:8001/", "role": "primary"},
                {"name": "server2", "url": "http://127.0.0.1:8002/", "role": "secondary"}]}]}}]
    srv = Server(lan, cfg, binary=KEA, name="kea")
    try:
        srv.start()
        assert wait_for(lambda: ha_state(srv) == "load-balancing", timeout=30), srv.log()
        clients = [{"chaddr": mac, "xid": 0x4a00 + i, "options": []} for i, mac in enumerate(MACS)]
        clients += [{"chaddr": mac, "xid": 0x4b00 + i, "options": [["client_id", "hex:" + cid.hex()]]}
                    for i, (mac, cid, _) in enumerate(CLIENT_IDS)]
        answered = set()
        for _ in range(3):   # a lost frame is retried; an answer is never taken back
            replies = lan.pkt.burst("discover", clients, timeout=3)
            answered |= {r["xid"] for r in replies if r["msgtype"] == 2}
        want = {0x4a00 + i for i, h in enumerate(MACS.values()) if h % 2 == 0}
        want |= {0x4b00 + i for i, (_, _, h) in enumerate(CLIENT_IDS) if h % 2 == 0}
        assert answered == want, (sorted(answered), sorted(want), srv.log())
    finally:
        srv.stop()
        partner.kill()
        partner.wait()
