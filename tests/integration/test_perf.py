"""nestor-perf against real servers in network namespaces: nestor-dhcp4, Debian's kea-dhcp4 and
kea-dhcp6. At a low rate its counts equal the servers' own statistics and perfdhcp's; at a higher
rate nothing is miscounted (what it saw answered plus what it lost is what the server sent);
direct and relayed modes; DHCPv6 with addresses, prefixes and rapid commit; bad answers counted,
a silent server ends the run with a summary; the --max-rate search ends."""
import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import time

import pytest

from conftest import BUILD, KEA, Server, basic_config, sh, subnet_config
from test_clients import perfdhcp

PERF = os.path.join(BUILD, "src", "perf", "nestor-perf")
KEA6 = shutil.which("kea-dhcp6") or "/usr/sbin/kea-dhcp6"


def perf(lan, *args, timeout=60, json_out=True):
    cmd = lan.in_cli(PERF, *args, *(["--json"] if json_out else []))
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    out = json.loads(r.stdout) if json_out and r.stdout.strip().startswith("{") else None
    return r, out


def ph(out, name):
    return out["phases"].get(name, {"sent": 0, "answered": 0, "lost": 0, "rejected": 0})


def stats(srv, *names):
    return {n: srv.stat(n) or 0 for n in names}


def relay_config(lan, pool="10.10.100.0 - 10.10.255.254", **extra):
    lan.add_relay()
    cfg = basic_config(**extra)
    cfg["Dhcp4"]["subnet4"].append({"id": 2, "subnet": "10.10.0.0/16", "pools": [{"pool": pool}]})
    return cfg


def test_help_and_usage_errors(lan):
    r = subprocess.run([PERF, "--help"], capture_output=True, text=True)
    assert r.returncode == 0 and "Usage: nestor-perf" in r.stdout and "--max-rate" in r.stdout
    r = subprocess.run([PERF, "-r", "fast"], capture_output=True, text=True)
    assert r.returncode == 1 and "'fast'" in r.stderr and "-r" in r.stderr
    r = subprocess.run([PERF, "-4", "-c", "-l", "lo"], capture_output=True, text=True)
    assert r.returncode == 1 and "DHCPv6" in r.stderr
    r = subprocess.run([PERF, "-p", "1"], capture_output=True, text=True)   # no -l, no --relay
    assert r.returncode == 2 and "-l IFACE" in r.stderr
    r = subprocess.run([PERF, "-l", "no-such-if0", "-p", "1"], capture_output=True, text=True)
    assert r.returncode == 2 and "no-such-if0" in r.stderr


def test_low_rate_counts_equal_server_statistics_and_perfdhcp(lan, server):
    cfg = basic_config()
    cfg["Dhcp4"]["subnet4"][0]["pools"] = [{"pool": "192.0.2.2 - 192.0.2.250"}]
    srv = server(cfg)
    r, out = perf(lan, "-l", lan.cli_if, "-B", "-r", "200", "-n", "80", "-R", "80",
                  "-f", "40", "-F", "20", "--decline-rate", "10", "--inform-rate", "10")
    assert r.returncode == 0, r.stderr
    st = stats(srv, "pkt4-discover-received", "pkt4-offer-sent", "pkt4-request-received",
               "pkt4-ack-sent", "pkt4-release-received", "pkt4-decline-received", "pkt4-inform-received")
    d, q = ph(out, "DISCOVER-OFFER"), ph(out, "REQUEST-ACK")
    rn, inf = ph(out, "RENEW-ACK"), ph(out, "INFORM-ACK")
    assert d["sent"] == 80 and d["answered"] == 80 and d["lost"] == 0, out
    assert q["sent"] == 80 and q["answered"] == 80, out
    assert rn["sent"] > 0 and rn["answered"] == rn["sent"], out
    assert inf["sent"] > 0 and inf["answered"] == inf["sent"], out
    assert st["pkt4-discover-received"] == d["sent"]
    assert st["pkt4-offer-sent"] == d["answered"]
    assert st["pkt4-request-received"] == q["sent"] + rn["sent"]
    assert st["pkt4-ack-sent"] == q["answered"] + rn["answered"] + inf["answered"]
    assert st["pkt4-release-received"] == ph(out, "RELEASE")["sent"] > 0
    assert st["pkt4-decline-received"] == ph(out, "DECLINE")["sent"] > 0
    assert st["pkt4-inform-received"] == inf["sent"]
    assert out["received"] == {"total": 160 + rn["answered"] + inf["answered"], "malformed": 0,
                               "unmatched": 0, "unexpected": 0}
    assert out["leases"] == 80 + rn["answered"]
    lat = ph(out, "REQUEST-ACK")["latency-us"]
    assert 0 < lat["p50"] <= lat["p99"] <= lat["max"] < 1e6
    # perfdhcp on the same server with the same load counts the same
    srv.cmd("statistic-reset-all")
    sh("ip", "-n", lan.cli_ns, "addr", "add", "192.0.2.251/24", "dev", lan.cli_if)
    try:
        pr, pst = perfdhcp(lan, "-l", lan.cli_if, "-B", "-r", "200", "-n", "60", "-R", "60",
                           "-W", "1000000", "-b", "mac=00:0e:00:00:00:00")
    finally:
        sh("ip", "-n", lan.cli_ns, "addr", "del", "192.0.2.251/24", "dev", lan.cli_if, check=False)
    srv.cmd("statistic-reset-all")
    r, out = perf(lan, "-l", lan.cli_if, "-B", "-r", "200", "-n", "60", "-R", "60",
                  "-b", "mac=00:0f:00:00:00:00")
    assert pst["DISCOVER-OFFER"] == (ph(out, "DISCOVER-OFFER")["sent"], ph(out, "DISCOVER-OFFER")["answered"])
    assert pst["REQUEST-ACK"] == (ph(out, "REQUEST-ACK")["sent"], ph(out, "REQUEST-ACK")["answered"])
    assert srv.stat("pkt4-ack-sent") == ph(out, "REQUEST-ACK")["answered"] == 60


def test_higher_rate_relayed_nothing_miscounted(lan, server):
    srv = server(relay_config(lan))
    r, out = perf(lan, "--relay", "10.10.10.1", lan.server_ip, "-r", "4000", "-p", "2",
                  "-R", "50000", "-d", "2")
    assert r.returncode == 0, r.stderr
    d, q = ph(out, "DISCOVER-OFFER"), ph(out, "REQUEST-ACK")
    st = stats(srv, "pkt4-discover-received", "pkt4-offer-sent", "pkt4-ack-sent", "pkt4-request-received")
    assert d["sent"] >= 7900, out
    # every answer the server sent was seen, or is counted lost (arrived too late: unmatched)
    for phase, sent_stat, recv_stat in ((d, "pkt4-discover-received", "pkt4-offer-sent"),
                                        (q, "pkt4-request-received", "pkt4-ack-sent")):
        assert phase["answered"] <= st[recv_stat] <= phase["answered"] + phase["lost"], (out, st)
        assert st[sent_stat] <= phase["sent"]
    assert st["pkt4-ack-sent"] - q["answered"] <= out["received"]["unmatched"] + q["lost"]
    assert out["leases"] == q["answered"]
    assert srv.stat("subnet[2].assigned-addresses") == q["answered"]
    if out["drop-percent"] == 0:
        assert st["pkt4-discover-received"] == d["sent"] and st["pkt4-ack-sent"] == q["answered"]


def test_max_rate_search_ends(lan, server):
    server(relay_config(lan))
    r, out = perf(lan, "--relay", "10.10.10.1", lan.server_ip, "--max-rate", "--search-low", "300",
                  "--search-high", "600", "-p", "0.5", "-R", "2000", timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    assert out["max-rate"] == 600 and [t["offered-rate"] for t in out["trials"]] == [300, 600]
    assert out["best"]["drop-percent"] < 1


def test_kea_dhcp4_direct_and_relayed(lan, server):
    if not os.path.exists(KEA):
        pytest.skip("kea-dhcp4 is needed")
    srv = server(relay_config(lan), binary=KEA, name="kea")
    r, out = perf(lan, "-l", lan.cli_if, "-B", "-r", "100", "-n", "50", "-R", "50", "-b", "mac=00:21:00:00:00:00")
    assert ph(out, "REQUEST-ACK")["answered"] == 50, (r.stdout, r.stderr, srv.log())
    r, out = perf(lan, "--relay", "10.10.10.1", lan.server_ip, "-r", "100", "-n", "50", "-R", "50",
                  "-b", "mac=00:22:00:00:00:00", "-f", "20")
    assert ph(out, "REQUEST-ACK")["answered"] == 50, (r.stdout, r.stderr, srv.log())
    assert ph(out, "RENEW-ACK")["answered"] == ph(out, "RENEW-ACK")["sent"] > 0
    assert srv.stat("pkt4-ack-sent") == 100 + ph(out, "RENEW-ACK")["answered"]
    assert srv.stat("subnet[2].assigned-addresses") == 50


class Kea6(Server):
    """kea-dhcp6 with addresses, prefixes and rapid commit; on link-local and a unicast address."""

    def complete(self, config):
        self.lease_file = os.path.join(self.dir, "leases6.csv")
        config["Dhcp6"] = {
            "data-directory": self.dir,
            "interfaces-config": {"interfaces": [f"{self.lan.srv_if}/2001:db8:1::1"]},
            "control-socket": {"socket-type": "unix", "socket-name": self.sock},
            "lease-database": {"type": "memfile", "name": self.lease_file, "lfc-interval": 0},
            "preferred-lifetime": 3000, "valid-lifetime": 4000,
            "subnet6": [{"id": 7, "subnet": "2001:db8:1::/64", "interface": self.lan.srv_if,
                         "rapid-commit": True,
                         "pools": [{"pool": "2001:db8:1::1000 - 2001:db8:1::ffff"}],
                         "pd-pools": [{"prefix": "2001:db8:8000::", "prefix-len": 40,
                                       "delegated-len": 64}]}],
            "loggers": [{"name": "kea-dhcp6", "severity": "INFO",
                         "output_options": [{"output": "stdout"}]}]}
        return config


def test_kea_dhcp6_addresses_prefixes_rapid_commit_relayed(lan):
    if not os.path.exists(KEA6):
        pytest.skip("kea-dhcp6 is needed")
    from test_csv6_kea import ipv6_up
    ipv6_up(lan)
    sh("ip", "-n", lan.srv_ns, "-6", "addr", "add", "2001:db8:1::1/64", "dev", lan.srv_if, "nodad")
    sh("ip", "-n", lan.cli_ns, "-6", "addr", "add", "2001:db8:1::2/64", "dev", lan.cli_if, "nodad")
    srv = Kea6(lan, {}, binary=KEA6, name="kea6").start()
    try:
        r, out = perf(lan, "-6", "-l", lan.cli_if, "-e", "address-and-prefix", "-r", "100", "-n", "40",
                      "-R", "40", "-f", "20", "-F", "10")
        s, q = ph(out, "SOLICIT-ADVERTISE"), ph(out, "REQUEST-REPLY")
        assert s["sent"] == s["answered"] == 40 and q["answered"] == 40, (r.stdout, r.stderr, srv.log())
        rn, rl = ph(out, "RENEW-REPLY"), ph(out, "RELEASE-REPLY")
        assert rn["answered"] == rn["sent"] > 0 and rl["answered"] == rl["sent"] > 0, out
        assert srv.stat("pkt6-solicit-received") == 40
        assert srv.stat("pkt6-renew-received") == rn["sent"]
        assert srv.stat("pkt6-release-received") == rl["sent"]
        leases = [l for l in open(srv.lease_file).read().splitlines()[1:] if l]
        assert any(",2,2,64," in l for l in leases) and any(",0,1,128," in l for l in leases)  # IA_PD iaid 2, IA_NA iaid 1
        # rapid commit: SOLICIT answered by REPLY
        r, out = perf(lan, "-6", "-l", lan.cli_if, "-c", "-r", "100", "-n", "20", "-R", "20",
                      "-b", "mac=00:41:00:00:00:00")
        assert ph(out, "SOLICIT-ADVERTISE")["answered"] == 20 and "REQUEST-REPLY" not in out["phases"], out
        assert out["leases"] == 20 and out["drop-percent"] == 0
        # relayed: RELAY-FORW to the server's unicast address
        r, out = perf(lan, "-6", "--relay", "2001:db8:1::2", "2001:db8:1::1", "-r", "100", "-n", "20",
                      "-R", "20", "-b", "mac=00:42:00:00:00:00")
        assert ph(out, "REQUEST-REPLY")["answered"] == 20, (r.stdout, r.stderr, srv.log())
        # a pool that is exhausted is a rejection, not a loss: prefix-only with no prefixes left
    finally:
        srv.stop()
        shutil.rmtree(srv.dir, ignore_errors=True)


FAKE = r'''
import socket, struct, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], 67))
n = nreq = 0
while True:
    b, a = s.recvfrom(2048)
    if len(b) < 240 or b[0] != 1:
        continue
    n += 1
    xid, giaddr, chaddr = b[4:8], b[24:28], b[28:44]
    def reply(t, x=xid, ch=chaddr):
        return (bytes([2, 1, 6, 0]) + x + bytes(8) + socket.inet_aton("10.10.100.%d" % (n % 250 + 1))
                + bytes(4) + giaddr + ch + bytes(192) + b"\x63\x82\x53\x63"
                + bytes([53, 1, t, 54, 4]) + socket.inet_aton(sys.argv[1]) + b"\xff")
    to = (socket.inet_ntoa(giaddr), 67)
    t = b[242] if b[240] == 53 else 0
    if t == 1:
        s.sendto(b"\x02garbage", to)                       # malformed
        s.sendto(reply(2, x=bytes(a ^ 0x55 for a in xid)), to)  # unmatched id
        s.sendto(reply(2, ch=bytes(16)), to)              # right id, another client
        s.sendto(reply(5), to)                            # ACK where an OFFER is due
        s.sendto(reply(2), to)                            # the OFFER
    elif t == 3:
        nreq += 1
        s.sendto(reply(6 if nreq % 2 else 5), to)            # NAK half of the REQUESTs
'''


def test_bad_answers_are_counted_and_a_silent_server_ends_the_run(lan, tmp_path):
    lan.add_relay()
    fake = tmp_path / "fake.py"
    fake.write_text(FAKE)
    p = subprocess.Popen(lan.in_srv(sys.executable, str(fake), lan.server_ip))
    try:
        time.sleep(0.5)
        r, out = perf(lan, "--relay", "10.10.10.1", lan.server_ip, "-r", "100", "-n", "40", "-R", "40")
        assert r.returncode == 0, r.stderr
        d, q = ph(out, "DISCOVER-OFFER"), ph(out, "REQUEST-ACK")
        assert d["sent"] == d["answered"] == 40 and q["sent"] == 40, out
        assert q["answered"] + q["rejected"] == 40 and q["rejected"] >= 10 and q["answered"] >= 10, out
        assert out["received"]["malformed"] == 40, out
        assert out["received"]["unmatched"] == 80, out
        assert out["received"]["unexpected"] == 40, out
        assert out["leases"] == q["answered"]
    finally:
        p.kill()
        p.wait()
    # nothing answers: the run ends after the sending time plus the drop time, with a summary
    t0 = time.time()
    r, _ = perf(lan, "--relay", "10.10.10.1", lan.server_ip, "-r", "50", "-p", "1", "-d", "0.5",
                json_out=False, timeout=20)
    assert time.time() - t0 < 5
    assert r.returncode == 3, r.stdout
    assert "no answer: the server answered none of 50 requests" in r.stdout, r.stdout
    assert "DISCOVER-OFFER" in r.stdout and "drops: 100.00%" in r.stdout


def test_warmup_is_not_counted(lan, server):
    srv = server(relay_config(lan))
    r, out = perf(lan, "--relay", "10.10.10.1", lan.server_ip, "-r", "200", "-p", "1", "--warmup", "1",
                  "-R", "5000", "-b", "mac=00:51:00:00:00:00")
    assert r.returncode == 0, r.stderr
    d = ph(out, "DISCOVER-OFFER")
    # 400 DISCOVERs went out; the 200 of the warm-up second are not in the figures
    assert srv.stat("pkt4-discover-received") in range(396, 404)
    assert d["sent"] in range(195, 206), out
    assert out["seconds"] == pytest.approx(1.0, abs=0.05) and out["warmup"] == 1
    assert out["leases"] == ph(out, "REQUEST-ACK")["answered"] == d["sent"]
