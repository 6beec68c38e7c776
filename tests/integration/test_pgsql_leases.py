"""nestor-dhcp4 on a PostgreSQL lease database with Kea 2.2's schema (created by Debian's kea-admin):
leases from real DHCP exchanges land in lease4 (and lease4_stat, via the schema's triggers), survive
a restart, answer the lease commands, and bad databases give clear errors."""
import copy
import subprocess

import pytest
from workers import PORT_OFFSET

import pgsqlserver
from conftest import NESTOR, Server, basic_config
from test_clients import perfdhcp
from test_protocol import MAC, dora
from lookahead import check_burst_of_discovers, check_sustained_load
import sqlchecks
from sqlchecks import check_reloads_keep_connections, check_rows_with_nulls

PORT = 5531 + PORT_OFFSET


@pytest.fixture(scope="module")
def pg():
    ok, why = pgsqlserver.available()
    if not ok:
        pytest.skip(why)
    srv = pgsqlserver.PgServer(port=PORT).start()
    srv.create_db("kea")
    r = subprocess.run(["kea-admin", "db-init", "pgsql", *srv.kea_admin_args("kea")], capture_output=True,
                       text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    yield srv
    srv.stop()


def lease_db(pg, **extra):
    # The server runs in its own network namespace: it reaches the database over the cluster's
    # Unix socket (libpq reads a host starting with "/" as a socket directory).
    d = {"type": "postgresql", "name": "kea", "host": pg.sockdir, "port": PORT, "user": "kea",
         "password": "kea"}
    d.update(extra)
    return d


def rows(pg, q):
    return pg.sql(q, db="kea")


@pytest.fixture
def empty(pg):
    pg.sql("TRUNCATE lease4; TRUNCATE lease4_stat;", db="kea")
    return pg


def test_dora_writes_the_lease_and_statistics(lan, server, empty):
    pg = empty
    srv = server(basic_config(**{"lease-database": lease_db(pg)}))
    offer, ack = dora(lan)
    assert ack["msgtype"] == 5
    ip = ack["yiaddr"]
    got = rows(pg, "SELECT address, encode(hwaddr, 'hex'), valid_lifetime, subnet_id, state, "
                   "extract(epoch from expire)::bigint - extract(epoch from now())::bigint FROM lease4")
    assert len(got) == 1, got
    a = int(got[0][0])
    assert f"{a >> 24}.{(a >> 16) & 255}.{(a >> 8) & 255}.{a & 255}" == ip
    assert got[0][1] == MAC.replace(":", "")
    assert got[0][2:5] == ["600", "1", "0"]
    assert 590 <= int(got[0][5]) <= 600
    assert rows(pg, "SELECT subnet_id, state, leases FROM lease4_stat") == [["1", "0", "1"]]
    # the control API reads the database
    r = srv.cmd("lease4-get", {"ip-address": ip})
    assert r["result"] == 0 and r["arguments"]["valid-lft"] == 600, r
    assert srv.stat("subnet[1].assigned-addresses") == 1


def test_leases_survive_restart_and_client_keeps_address(lan, server, empty):
    pg = empty
    cfg = basic_config(**{"lease-database": lease_db(pg)})
    srv = server(copy.deepcopy(cfg))
    _, ack1 = dora(lan)
    srv.stop()
    srv2 = server(copy.deepcopy(cfg))
    assert srv2.stat("subnet[1].assigned-addresses") == 1   # counted from lease4_stat at start
    _, ack2 = dora(lan, xid=0x2001)
    assert ack2["yiaddr"] == ack1["yiaddr"]
    assert rows(pg, "SELECT count(*) FROM lease4") == [["1"]]


def test_perfdhcp_load_every_ack_committed(lan, server, empty):
    """Each ACK waits for its lease's commit: after the run the table holds one distinct row per
    ACK, and lease4_stat agrees."""
    pg = empty
    cfg = basic_config(**{"lease-database": lease_db(pg)})
    cfg["Dhcp4"]["subnet4"][0]["pools"] = [{"pool": "192.0.2.2 - 192.0.2.250"}]
    srv = server(cfg)
    subprocess.run(lan.in_cli("ip", "addr", "add", "192.0.2.251/24", "dev", lan.cli_if), check=True)
    try:
        r, st = perfdhcp(lan, "-l", lan.cli_if, "-B", "-r", "100", "-n", "200", "-R", "200", "-W", "1000000")
    finally:
        subprocess.run(lan.in_cli("ip", "addr", "del", "192.0.2.251/24", "dev", lan.cli_if), check=False)
    sent, recv = st["REQUEST-ACK"]
    assert recv >= 190, (st, srv.log())
    n, distinct = map(int, rows(pg, "SELECT count(*), count(DISTINCT address) FROM lease4")[0])
    assert n == distinct == srv.stat("pkt4-ack-sent") >= recv
    assert rows(pg, "SELECT leases FROM lease4_stat WHERE subnet_id = 1 AND state = 0") == [[str(n)]]


def test_burst_of_discovers_looked_up_together(lan, server, empty):
    check_burst_of_discovers(lan, server, lease_db(empty))


def test_burst_of_discovers_looked_up_together_by_workers(lan, server, empty):
    check_burst_of_discovers(lan, server, lease_db(empty), workers=1)


def test_sustained_relayed_load_looked_up_in_batches(lan, server, empty):
    check_sustained_load(lan, server, lease_db(empty),
                         lambda: tuple(map(int, rows(empty, "SELECT count(*), count(DISTINCT address) FROM lease4")[0])))


def test_reloads_with_workers_keep_the_connection_count(lan, server, empty):
    check_reloads_keep_connections(lan, server, lease_db(empty), lambda: int(rows(
        empty, "SELECT count(*) FROM pg_stat_activity WHERE datname = 'kea' AND application_name = 'nestor'")[0][0]))


def test_lease_commands_on_postgresql(lan, server, empty):
    pg = empty
    srv = server(basic_config(**{"lease-database": lease_db(pg)}))
    add = srv.cmd("lease4-add", {"ip-address": "192.0.2.150", "hw-address": "1a:1b:1c:1d:1e:1f",
                                 "client-id": "01:02:03", "hostname": "Host.Example.org", "valid-lft": 3600})
    assert add["result"] == 0, add
    assert srv.cmd("lease4-add", {"ip-address": "192.0.2.150", "hw-address": "1a:1b:1c:1d:1e:20"})["result"] == 1
    g = srv.cmd("lease4-get", {"ip-address": "192.0.2.150"})["arguments"]
    assert (g["hw-address"], g["client-id"], g["hostname"], g["valid-lft"]) == \
        ("1a:1b:1c:1d:1e:1f", "01:02:03", "Host.Example.org", 3600)
    assert srv.cmd("lease4-get-by-hostname", {"hostname": "host.example.org"})["result"] == 0
    assert srv.cmd("lease4-get-by-hw-address", {"hw-address": "1a:1b:1c:1d:1e:1f"})["result"] == 0
    assert srv.cmd("lease4-get-by-client-id", {"client-id": "01:02:03"})["result"] == 0
    up = srv.cmd("lease4-update", {"ip-address": "192.0.2.150", "hw-address": "1a:1b:1c:1d:1e:1f",
                                   "hostname": "renamed", "valid-lft": 7200})
    assert up["result"] == 0, up
    assert rows(pg, "SELECT hostname, valid_lifetime FROM lease4") == [["renamed", "7200"]]
    for i in range(5):
        assert srv.cmd("lease4-add", {"ip-address": f"192.0.2.{160 + i}", "hw-address": f"00:00:00:00:00:{i:02x}"})["result"] == 0
    p = srv.cmd("lease4-get-page", {"from": "start", "limit": 4})
    assert p["result"] == 0 and p["arguments"]["count"] == 4, p
    p2 = srv.cmd("lease4-get-page", {"from": p["arguments"]["leases"][-1]["ip-address"], "limit": 4})
    assert p2["arguments"]["count"] == 2
    assert srv.cmd("lease4-del", {"ip-address": "192.0.2.150"})["result"] == 0
    assert srv.cmd("lease4-get", {"ip-address": "192.0.2.150"})["result"] == 3
    w = srv.cmd("lease4-wipe", {"subnet-id": 1})
    assert w["result"] == 0, w
    assert rows(pg, "SELECT count(*) FROM lease4") == [["0"]]


def test_rows_with_nulls_are_skipped_with_a_warning(lan, server, empty):
    def insert(base):
        # with the triggers off: Kea's statistics trigger refuses a NULL subnet (lease4_stat's key)
        empty.sql("ALTER TABLE lease4 DISABLE TRIGGER USER; "
                  "INSERT INTO lease4 (address, hwaddr, valid_lifetime, expire, subnet_id, state, hostname) VALUES "
                  f"({base + 111}, '\\x02000000e111', NULL, now() + interval '1 hour', 1, 0, 'a'), "
                  f"({base + 112}, '\\x02000000e112', 3600, NULL, 1, 0, 'b'), "
                  f"({base + 113}, '\\x02000000e113', 3600, now() + interval '1 hour', NULL, 0, 'c'), "
                  f"({base + 114}, NULL, 3600, now() + interval '1 hour', 1, NULL, NULL); "
                  "ALTER TABLE lease4 ENABLE TRIGGER USER; "
                  "INSERT INTO lease4_stat VALUES (1, 1, NULL);", db="kea")
        return ["192.0.2.111", "192.0.2.112", "192.0.2.113"]
    check_rows_with_nulls(lan, server, lease_db(empty), insert, assigned=1)   # .110


def test_reclamation_and_recount_do_not_wait_for_blocked_commits(lan, server, empty):
    def hold(ip):   # another server's uncommitted insert of ip
        a = [int(x) for x in ip.split(".")]
        args, env = empty._psql_args("kea", None, None)
        return sqlchecks.HeldTransaction(args + ["-t", "-A"], "BEGIN;",
                                         "INSERT INTO lease4 (address, hwaddr, valid_lifetime, expire, subnet_id, "
                                         f"state) VALUES ({(a[0] << 24) | (a[1] << 16) | (a[2] << 8) | a[3]}, "
                                         "'\\xaa0000000180', 600, now() + interval '600 seconds', 1, 0);")
    sqlchecks.check_main_loop_not_blocked_by_commits(
        lan, server, lease_db(empty), hold,
        lambda: rows(empty, "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                            "AND application_name = 'nestor'") == [["1"]],
        lambda: int(rows(empty, "SELECT count(*) FROM lease4 WHERE state = 2")[0][0]))


def test_expiry_after_2038_is_stored(lan, server, empty):
    pg = empty
    srv = server(basic_config(**{"lease-database": lease_db(pg), "max-valid-lifetime": 4000000000,
                                 "valid-lifetime": 600}))
    r = srv.cmd("lease4-add", {"ip-address": "192.0.2.151", "hw-address": "1a:1b:1c:1d:1e:1f",
                               "valid-lft": 4000000000})
    assert r["result"] == 0, r
    year = rows(pg, "SELECT extract(year from expire)::int FROM lease4")[0][0]
    assert int(year) >= 2100
    assert srv.cmd("lease4-get", {"ip-address": "192.0.2.151"})["arguments"]["valid-lft"] == 4000000000


def start_fail(lan, cfg, tmp_path):
    s = Server(lan, cfg)
    s.start(wait=False)
    try:
        rc = s.proc.wait(20)
    except subprocess.TimeoutExpired:
        s.stop()
        raise AssertionError("server did not exit:\n" + s.log())
    log = s.log()
    s.proc = None
    return rc, log


def test_bad_databases_give_clear_errors(lan, pg, tmp_path):
    # no schema
    pg.sql('CREATE DATABASE "empty" OWNER kea')
    rc, log = start_fail(lan, basic_config(**{"lease-database": lease_db(pg, name="empty")}), tmp_path)
    assert rc != 0 and "nestor-admin db-init pgsql" in log, log
    # schema too old
    pg.sql('CREATE DATABASE "old" OWNER kea')
    pg.sql("CREATE TABLE schema_version (version INT PRIMARY KEY, minor INT); "
           "INSERT INTO schema_version VALUES (12, 0);", db="old", user="kea", password="kea")
    rc, log = start_fail(lan, basic_config(**{"lease-database": lease_db(pg, name="old")}), tmp_path)
    assert rc != 0 and "12.0 is older" in log and "nestor-admin db-upgrade pgsql" in log, log
    # no such database
    rc, log = start_fail(lan, basic_config(**{"lease-database": lease_db(pg, name="nosuchdb")}), tmp_path)
    assert rc != 0 and "nosuchdb" in log and "kea" not in log.split("nosuchdb")[0][-5:], log
    # unreachable host: the message names it, the password never appears
    rc, log = start_fail(lan, basic_config(**{"lease-database": lease_db(pg, host="192.0.2.77", port=5999,
                                                                        password="TopSecret9",
                                                                        **{"connect-timeout": 1})}), tmp_path)
    assert rc != 0 and "192.0.2.77" in log and "TopSecret9" not in log, log


def test_config_get_hides_the_password(lan, server, empty):
    srv = server(basic_config(**{"lease-database": lease_db(empty, password="TopSecret9")}))
    text = str(srv.cmd("config-get"))
    assert "TopSecret9" not in text and "*****" in text


def test_expired_leases_reclaimed_in_the_database(lan, server, empty):
    """Reclamation on PostgreSQL: the timer flags expired leases as reclaimed (state 2, which
    lease4_stat stops counting) and the flush deletes them after hold-reclaimed-time."""
    pg = empty
    srv = server(basic_config(**{"lease-database": lease_db(pg),
                                 "expired-leases-processing": {"reclaim-timer-wait-time": 0,
                                                               "flush-reclaimed-timer-wait-time": 0}}))
    import time
    old = int(time.time()) - 1000
    for i in range(3):
        r = srv.cmd("lease4-add", {"ip-address": f"192.0.2.{120 + i}", "hw-address": f"02:00:00:00:c1:0{i}",
                                   "valid-lft": 100, "cltt": old, "hostname": "gone"})
        assert r["result"] == 0, r
    assert srv.cmd("lease4-add", {"ip-address": "192.0.2.130", "hw-address": "02:00:00:00:c1:09",
                                  "valid-lft": 3600})["result"] == 0
    assert srv.cmd("leases-reclaim", {"remove": False})["result"] == 0
    assert rows(pg, "SELECT state, count(*) FROM lease4 GROUP BY state ORDER BY state") == [["0", "1"], ["2", "3"]]
    assert rows(pg, "SELECT hostname FROM lease4 WHERE state = 2 LIMIT 1") == [[""]]
    assert rows(pg, "SELECT leases FROM lease4_stat WHERE subnet_id = 1 AND state = 0") == [["1"]]
    assert srv.stat("reclaimed-leases") == 3
    # remove: true deletes expired leases instead (already reclaimed ones wait for the flush timer)
    assert srv.cmd("lease4-add", {"ip-address": "192.0.2.140", "hw-address": "02:00:00:00:c1:0a",
                                  "valid-lft": 100, "cltt": old})["result"] == 0
    assert srv.cmd("leases-reclaim", {"remove": True})["result"] == 0
    assert rows(pg, f"SELECT count(*) FROM lease4 WHERE address = {0xC000028C}") == [["0"]]
    assert rows(pg, "SELECT state, count(*) FROM lease4 GROUP BY state ORDER BY state") == [["0", "1"], ["2", "3"]]
