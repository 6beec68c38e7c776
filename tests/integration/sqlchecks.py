"""Checks shared by the PostgreSQL and MySQL lease-store tests (test_pgsql_leases.py,
test_mysql_leases.py): each takes the database-specific parts as arguments."""
import contextlib
import subprocess
import time

from conftest import basic_config
from test_protocol import dora


@contextlib.contextmanager
def light_load(lan, rate=100, clients=200):
    """perfdhcp doing DORAs at rate per second from clients distinct clients until the block ends."""
    subprocess.run(lan.in_cli("ip", "addr", "add", "192.0.2.251/24", "dev", lan.cli_if), check=False)
    p = subprocess.Popen(lan.in_cli("perfdhcp", "-4", "-l", lan.cli_if, "-B", "-r", str(rate), "-R", str(clients),
                                    "-W", "1000000"), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield p
    finally:
        p.terminate()
        try:
            p.wait(10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
        subprocess.run(lan.in_cli("ip", "addr", "del", "192.0.2.251/24", "dev", lan.cli_if), check=False)


def check_reloads_keep_connections(lan, server, lease_db, count_connections, reloads=30, threads=8):
    """30 config-reloads with 8 packet workers under light load: the workers restart on each reload,
    and the connections of the exited ones are closed, so the store's connections to the database
    (count_connections()) stay bounded by one per worker plus the main thread's and the commit
    thread's, instead of growing by a worker pool per reload until the database refuses more."""
    cfg = basic_config(**{"lease-database": lease_db,
                          "multi-threading": {"enable-multi-threading": True, "thread-pool-size": threads,
                                              "packet-queue-size": 64}})
    cfg["Dhcp4"]["subnet4"][0]["pools"] = [{"pool": "192.0.2.2 - 192.0.2.250"}]
    srv = server(cfg)
    counts = []
    with light_load(lan):
        for _ in range(reloads):
            assert srv.proc.poll() is None, (counts, srv.log()[-3000:])
            r = srv.cmd("config-reload")
            assert r["result"] == 0, (r, srv.log()[-3000:])
            time.sleep(0.2)                    # the new workers serve (and connect)
            counts.append(count_connections())
    assert srv.proc.poll() is None, srv.log()[-3000:]
    acks = srv.stat("pkt4-ack-sent")
    assert acks and acks > reloads, acks       # the load was served across the reloads
    bound = threads + 2 + 2                    # workers, main thread, commit thread; a reconnect's check
    assert max(counts) <= bound, counts


def check_rows_with_nulls(lan, server, lease_db, insert, assigned):
    """Kea's schemas let valid_lifetime, expire, subnet_id and state be NULL (and lease4_stat's
    leases). A lease row without a lifetime, expiry or subnet is not a lease: lookups, lists and
    the DHCP path skip it, with a warning naming its address (Kea fails the whole query on it); a
    NULL state is the default state, as the column's default; a NULL count counts nothing.
    Nothing is read past a value (run with NESTOR_BUILD at an ASan build).
    insert(base) adds, directly in the database, rows with NULLs at base + 111... (base:
    192.0.2.0 as an integer) whose addresses it returns, a lease at base + 114 with a NULL
    state and NULL hardware address and hostname, and a NULL declined count of subnet 1; its
    triggers count assigned leases in subnet 1."""
    srv = server(basic_config(**{"lease-database": lease_db}))
    assert srv.cmd("lease4-add", {"ip-address": "192.0.2.110", "hw-address": "02:00:00:00:0e:10",
                                  "valid-lft": 3600})["result"] == 0
    srv.cmd("lease4-get-all")                       # committed
    bad = insert(0xC0000200)
    for ip in bad:
        r = srv.cmd("lease4-get", {"ip-address": ip})
        assert r["result"] == 3, r
        assert f"{ip} skipped" in open(srv.log_path).read(), srv.log()
    r = srv.cmd("lease4-get", {"ip-address": "192.0.2.114"})
    assert r["result"] == 0 and r["arguments"]["state"] == 0 and r["arguments"]["valid-lft"] == 3600, r
    got = srv.cmd("lease4-get-all")
    assert got["result"] == 0, got
    assert sorted(l["ip-address"] for l in got["arguments"]["leases"]) == ["192.0.2.110", "192.0.2.114"], got
    assert [l["ip-address"] for l in srv.cmd("lease4-get-page", {"from": "start", "limit": 10})
            ["arguments"]["leases"]] == ["192.0.2.110", "192.0.2.114"]
    assert srv.cmd("lease4-get-by-hw-address", {"hw-address": "02:00:00:00:e1:11"})["result"] == 3
    # statistics are counted again from lease4_stat on reload
    assert srv.cmd("config-reload")["result"] == 0
    assert srv.stat("subnet[1].assigned-addresses") == assigned
    assert srv.stat("subnet[1].declined-addresses") == 0
    assert srv.cmd("leases-reclaim", {"remove": False})["result"] == 0
    # the DHCP path: a client whose only lease is such a row gets a lease of its own
    _, ack = dora(lan, mac="02:00:00:00:e1:13")
    assert ack["msgtype"] == 5 and ack["yiaddr"] not in ["192.0.2.110", "192.0.2.114"] + bad, ack
    assert srv.proc.poll() is None
    srv.stop()                                      # a sanitizer report fails the test here
