"""Real DHCP clients against nestor-dhcp4: ISC dhclient, dhcpcd, busybox udhcpc, Kea's perfdhcp."""
import os
import re
import shutil
import subprocess
import tempfile

import pytest

from conftest import basic_config

SCRIPT = """#!/bin/sh
# dhclient-script's essentials, inside the test's own namespace: configure what was leased.
case "$reason" in
  BOUND|RENEW|REBIND|REBOOT) ip addr replace "$new_ip_address/$new_subnet_mask" dev "$interface" ;;
  RELEASE|EXPIRE|STOP) ip addr flush dev "$interface" ;;
esac
env | grep -E '^(reason|new_|interface|ip|subnet|router|dns|domain|lease|serverid|dhcp_|new_ip)' | sort > "{out}.$$"
echo "REASON=$reason$1" >> "{out}.$$"
cat "{out}.$$" >> "{out}"; rm -f "{out}.$$"
"""


@pytest.fixture
def workdir():
    d = tempfile.mkdtemp(prefix="nestor-cli-")
    yield d
    shutil.rmtree(d, ignore_errors=True)


def make_script(workdir):
    out = os.path.join(workdir, "client.env")
    path = os.path.join(workdir, "script.sh")
    with open(path, "w") as f:
        f.write(SCRIPT.format(out=out))
    os.chmod(path, 0o755)
    return path, out


def run(lan, *cmd, timeout=30):
    return subprocess.run(lan.in_cli(*cmd), capture_output=True, text=True, timeout=timeout)


def test_dhclient_gets_lease_renews_and_releases(lan, server, workdir):
    srv = server(basic_config())
    script, out = make_script(workdir)
    lf, pf = os.path.join(workdir, "dhclient.leases"), os.path.join(workdir, "dhclient.pid")
    r = run(lan, "dhclient", "-1", "-4", "-v", "-sf", script, "-lf", lf, "-pf", pf, lan.cli_if)
    assert r.returncode == 0, r.stderr + srv.log()
    env = open(out).read()
    ip = re.search(r"new_ip_address=(\S+)", env).group(1)
    assert ip.startswith("192.0.2.1")
    assert "new_routers=192.0.2.1" in env
    assert "new_domain_name_servers=192.0.2.53 192.0.2.54" in env
    assert "new_domain_name=example.org" in env
    assert "new_dhcp_lease_time=600" in env
    lease = srv.cmd("lease4-get", {"ip-address": ip})
    assert lease["result"] == 0
    assert lease["arguments"]["hw-address"] == lan.cli_mac
    # renew: dhclient started again with its lease file goes through INIT-REBOOT and keeps the address
    r = run(lan, "dhclient", "-1", "-4", "-v", "-sf", script, "-lf", lf, "-pf", pf, lan.cli_if)
    assert r.returncode == 0, r.stderr
    env = open(out).read()
    assert env.count(f"new_ip_address={ip}") >= 2
    # release
    r = run(lan, "dhclient", "-r", "-4", "-v", "-sf", script, "-lf", lf, "-pf", pf, lan.cli_if)
    assert r.returncode == 0, r.stderr
    import time
    time.sleep(0.3)
    assert srv.cmd("lease4-get", {"ip-address": ip})["result"] == 3
    subprocess.run(lan.in_cli("ip", "addr", "flush", "dev", lan.cli_if), check=False)


def test_dhcpcd_test_mode_gets_offer_and_options(lan, server, workdir):
    srv = server(basic_config())
    # -T prints the offer's variables and should exit; dhcpcd 9's privilege-separation proxy may
    # linger, so the run is bounded and its output read.
    out = os.path.join(workdir, "dhcpcd.out")
    r = run(lan, "sh", "-c", f"timeout -s KILL 8 dhcpcd -4 -T -t 6 -f /dev/null {lan.cli_if} > {out} 2>&1; true")
    env = open(out).read()
    assert "new_ip_address='192.0.2.1" in env, r.stdout + r.stderr + srv.log()
    assert "new_routers='192.0.2.1'" in env
    assert "new_domain_name_servers='192.0.2.53 192.0.2.54'" in env
    assert "new_subnet_mask='255.255.255.0'" in env
    assert "new_dhcp_lease_time='600'" in env
    # a test-mode client only discovers: nothing is leased
    assert srv.cmd("lease4-get-all")["result"] == 3


def test_dhcpcd_full_lease(lan, server, workdir):
    srv = server(basic_config())
    script, out = make_script(workdir)
    r = run(lan, "dhcpcd", "-4", "-1", "-t", "15", "-c", script, "-f", "/dev/null",
            "--nohook", "resolv.conf", "-B", lan.cli_if, timeout=40)
    env = open(out).read() if os.path.exists(out) else ""
    m = re.search(r"new_ip_address=(\S+)", env)
    assert m, r.stdout + r.stderr + srv.log()
    assert srv.cmd("lease4-get", {"ip-address": m.group(1)})["result"] == 0
    run(lan, "dhcpcd", "-x", lan.cli_if)
    subprocess.run(lan.in_cli("ip", "addr", "flush", "dev", lan.cli_if), check=False)


def test_udhcpc_gets_lease(lan, server, workdir):
    srv = server(basic_config())
    script, out = make_script(workdir)
    r = run(lan, "busybox", "udhcpc", "-i", lan.cli_if, "-s", script, "-n", "-q", "-f", "-t", "5", "-T", "1")
    assert r.returncode == 0, r.stdout + r.stderr + srv.log()
    env = open(out).read()
    ip = re.search(r"^ip=(\S+)", env, re.M).group(1)
    assert ip.startswith("192.0.2.1")
    assert re.search(r"^router=192.0.2.1", env, re.M)
    assert re.search(r"^dns=192.0.2.53 192.0.2.54", env, re.M)
    assert re.search(r"^lease=600", env, re.M)
    assert srv.cmd("lease4-get", {"ip-address": ip})["result"] == 0


def perfdhcp(lan, *args, timeout=60):
    r = subprocess.run(lan.in_cli("perfdhcp", "-4", *args), capture_output=True, text=True, timeout=timeout)
    stats = {}
    for block in re.split(r"\*\*\*Statistics for: ", r.stdout)[1:]:
        name = block.split("*")[0].strip()
        g = lambda k: int(re.search(rf"{k}: (\d+)", block).group(1)) if re.search(rf"{k}: (\d+)", block) else 0
        stats[name] = (g("sent packets"), g("received packets"))
    return r, stats


def test_perfdhcp_dora_load(lan, server):
    cfg = basic_config()
    cfg["Dhcp4"]["subnet4"][0]["pools"] = [{"pool": "192.0.2.2 - 192.0.2.250"}]
    srv = server(cfg)
    # perfdhcp needs an address on its interface (it still sends as 200 clients without one)
    subprocess.run(lan.in_cli("ip", "addr", "add", "192.0.2.251/24", "dev", lan.cli_if), check=True)
    try:
        r, st = perfdhcp(lan, "-l", lan.cli_if, "-B", "-r", "100", "-n", "200", "-R", "200", "-W", "1000000")
    finally:
        subprocess.run(lan.in_cli("ip", "addr", "del", "192.0.2.251/24", "dev", lan.cli_if), check=False)
    assert "REQUEST-ACK" in st, r.stdout + r.stderr
    sent, recv = st["REQUEST-ACK"]
    assert recv == sent and recv >= 195, (st, srv.log())
    assert srv.stat("pkt4-ack-sent") == recv
    leases = srv.cmd("lease4-get-all")["arguments"]["leases"]
    assert len(leases) == recv
    assert len({l["ip-address"] for l in leases}) == len(leases)


def test_perfdhcp_relay_mode(lan, server):
    lan.add_relay()
    cfg = basic_config()
    cfg["Dhcp4"]["subnet4"].append({"id": 2, "subnet": "10.10.10.0/24",
                                    "pools": [{"pool": "10.10.10.10 - 10.10.10.250"}]})
    srv = server(cfg)
    # perfdhcp given an address (not an interface) acts as a relay: giaddr = that address
    r, st = perfdhcp(lan, "-l", "10.10.10.1", "-r", "50", "-n", "50", "-R", "50", "-W", "1000000", "192.0.2.1")
    assert "REQUEST-ACK" in st, r.stdout + r.stderr
    sent, recv = st["REQUEST-ACK"]
    assert recv >= 45, (st, srv.log())
    assert srv.stat("subnet[2].assigned-addresses") == recv


def test_perfdhcp_sustained_load_relayed(lan, server):
    """2,500 leases/s (5,000 packets/s) for 3 s through a relay: above the rate at which the server
    coalesces receives (4,000 packets/s), so this covers the paused receive rounds. Every request
    answered, every lease distinct and in the store."""
    lan.add_relay()
    cfg = basic_config()
    cfg["Dhcp4"]["subnet4"].append({"id": 2, "subnet": "10.10.0.0/16",
                                    "pools": [{"pool": "10.10.1.0 - 10.10.255.250"}]})
    srv = server(cfg)
    r, st = perfdhcp(lan, "-l", "10.10.10.1", "-r", "2500", "-p", "3", "-R", "100000", "-W", "1000000",
                     "192.0.2.1")
    assert "REQUEST-ACK" in st, r.stdout + r.stderr
    d_sent, d_recv = st["DISCOVER-OFFER"]
    sent, recv = st["REQUEST-ACK"]
    assert d_sent >= 6000, st
    assert d_recv >= 0.99 * d_sent and recv >= 0.99 * sent, (st, srv.log()[-2000:])
    assert srv.stat("pkt4-ack-sent") >= recv
    leases = srv.cmd("lease4-get-all", {"subnets": [2]})["arguments"]["leases"]
    assert len(leases) == srv.stat("pkt4-ack-sent")
    assert len({l["ip-address"] for l in leases}) == len(leases)
