"""nestor-admin against a real PostgreSQL: db-init makes kea-admin's schema (catalog-identical),
refuses a non-empty database, db-upgrade chains from 12.0 keeping data, lease-dump/upload round
trip in memfile CSV, stats-recount, and clear errors."""
import os
import subprocess

import pytest
from workers import PORT_OFFSET

import pgsqlserver
import schema_catalog
from conftest import BUILD

ADMIN = os.path.join(BUILD, "src", "admin", "nestor-admin")
HERE = os.path.dirname(os.path.abspath(__file__))
DOWNGRADE = os.path.join(HERE, "fixtures", "pgsql_downgrade_13_to_12.sql")
PORT = 5533 + PORT_OFFSET


@pytest.fixture(scope="module")
def pg():
    ok, why = pgsqlserver.available()
    if not ok:
        pytest.skip(why)
    assert os.path.exists(ADMIN), f"build nestor-admin first ({ADMIN})"
    srv = pgsqlserver.PgServer(port=PORT).start()
    yield srv
    srv.stop()


_n = [0]


def fresh(pg):
    _n[0] += 1
    name = f"adm{_n[0]}"
    pg.create_db(name)
    return name


def admin(pg, *args, db, stdin=subprocess.DEVNULL, env=None):
    cmd = [ADMIN, args[0], "pgsql", "-h", "127.0.0.1", "-P", str(PORT), "-u", "kea", "-p", "kea", "-n", db, *args[1:]]
    r = subprocess.run(cmd, capture_output=True, text=True, stdin=stdin, env=env)
    assert "Sanitizer" not in r.stderr and "runtime error" not in r.stderr, r.stderr
    return r


def q(pg, db, text):
    return pg.sql(text, db=db, user="kea", password="kea")


def test_db_init_matches_kea_admin(pg):
    ours, theirs = fresh(pg), fresh(pg)
    r = admin(pg, "db-init", db=ours)
    assert r.returncode == 0 and "after initialization: 13.0" in r.stdout, r.stdout + r.stderr
    k = subprocess.run(["kea-admin", "db-init", "pgsql", *pg.kea_admin_args(theirs)], capture_output=True, text=True)
    assert k.returncode == 0, k.stdout + k.stderr
    a = schema_catalog.catalog("pgsql", lambda t: q(pg, theirs, t))
    b = schema_catalog.catalog("pgsql", lambda t: q(pg, ours, t))
    assert len(a) > 900
    assert a == b, schema_catalog.diff(a, b, "kea-admin", "nestor-admin")
    # each tool reads the other's version
    assert admin(pg, "db-version", db=theirs).stdout.strip() == "13.0"
    k = subprocess.run(["kea-admin", "db-version", "pgsql", *pg.kea_admin_args(ours)], capture_output=True, text=True)
    assert k.stdout.strip().endswith("13.0"), k.stdout


def test_db_init_refuses_a_database_with_tables(pg):
    db = fresh(pg)
    q(pg, db, "CREATE TABLE precious (x int); INSERT INTO precious VALUES (42);")
    r = admin(pg, "db-init", db=db)
    assert r.returncode == 1 and "expected an empty database" in r.stderr, r.stderr
    assert q(pg, db, "SELECT x FROM precious") == [["42"]]


def test_db_upgrade_from_12_keeps_data(pg):
    db, ref = fresh(pg), fresh(pg)
    assert admin(pg, "db-init", db=db).returncode == 0
    assert admin(pg, "db-init", db=ref).returncode == 0
    q(pg, db, "INSERT INTO lease4 (address, hwaddr, valid_lifetime, expire, subnet_id, state) "
              "VALUES (3221225994, '\\x010203040506', 3600, now() + interval '1 hour', 1, 0);"
              "INSERT INTO hosts (dhcp_identifier, dhcp_identifier_type, dhcp4_subnet_id, ipv4_address, hostname) "
              "VALUES ('\\x0a0b0c0d0e0f', 0, 1, 3221226000, 'printer');")
    with open(DOWNGRADE) as f:
        q(pg, db, f.read())
    assert admin(pg, "db-version", db=db).stdout.strip() == "12.0"
    r = admin(pg, "db-upgrade", db=db)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "before upgrade: 12.0" in r.stdout and "Upgrading schema 12.0 to 13.0" in r.stdout and \
        "after upgrade: 13.0" in r.stdout, r.stdout
    # the catalog lists table rows too: leave out the test data (compared below)
    data = ("row hosts ", "row lease4 ", "row lease4_stat ", "sequence hosts_host_id_seq ")
    a = [x for x in schema_catalog.catalog("pgsql", lambda t: q(pg, ref, t)) if not x.startswith(data)]
    b = [x for x in schema_catalog.catalog("pgsql", lambda t: q(pg, db, t)) if not x.startswith(data)]
    assert a == b, schema_catalog.diff(a, b, "fresh 13.0", "upgraded")
    assert q(pg, db, "SELECT address, encode(hwaddr, 'hex') FROM lease4") == [["3221225994", "010203040506"]]
    assert q(pg, db, "SELECT hostname FROM hosts") == [["printer"]]
    # a second run is a no-op
    r = admin(pg, "db-upgrade", db=db)
    assert r.returncode == 0 and "Upgrading" not in r.stdout


def test_db_upgrade_refuses_versions_it_cannot_handle(pg):
    db = fresh(pg)
    q(pg, db, "CREATE TABLE schema_version (version INT PRIMARY KEY, minor INT); INSERT INTO schema_version VALUES (7, 0);")
    r = admin(pg, "db-upgrade", db=db)
    assert r.returncode == 1 and "no upgrade step from schema 7.0" in r.stderr and "12.0" in r.stderr, r.stderr
    q(pg, db, "UPDATE schema_version SET version = 99")
    r = admin(pg, "db-upgrade", db=db)
    assert r.returncode == 1 and "newer" in r.stderr, r.stderr


def test_lease_dump_and_upload_round_trip(pg, tmp_path):
    db = fresh(pg)
    assert admin(pg, "db-init", db=db).returncode == 0
    q(pg, db, "INSERT INTO lease4 (address, hwaddr, client_id, valid_lifetime, expire, subnet_id, fqdn_fwd, "
              "fqdn_rev, hostname, state, user_context) VALUES "
              "(3221225985, '\\x0a0b0c0d0e01', '\\x01aabbcc', 3600, to_timestamp(1900000000), 1, true, false, "
              "'a.example.org', 0, '{\"x\": 1}'),"
              "(3221225986, '\\x0a0b0c0d0e02', NULL, 7200, to_timestamp(1900000100), 2, false, false, '', 1, NULL)")
    before = q(pg, db, "SELECT * FROM lease4 ORDER BY address")
    out = tmp_path / "dump.csv"
    r = admin(pg, "lease-dump", "-4", "-o", str(out), db=db)
    assert r.returncode == 0 and "2 lease(s)" in r.stdout, r.stdout + r.stderr
    lines = out.read_text().splitlines()
    assert lines[0] == ("address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,fqdn_rev,hostname,"
                        "state,user_context")
    assert lines[1].startswith("192.0.2.1,0a:0b:0c:0d:0e:01,01:aa:bb:cc,3600,1900000000,1,1,0,a.example.org,0,")
    # no overwrite without -y (stdin is not a terminal)
    r = admin(pg, "lease-dump", "-4", "-o", str(out), db=db)
    assert r.returncode == 1 and "-y" in r.stderr
    q(pg, db, "DELETE FROM lease4")
    r = admin(pg, "lease-upload", "-4", "-i", str(out), db=db)
    assert r.returncode == 0 and "2 lease(s) written" in r.stdout, r.stdout + r.stderr
    assert q(pg, db, "SELECT * FROM lease4 ORDER BY address") == before
    assert q(pg, db, "SELECT subnet_id, state, leases FROM lease4_stat ORDER BY 1, 2") == [["1", "0", "1"], ["2", "1", "1"]]


def test_lease_upload_last_row_wins_and_bad_rows_are_reported(pg, tmp_path):
    db = fresh(pg)
    assert admin(pg, "db-init", db=db).returncode == 0
    f = tmp_path / "in.csv"
    f.write_text("address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,fqdn_rev,hostname,state,user_context\n"
                 "192.0.2.10,01:02:03:04:05:06,,3600,1900000000,1,0,0,first,0,\n"
                 "192.0.2.10,01:02:03:04:05:06,,3600,1900000500,1,0,0,second,0,\n"
                 "192.0.2.11,01:02:03:04:05:07,,3600,1900000000,1,0,0,gone,0,\n"
                 "192.0.2.11,01:02:03:04:05:07,,0,1900000000,1,0,0,gone,0,\n"
                 "192.0.2.12,zz:zz,,3600,1900000000,1,0,0,bad,0,\n")
    r = admin(pg, "lease-upload", "-4", "-i", str(f), db=db)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "line 6" in r.stderr and "1 row(s) skipped" in r.stdout, r.stdout + r.stderr
    assert q(pg, db, "SELECT address, hostname FROM lease4") == [[str(0xC000020A), "second"]]


def test_stats_recount(pg):
    db = fresh(pg)
    assert admin(pg, "db-init", db=db).returncode == 0
    q(pg, db, "INSERT INTO lease4 (address, hwaddr, valid_lifetime, expire, subnet_id, state) VALUES "
              "(1, '\\x01', 60, now(), 5, 0), (2, '\\x02', 60, now(), 5, 0), (3, '\\x03', 60, now(), 5, 1);"
              "UPDATE lease4_stat SET leases = 999;")
    r = admin(pg, "stats-recount", db=db)
    assert r.returncode == 0, r.stderr
    assert q(pg, db, "SELECT subnet_id, state, leases FROM lease4_stat ORDER BY 1, 2") == [["5", "0", "2"], ["5", "1", "1"]]


def test_usage_and_connection_errors(pg):
    r = subprocess.run([ADMIN, "--help"], capture_output=True, text=True)
    assert r.returncode == 0 and "db-upgrade" in r.stdout and "EXIT STATUS" in r.stdout
    r = subprocess.run([ADMIN, "db-frobnicate", "pgsql"], capture_output=True, text=True)
    assert r.returncode == 2 and "unknown command" in r.stderr
    r = subprocess.run([ADMIN, "db-version", "oracle"], capture_output=True, text=True)
    assert r.returncode == 2 and "unknown backend" in r.stderr
    r = subprocess.run([ADMIN, "db-version", "pgsql", "-h", "127.0.0.1", "-P", str(PORT), "-u", "kea",
                        "-p", "WrongSecret7", "-n", "kea"], capture_output=True, text=True)
    assert r.returncode == 1 and "password authentication failed" in r.stderr and "WrongSecret7" not in r.stderr
    db = fresh(pg)
    r = admin(pg, "db-version", db=db)
    assert r.returncode == 1 and "nestor-admin db-init pgsql" in r.stderr, r.stderr
