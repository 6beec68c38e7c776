"""Recovery from lease-database failure on MySQL (MariaDB), with Kea's parameters
(reconnect-wait-time, max-reconnect-tries, on-fail) and retry-on-startup: a real MariaDB server is
stopped, restarted and its connections killed while nestor-dhcp4 serves real DHCP exchanges."""
import subprocess
import time

import pytest

from conftest import basic_config
from test_mysql_leases import ip_int, start_fail, start_mysql, wait_for
from test_protocol import dora
import hostsoutage


@pytest.fixture(scope="module")
def my():
    srv = start_mysql()
    yield srv
    srv.stop()


def running(my):
    return my.proc is not None and my.proc.poll() is None


def stop(my):
    my.stop(cleanup=False)   # keeps the data directory: start() brings the same databases back


@pytest.fixture
def up(my):
    if not running(my):
        my.start()
    my.sql("DELETE FROM lease4; DELETE FROM lease4_stat;", db="kea")
    return my


def config(my, **db):
    d = {"type": "mysql", "name": "kea", "host": my.sock, "port": my.port, "user": "kea", "password": "kea"}
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


def addresses(my):
    return {int(r[0]) for r in my.sql("SELECT address FROM lease4", db="kea")}


def test_stop_retry_exit_stops_serving_then_resumes(lan, server, up):
    my = up
    srv = server(config(my, **{"max-reconnect-tries": 100, "reconnect-wait-time": 300}))
    acked = [dora(lan, mac="02:00:00:00:20:01", xid=0x100)[1]["yiaddr"]]
    stop(my)
    # the first exchange meets the outage: no ACK; the server disables DHCP and keeps commands
    assert try_dora(lan, "02:00:00:00:20:02", 0x200) is None
    assert wait_for(lambda: "DHCP4_DB_RECONNECT_SERVICE_DISABLED" in srv.log()), srv.log()
    received = srv.stat("pkt4-received")
    assert try_dora(lan, "02:00:00:00:20:03", 0x300) is None
    # dropped on receipt, uncounted, as Kea drops what arrives while its service is disabled
    assert srv.stat("pkt4-received") == received and "DHCP4_PACKET_DROP_0008" in srv.log()
    assert srv.cmd("status-get")["result"] == 0
    assert wait_for(lambda: "DHCP4_DB_RECONNECT_ATTEMPT_FAILED" in srv.log()), srv.log()
    my.start()
    assert wait_for(lambda: "DHCP4_DB_RECONNECT_SUCCEEDED" in srv.log()), srv.log()
    ack = wait_for(lambda: try_dora(lan, "02:00:00:00:20:04", 0x400), timeout=10)
    assert ack, srv.log()
    acked.append(ack["yiaddr"])
    assert {ip_int(a) for a in acked} <= addresses(my)   # every acknowledged lease is in the database
    assert srv.proc.poll() is None


def test_no_recovery_configured_exits(lan, server, up):
    my = up
    srv = server(config(my))   # max-reconnect-tries 0: Kea's default, no recovery
    dora(lan, mac="02:00:00:00:21:01", xid=0x500)
    stop(my)
    try_dora(lan, "02:00:00:00:21:02", 0x600)
    assert wait_for(lambda: srv.proc.poll() is not None, timeout=10), srv.log()
    assert srv.proc.returncode != 0
    assert "DHCP4_DB_RECONNECT_DISABLED" in srv.log()


def test_retries_exhausted_exit_and_serve_retry_continue(lan, server, up):
    my = up
    a = server(config(my, **{"max-reconnect-tries": 2, "reconnect-wait-time": 200, "on-fail": "serve-retry-exit"}))
    dora(lan, mac="02:00:00:00:22:01", xid=0x700)
    stop(my)
    try_dora(lan, "02:00:00:00:22:02", 0x800)
    assert wait_for(lambda: a.proc.poll() is not None, timeout=10), a.log()
    assert "DHCP4_DB_RECONNECT_FAILED" in a.log() and a.proc.returncode != 0
    assert "DHCP4_DB_RECONNECT_SERVICE_DISABLED" not in a.log()   # serve-retry-*: kept serving
    my.start()
    b = server(config(my, **{"max-reconnect-tries": 2, "reconnect-wait-time": 200, "on-fail": "serve-retry-continue"}))
    stop(my)
    try_dora(lan, "02:00:00:00:22:03", 0x900)
    time.sleep(1.5)                                 # well past 2 tries
    assert b.proc.poll() is None and b.cmd("status-get")["result"] == 0
    my.start()
    assert wait_for(lambda: try_dora(lan, "02:00:00:00:22:04", 0xa00), timeout=10), b.log()


def test_killed_connections_are_replaced(lan, server, up):
    my = up
    srv = server(config(my))   # no recovery configured: a killed connection is not an outage
    dora(lan, mac="02:00:00:00:23:01", xid=0xb00)
    ids = [r[0] for r in my.sql("SELECT id FROM information_schema.processlist WHERE user = 'kea' AND db = 'kea'")]
    assert len(ids) >= 2, ids   # the lookup and commit connections
    my.sql("".join(f"KILL CONNECTION {i};" for i in ids))
    _, ack = dora(lan, mac="02:00:00:00:23:02", xid=0xc00)
    assert ip_int(ack["yiaddr"]) in addresses(my)
    assert srv.proc.poll() is None
    assert "DHCPSRV_MYSQL_CONNECTION_LOST" in srv.log()
    assert "DHCP4_DB_RECONNECT" not in srv.log()


def test_database_down_at_start(lan, server, my):
    if running(my):
        stop(my)
    try:
        rc, log = start_fail(lan, config(my))
        assert rc != 0 and "cannot open the lease database" in log, log
        srv = server(config(my, **{"retry-on-startup": True, "max-reconnect-tries": 50,
                                   "reconnect-wait-time": 300}))
        assert wait_for(lambda: "DHCP4_DB_RECONNECT_SERVICE_DISABLED" in srv.log()), srv.log()
        assert try_dora(lan, "02:00:00:00:24:01", 0xd00) is None
        my.start()
        ack = wait_for(lambda: try_dora(lan, "02:00:00:00:24:02", 0xe00), timeout=10)
        assert ack, srv.log()
    finally:
        if not running(my):
            my.start()


def hosts_db(my):
    return {"type": "mysql", "name": "kea", "host": my.sock, "port": my.port, "user": "kea", "password": "kea"}


def test_hosts_database_outage_stops_serving_then_resumes(lan, server, up):
    up.sql("DELETE FROM dhcp4_options WHERE host_id IS NOT NULL; DELETE FROM hosts;", db="kea")
    hostsoutage.check_stop_retry_exit(lan, server, hosts_db(up), lambda: stop(up), up.start)


def test_hosts_database_outage_with_serve_retry_continue(lan, server, up):
    up.sql("DELETE FROM dhcp4_options WHERE host_id IS NOT NULL; DELETE FROM hosts;", db="kea")
    hostsoutage.check_serve_retry_continue(lan, server, hosts_db(up), lambda: stop(up), up.start)
