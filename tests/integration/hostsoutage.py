"""Shared checks for a hosts database that goes away (PostgreSQL and MariaDB recovery tests): the
server recovers it with Kea's parameters like a lease database, and never answers a client on
reservations it could not read."""
import time

from conftest import basic_config, wait_for


def full_log(srv):
    """The whole server log (srv.log() keeps only its end)."""
    with open(srv.log_path, errors="replace") as f:
        return f.read()


def hosts_config(hosts_db):
    return basic_config(**{"hosts-database": hosts_db})


def offer_to(lan, mac, xid):
    offers = lan.pkt.dhcp("discover", chaddr=mac, xid=xid, flags=0x8000, options=[], timeout=1.5)
    return offers[0]["yiaddr"] if offers else None


def check_stop_retry_exit(lan, server, hosts_db, stop, start):
    """on-fail stop-retry-exit: with the hosts database gone, DHCP stops (commands still answer),
    and resumes by itself when the database is back; the reserved client gets its address again."""
    srv = server(hosts_config(dict(hosts_db, **{"max-reconnect-tries": 100, "reconnect-wait-time": 300})))
    r = srv.cmd("reservation-add", {"reservation": {"subnet-id": 1, "hw-address": "02:00:00:00:30:01",
                                                    "ip-address": "192.0.2.77"}})
    assert r["result"] == 0, r
    assert offer_to(lan, "02:00:00:00:30:01", 0x3001) == "192.0.2.77"
    stop()
    # the first client meets the outage: no answer (not a pool address instead of its reservation)
    assert offer_to(lan, "02:00:00:00:30:01", 0x3002) is None
    assert wait_for(lambda: "DHCP4_DB_RECONNECT_SERVICE_DISABLED" in full_log(srv)), srv.log()[-3000:]
    assert "hosts database" in full_log(srv)
    assert offer_to(lan, "02:00:00:00:30:02", 0x3003) is None   # service disabled
    assert srv.cmd("status-get")["result"] == 0
    assert wait_for(lambda: "DHCP4_DB_RECONNECT_ATTEMPT_FAILED" in full_log(srv)), srv.log()[-3000:]
    start()
    assert wait_for(lambda: "DHCP4_DB_RECONNECT_SUCCEEDED" in full_log(srv)), srv.log()[-3000:]
    assert wait_for(lambda: offer_to(lan, "02:00:00:00:30:01", 0x3004) == "192.0.2.77", timeout=10), \
        srv.log()[-3000:]
    assert srv.proc.poll() is None


def check_serve_retry_continue(lan, server, hosts_db, stop, start):
    """on-fail serve-retry-continue: DHCP stays enabled, but a DISCOVER whose reservation lookup
    fails is dropped (counted), never answered from the pools; retries go on past
    max-reconnect-tries and the database is picked up again when it returns."""
    srv = server(hosts_config(dict(hosts_db, **{"max-reconnect-tries": 2, "reconnect-wait-time": 200,
                                                "on-fail": "serve-retry-continue"})))
    assert srv.cmd("reservation-add", {"reservation": {"subnet-id": 1, "hw-address": "02:00:00:00:31:01",
                                                       "ip-address": "192.0.2.78"}})["result"] == 0
    stop()
    drops = srv.stat("pkt4-receive-drop") or 0
    assert offer_to(lan, "02:00:00:00:31:01", 0x3101) is None
    assert wait_for(lambda: "DHCP4_DB_RECONNECT_LOST_CONNECTION" in full_log(srv)), srv.log()[-3000:]
    assert offer_to(lan, "02:00:00:00:31:02", 0x3102) is None
    assert (srv.stat("pkt4-receive-drop") or 0) >= drops + 1
    assert "DHCP4_DB_RECONNECT_SERVICE_DISABLED" not in full_log(srv)
    assert "host reservation lookup failed" in full_log(srv)
    time.sleep(1.0)                                     # more than max-reconnect-tries attempts
    assert srv.proc.poll() is None
    start()
    assert wait_for(lambda: "DHCP4_DB_RECONNECT_SUCCEEDED" in full_log(srv)), srv.log()[-3000:]
    assert wait_for(lambda: offer_to(lan, "02:00:00:00:31:01", 0x3103) == "192.0.2.78", timeout=10)
