"""The memfile lease file through the running server: expired-lease reclamation, lease file
cleanup (LFC) on a timer, corrupt rows and max-row-errors."""
import contextlib
import json
import os
import subprocess
import tempfile
import time

import pytest

from conftest import NESTOR, Server, basic_config, subnet_config, wait_for
from test_protocol import dora

HEADER = "address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,fqdn_rev,hostname,state,user_context\n"


def test_expired_leases_are_reclaimed_on_the_timer(lan, server):
    cfg = basic_config(**{"valid-lifetime": 2, "min-valid-lifetime": 1, "max-valid-lifetime": 2,
                          "renew-timer": 1, "rebind-timer": 1,
                          "expired-leases-processing": {"reclaim-timer-wait-time": 1,
                                                        "hold-reclaimed-time": 0,
                                                        "flush-reclaimed-timer-wait-time": 1}})
    srv = server(cfg)
    _, ack = dora(lan, mac="02:00:00:00:c0:01", xid=0xf001)
    assert srv.stat("subnet[1].assigned-addresses") == 1
    deadline = time.time() + 10
    while time.time() < deadline and srv.cmd("lease4-get", {"ip-address": ack["yiaddr"]})["result"] == 0:
        time.sleep(0.3)
    assert srv.cmd("lease4-get", {"ip-address": ack["yiaddr"]})["result"] == 3
    assert srv.stat("reclaimed-leases") == 1
    assert srv.stat("subnet[1].reclaimed-leases") == 1
    assert srv.stat("subnet[1].assigned-addresses") == 0


def test_leases_reclaim_command_keeps_reclaimed_leases(lan, server):
    srv = server(basic_config(**{"expired-leases-processing": {"reclaim-timer-wait-time": 0,
                                                               "flush-reclaimed-timer-wait-time": 0}}))
    old = int(time.time()) - 1000
    srv.cmd("lease4-add", {"ip-address": "192.0.2.120", "hw-address": "02:00:00:00:c1:01",
                           "valid-lft": 100, "cltt": old, "hostname": "gone"})
    assert srv.cmd("leases-reclaim", {"remove": False})["result"] == 0
    l = srv.cmd("lease4-get", {"ip-address": "192.0.2.120"})["arguments"]
    assert l["state"] == 2 and l["hostname"] == ""
    assert srv.cmd("leases-reclaim")["result"] == 1  # 'remove' is mandatory


def test_lease_file_cleanup_runs_on_its_timer(lan, server):
    cfg = basic_config()
    srv = server(cfg, start=False)
    srv.config["Dhcp4"]["lease-database"]["lfc-interval"] = 1
    srv.start()
    ips = []
    for i in range(3):
        _, ack = dora(lan, mac=f"02:00:00:00:c2:{i:02x}", xid=0xf100 + 16 * i)
        ips.append(ack["yiaddr"])
    for i in range(3):  # renewals: more rows for the same leases
        dora(lan, mac=f"02:00:00:00:c2:{i:02x}", xid=0xf200 + 16 * i)
    srv.cmd("lease4-del", {"ip-address": ips[0]})
    # LFC runs every second: wait for a cycle that started after the delete (on a slow machine an
    # earlier cycle may already have compacted the file without it)
    def compacted_ips():
        try:
            lines = open(srv.lease_file + ".2").read().splitlines()
        except OSError:
            return None
        assert lines[0] + "\n" == HEADER
        return sorted(r.split(",")[0] for r in lines[1:])
    deadline = time.time() + 15
    while time.time() < deadline and compacted_ips() != sorted(ips[1:]):
        time.sleep(0.3)
    assert compacted_ips() == sorted(ips[1:]), os.listdir(srv.dir)
    srv.stop()
    srv.start()
    assert sorted(l["ip-address"] for l in srv.cmd("lease4-get-all")["arguments"]["leases"]) == sorted(ips[1:])


def write_leases(path, rows):
    now = int(time.time())
    with open(path, "w") as f:
        f.write(HEADER)
        for r in rows:
            f.write(r.format(exp=now + 3000) + "\n")


def test_corrupt_rows_are_skipped_and_reported(lan, server):
    srv = server(basic_config(), start=False)
    write_leases(srv.lease_file, [
        "192.0.2.101,02:00:00:00:d0:01,,3600,{exp},1,0,0,,0,",
        "192.0.2.102,zz:not:a:mac,,3600,{exp},1,0,0,,0,",
        "192.0.2.103,02:00:00:00:d0:03,,3600,{exp},1,0,0,,0,",
        "not-an-address,02:00:00:00:d0:04,,3600,{exp},1,0,0,,0,",
    ])
    srv.start()
    ips = sorted(l["ip-address"] for l in srv.cmd("lease4-get-all")["arguments"]["leases"])
    assert ips == ["192.0.2.101", "192.0.2.103"]
    assert "DHCPSRV_MEMFILE_LEASE_LOAD_ROW_ERROR" in srv.log()


def test_max_row_errors_refuses_to_start(lan, server):
    srv = server(basic_config(), start=False)
    srv.config["Dhcp4"]["lease-database"]["max-row-errors"] = 1
    write_leases(srv.lease_file, [
        "192.0.2.102,zz,,3600,{exp},1,0,0,,0,",
        "192.0.2.103,yy,,3600,{exp},1,0,0,,0,",
    ])
    srv.write_config()
    import subprocess
    env = dict(os.environ, KEA_PIDFILE_DIR=srv.dir)
    r = subprocess.run(lan.in_srv(srv.binary, "-c", srv.conf_path), capture_output=True, text=True, env=env, timeout=20)
    assert r.returncode == 1
    assert "max-row-errors" in r.stdout + r.stderr or "row errors" in r.stdout + r.stderr, r.stdout + r.stderr
    # the lease file was not modified
    assert open(srv.lease_file).read().count("\n") == 3


def start_logging_to_file(tmp_path, rows, max_row_errors=0):
    """nestor-dhcp4 (no interfaces) whose only logger writes to a file, on a lease file holding
    rows; returns (process, log path, stdout path)."""
    lease_file, log = str(tmp_path / "leases4.csv"), str(tmp_path / "nestor.log")
    write_leases(lease_file, rows)
    cfg = {"Dhcp4": {
        "interfaces-config": {"interfaces": []},
        "control-socket": {"socket-type": "unix", "socket-name": str(tmp_path / "ctrl.sock")},
        "lease-database": {"type": "memfile", "name": lease_file, "lfc-interval": 0,
                           "max-row-errors": max_row_errors},
        "loggers": [{"name": "kea-dhcp4", "severity": "INFO", "output_options": [{"output": log}]}],
        "subnet4": [{"id": 1, "subnet": "192.0.2.0/24"}]}}
    conf = tmp_path / "dhcp4.json"
    conf.write_text(json.dumps(cfg))
    out = tmp_path / "stdout.txt"
    p = subprocess.Popen([NESTOR, "-c", str(conf)], env=dict(os.environ, KEA_PIDFILE_DIR=str(tmp_path)),
                         stdout=open(out, "w"), stderr=subprocess.STDOUT)
    return p, log, out


def test_start_up_lease_file_messages_reach_the_configured_loggers(tmp_path):
    p, log, out = start_logging_to_file(tmp_path, ["192.0.2.101,02:00:00:00:d0:01,,3600,{exp},1,0,0,,0,",
                                                   "192.0.2.102,zz,,3600,{exp},1,0,0,,0,"])
    try:
        assert wait_for(lambda: os.path.exists(tmp_path / "ctrl.sock") and "DHCP4_STARTED" in open(log).read())
    finally:
        p.terminate()
        p.wait(10)
    text = open(log).read()
    assert "DHCPSRV_MEMFILE_LEASE_LOAD_ROW_ERROR" in text and "line 3: invalid hwaddr 'zz'" in text, text
    assert "DHCPSRV_MEMFILE_LEASE_FILE_LOAD" in text and "2 rows, 1 discarded" in text, text
    assert "DHCPSRV_MEMFILE_LEASE_LOAD_ROW_ERROR" not in open(out).read()


def test_fatal_lease_file_error_reaches_the_configured_loggers(tmp_path):
    p, log, out = start_logging_to_file(tmp_path, ["192.0.2.102,zz,,3600,{exp},1,0,0,,0,",
                                                   "192.0.2.103,yy,,3600,{exp},1,0,0,,0,"], max_row_errors=1)
    assert p.wait(20) == 1
    text = open(log).read()
    assert text.count("DHCPSRV_MEMFILE_LEASE_LOAD_ROW_ERROR") == 2, text
    assert "DHCP4_INIT_FAIL" in text and "more than 1 bad rows (max-row-errors)" in text, text


@contextlib.contextmanager
def small_disk(kib=64):
    """A tmpfs of kib KiB under a fresh temporary directory, unmounted (lazily) afterwards."""
    d = tempfile.mkdtemp(prefix="nestor-full-")
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={kib}k,mode=0755", "tmpfs", d], check=True)
    try:
        yield d
    finally:
        subprocess.run(["umount", "-l", d], check=False)
        os.rmdir(d)


def fill(disk):
    """Takes every free block of the disk."""
    fd = os.open(os.path.join(disk, "filler"), os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        while os.write(fd, b"\0" * 4096):
            pass
    except OSError:
        pass
    finally:
        os.close(fd)


def add_leases(srv, count=400, until_failure=True):
    """lease4-add 192.0.3.x, then 192.0.4.x (outside the pool), until one fails (or count are
    done); returns (addresses the commands added, the last answer)."""
    added = []
    for i in range(count):
        ip = f"192.0.{3 + i // 200}.{10 + i % 200}"
        r = srv.cmd("lease4-add", {"ip-address": ip, "hw-address": f"02:00:00:00:{i >> 8:02x}:{i & 255:02x}",
                                   "hostname": f"host-{i}.example.org"})
        if r["result"] == 0:
            added.append(ip)
        elif until_failure:
            return added, r
    assert not until_failure, f"{count} leases added on a full disk"
    return added, r


def leases_in_file(path):
    """The addresses a load of the lease file keeps (the last row of an address wins, valid
    lifetime 0 deletes)."""
    live = {}
    for row in open(path).read().splitlines()[1:]:
        f = row.split(",")
        if len(f) == 11:
            live[f[0]] = f[3] != "0"
    return sorted(ip for ip, alive in live.items() if alive)


def leases_in_memory(srv):
    return sorted(l["ip-address"] for l in srv.cmd("lease4-get-all").get("arguments", {}).get("leases", []))


def full_disk_server(server, disk, durable=False):
    cfg = basic_config(**{"subnet4": [subnet_config(), {"id": 2, "subnet": "192.0.3.0/24"},
                                      {"id": 3, "subnet": "192.0.4.0/24"}]})
    srv = server(cfg, start=False)
    srv.lease_file = os.path.join(disk, "leases4.csv")
    srv.config["Dhcp4"]["lease-database"].update(name=srv.lease_file, durable=durable)
    return srv.start()


@pytest.mark.skipif(os.geteuid() != 0, reason="mounts a tmpfs")
@pytest.mark.parametrize("durable", [False, True])
def test_lease_commands_report_a_failed_lease_file_write(lan, server, durable):
    """A lease command answers once its row is stored: with durable commits too, a write the
    writer thread fails gets an error answer (the answer waits for the commit)."""
    with small_disk() as disk:
        srv = full_disk_server(server, disk, durable)
        fill(disk)
        added, r = add_leases(srv)
        assert r["result"] == 1 and "No space left on device" in r["text"], r
        assert added, "the lease file's last block takes some rows"
        u = srv.cmd("lease4-update", {"ip-address": added[0], "hw-address": "02:00:00:00:ff:ff",
                                      "hostname": "renamed"})
        assert u["result"] == 1 and "No space left on device" in u["text"], u
        d = srv.cmd("lease4-del", {"ip-address": added[1]})
        assert d["result"] == 1 and "No space left on device" in d["text"], d
        # the statistics count what the commands reported
        assert sum(srv.stat(f"subnet[{i}].assigned-addresses") or 0 for i in (1, 2, 3)) == len(added)
        # every lease a command reported added is in the file, and no other
        assert leases_in_file(srv.lease_file) == sorted(added), (added, leases_in_file(srv.lease_file))
        srv.stop()


@pytest.mark.skipif(os.geteuid() != 0, reason="mounts a tmpfs")
@pytest.mark.parametrize("durable", [False, True])
def test_failed_writes_leave_memory_as_the_file(lan, server, durable):
    """On a full disk, a change whose row cannot be written is undone in memory: the address a
    client got no ACK for is free again, and after a restart memory holds what it held before."""
    with small_disk() as disk:
        srv = full_disk_server(server, disk, durable)
        fill(disk)
        add_leases(srv, until_failure=False)
        mac = "02:00:00:00:e0:01"
        offers = lan.pkt.dhcp("discover", chaddr=mac, xid=0xe001, flags=0x8000)
        assert len(offers) == 1, offers
        acks = lan.pkt.dhcp("request", chaddr=mac, xid=0xe002, flags=0x8000,
                            options=[["server_id", "192.0.2.1"], ["requested_addr", offers[0]["yiaddr"]]])
        assert acks == [], acks
        assert wait_for(lambda: srv.cmd("lease4-get", {"ip-address": offers[0]["yiaddr"]})["result"] == 3, 5)
        in_file = leases_in_file(srv.lease_file)
        assert 0 < len(in_file) < 400
        assert wait_for(lambda: leases_in_memory(srv) == in_file, 5), (len(leases_in_memory(srv)), len(in_file))
        srv.stop()
        srv.start()
        assert leases_in_memory(srv) == in_file
        srv.stop()
