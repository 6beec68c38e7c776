"""Recovery from lease-database failure, with Kea's parameters (reconnect-wait-time,
max-reconnect-tries, on-fail) and retry-on-startup: a real PostgreSQL server is stopped, restarted
and its connections killed while nestor-dhcp4 serves real DHCP exchanges."""
import copy
import subprocess
import time

import pytest
from workers import PORT_OFFSET

import pgsqlserver
from conftest import basic_config, wait_for
from test_pgsql_leases import start_fail
from test_protocol import dora
import hostsoutage

PORT = 5532 + PORT_OFFSET


@pytest.fixture(scope="module")
def pg():
    ok, why = pgsqlserver.available()
    if not ok:
        pytest.skip(why)
    srv = pgsqlserver.PgServer(port=PORT).start()
    srv.keep = True   # stop() in the tests must not remove the cluster
    srv.create_db("kea")
    r = subprocess.run(["kea-admin", "db-init", "pgsql", *srv.kea_admin_args("kea")], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    yield srv
    srv.keep = False
    srv.stop()


@pytest.fixture
def up(pg):
    if not pg.running:
        pg.start()
    pg.sql("TRUNCATE lease4; TRUNCATE lease4_stat;", db="kea")
    return pg


def config(pg, **db):
    d = {"type": "postgresql", "name": "kea", "host": pg.sockdir, "port": PORT, "user": "kea", "password": "kea"}
    d.update(db)
    return basic_config(**{"lease-database": d})


def try_dora(lan, mac, xid):
    """A DORA that may go unanswered: the ACK, or None."""
    offers = lan.pkt.dhcp("discover", chaddr=mac, xid=xid, flags=0x8000, options=[])
    if not offers:
        return None
    o = offers[0]
    acks = lan.pkt.dhcp("request", chaddr=mac, xid=xid + 1, flags=0x8000,
                        options=[["server_id", o["options"]["server_id"]], ["requested_addr", o["yiaddr"]]])
    return acks[0] if acks and acks[0]["msgtype"] == 5 else None


def addresses(pg):
    return {int(r[0]) for r in pg.sql("SELECT address FROM lease4", db="kea")}


def ip_int(ip):
    a = [int(x) for x in ip.split(".")]
    return (a[0] << 24) | (a[1] << 16) | (a[2] << 8) | a[3]


def test_stop_retry_exit_stops_serving_then_resumes(lan, server, up):
    pg = up
    srv = server(config(pg, **{"max-reconnect-tries": 100, "reconnect-wait-time": 300}))
    acked = [dora(lan, mac="02:00:00:00:20:01", xid=0x100)[1]["yiaddr"]]
    pg.stop()
    # the first exchange meets the outage: no ACK; the server disables DHCP and keeps commands
    assert try_dora(lan, "02:00:00:00:20:02", 0x200) is None
    assert wait_for(lambda: "DHCP4_DB_RECONNECT_SERVICE_DISABLED" in srv.log()), srv.log()
    received = srv.stat("pkt4-received")
    assert try_dora(lan, "02:00:00:00:20:03", 0x300) is None
    # dropped on receipt, uncounted, as Kea drops what arrives while its service is disabled
    assert srv.stat("pkt4-received") == received and "DHCP4_PACKET_DROP_0008" in srv.log()
    assert srv.cmd("status-get")["result"] == 0
    assert "DHCP4_DB_RECONNECT_ATTEMPT_FAILED" in srv.log()
    pg.start()
    assert wait_for(lambda: "DHCP4_DB_RECONNECT_SUCCEEDED" in srv.log()), srv.log()
    ack = wait_for(lambda: try_dora(lan, "02:00:00:00:20:04", 0x400), timeout=10)
    assert ack, srv.log()
    acked.append(ack["yiaddr"])
    assert {ip_int(a) for a in acked} <= addresses(pg)   # every acknowledged lease is in the database
    assert srv.proc.poll() is None


def test_no_recovery_configured_exits(lan, server, up):
    pg = up
    srv = server(config(pg))   # max-reconnect-tries 0: Kea's default, no recovery
    dora(lan, mac="02:00:00:00:21:01", xid=0x500)
    pg.stop()
    try_dora(lan, "02:00:00:00:21:02", 0x600)
    assert wait_for(lambda: srv.proc.poll() is not None, timeout=10), srv.log()
    assert srv.proc.returncode != 0
    assert "DHCP4_DB_RECONNECT_DISABLED" in srv.log()


def test_retries_exhausted_exit_and_serve_retry_continue(lan, server, up):
    pg = up
    a = server(config(pg, **{"max-reconnect-tries": 2, "reconnect-wait-time": 200, "on-fail": "serve-retry-exit"}))
    dora(lan, mac="02:00:00:00:22:01", xid=0x700)
    pg.stop()
    try_dora(lan, "02:00:00:00:22:02", 0x800)
    assert wait_for(lambda: a.proc.poll() is not None, timeout=10), a.log()
    assert "DHCP4_DB_RECONNECT_FAILED" in a.log() and a.proc.returncode != 0
    assert "DHCP4_DB_RECONNECT_SERVICE_DISABLED" not in a.log()   # serve-retry-*: kept serving
    pg.start()
    b = server(config(pg, **{"max-reconnect-tries": 2, "reconnect-wait-time": 200, "on-fail": "serve-retry-continue"}))
    pg.stop()
    try_dora(lan, "02:00:00:00:22:03", 0x900)
    time.sleep(1.5)                                 # well past 2 tries
    assert b.proc.poll() is None and b.cmd("status-get")["result"] == 0
    pg.start()
    assert wait_for(lambda: try_dora(lan, "02:00:00:00:22:04", 0xa00), timeout=10), b.log()


def test_killed_connections_are_replaced(lan, server, up):
    pg = up
    srv = server(config(pg))   # no recovery configured: a killed connection is not an outage
    dora(lan, mac="02:00:00:00:23:01", xid=0xb00)
    killed = pg.sql("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = 'kea' AND application_name = 'nestor'")
    assert int(killed[0][0]) >= 2, killed   # the lookup and commit connections
    _, ack = dora(lan, mac="02:00:00:00:23:02", xid=0xc00)
    assert ip_int(ack["yiaddr"]) in addresses(pg)
    assert srv.proc.poll() is None


def test_database_down_at_start(lan, server, pg, tmp_path):
    if pg.running:
        pg.stop()
    try:
        rc, log = start_fail(lan, config(pg), tmp_path)
        assert rc != 0 and "cannot open the lease database" in log, log
        srv = server(config(pg, **{"retry-on-startup": True, "max-reconnect-tries": 50,
                                   "reconnect-wait-time": 300}))
        assert wait_for(lambda: "DHCP4_DB_RECONNECT_SERVICE_DISABLED" in srv.log()), srv.log()
        assert try_dora(lan, "02:00:00:00:24:01", 0xd00) is None
        pg.start()
        ack = wait_for(lambda: try_dora(lan, "02:00:00:00:24:02", 0xe00), timeout=10)
        assert ack, srv.log()
    finally:
        if not pg.running:
            pg.start()


def test_database_restarted_under_load_loses_no_acknowledged_lease(lan, server, up):
    """perfdhcp runs while the database is stopped and started again: the service resumes by
    itself and every ACK the server sent is a lease row (each client is new, so ACKs and rows
    pair one to one)."""
    pg = up
    cfg = config(pg, **{"max-reconnect-tries": 100, "reconnect-wait-time": 200})
    cfg["Dhcp4"]["subnet4"][0]["pools"] = [{"pool": "192.0.2.2 - 192.0.2.250"}]
    srv = server(cfg)
    subprocess.run(lan.in_cli("ip", "addr", "add", "192.0.2.251/24", "dev", lan.cli_if), check=False)
    import threading
    done = []

    def load():
        done.append(subprocess.run(lan.in_cli("perfdhcp", "-4", "-l", lan.cli_if, "-B", "-r", "40", "-p", "6",
                                              "-R", "1000", "-W", "1000000"), capture_output=True, text=True))
    t = threading.Thread(target=load)
    t.start()
    time.sleep(1.5)
    pg.stop()
    time.sleep(1.5)
    pg.start()
    t.join()
    subprocess.run(lan.in_cli("ip", "addr", "del", "192.0.2.251/24", "dev", lan.cli_if), check=False)
    full = lambda: open(srv.log_path).read()   # srv.log() is only the tail
    assert wait_for(lambda: "DHCP4_DB_RECONNECT_SUCCEEDED" in full()), srv.log()
    acks = srv.stat("pkt4-ack-sent")
    n = int(pg.sql("SELECT count(*) FROM lease4", db="kea")[0][0])
    assert acks > 40, (acks, srv.log()[-2000:])        # served before and after the outage
    assert n >= acks, (n, acks)                         # no acknowledged lease lost
    assert "DHCP4_DB_RECONNECT_SERVICE_DISABLED" in full()


def hosts_db(pg):
    return {"type": "postgresql", "name": "kea", "host": pg.sockdir, "port": PORT, "user": "kea", "password": "kea"}


def test_hosts_database_outage_stops_serving_then_resumes(lan, server, up):
    up.sql("DELETE FROM dhcp4_options WHERE host_id IS NOT NULL; DELETE FROM hosts;", db="kea")
    hostsoutage.check_stop_retry_exit(lan, server, hosts_db(up), up.stop, up.start)


def test_hosts_database_outage_with_serve_retry_continue(lan, server, up):
    up.sql("DELETE FROM dhcp4_options WHERE host_id IS NOT NULL; DELETE FROM hosts;", db="kea")
    hostsoutage.check_serve_retry_continue(lan, server, hosts_db(up), up.stop, up.start)
