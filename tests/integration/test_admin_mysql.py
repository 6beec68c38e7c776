"""nestor-admin against a real MariaDB: db-init makes kea-admin's schema (catalog-identical, incl.
routines and triggers run through nestor-admin's own statement splitter), refuses a non-empty
database, db-upgrade from 13.0 keeps data, lease-dump/upload round trip, stats-recount."""
import os
import subprocess

import pytest
from workers import PORT_OFFSET

import mysqlserver
import schema_catalog_mysql
from conftest import BUILD

ADMIN = os.path.join(BUILD, "src", "admin", "nestor-admin")
HERE = os.path.dirname(os.path.abspath(__file__))
DOWNGRADE = os.path.join(HERE, "fixtures", "mysql_downgrade_14.0_to_13.0.sql")
PORT = 3440 + PORT_OFFSET


@pytest.fixture(scope="module")
def my():
    why = mysqlserver.binaries_missing()
    if why:
        pytest.skip(why)
    assert os.path.exists(ADMIN), f"build nestor-admin first ({ADMIN})"
    srv = mysqlserver.MysqlServer(port=PORT)
    srv.start()
    yield srv
    srv.stop()


_n = [0]


def fresh(my):
    _n[0] += 1
    return my.create_database(f"adm{_n[0]}")


def admin(my, *args, db):
    cmd = [ADMIN, args[0], "mysql", "-h", "127.0.0.1", "-P", str(PORT), "-u", "kea", "-p", "kea", "-n", db, *args[1:]]
    r = subprocess.run(cmd, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    assert "Sanitizer" not in r.stderr and "runtime error" not in r.stderr, r.stderr
    return r


def q(my, db, text):
    return my.sql(text, db=db, user="kea", password="kea")


def test_db_init_matches_kea_admin(my):
    ours, theirs = fresh(my), fresh(my)
    r = admin(my, "db-init", db=ours)
    assert r.returncode == 0 and "after initialization: 14.0" in r.stdout, r.stdout + r.stderr
    k = subprocess.run(["kea-admin", "db-init", "mysql", *my.kea_admin_args(theirs), "-x", f"--port={PORT}"],
                       capture_output=True, text=True)
    assert k.returncode == 0, k.stdout + k.stderr
    a, b = schema_catalog_mysql.catalog(my, theirs), schema_catalog_mysql.catalog(my, ours)
    assert a.count("\n") > 700
    assert a == b
    assert admin(my, "db-version", db=theirs).stdout.strip() == "14.0"


def test_db_init_refuses_a_database_with_tables(my):
    db = fresh(my)
    q(my, db, "CREATE TABLE precious (x INT); INSERT INTO precious VALUES (42);")
    r = admin(my, "db-init", db=db)
    assert r.returncode == 1 and "expected an empty database" in r.stderr, r.stderr
    assert q(my, db, "SELECT x FROM precious") == [["42"]]


def test_db_upgrade_from_13_keeps_data(my):
    db, ref = fresh(my), fresh(my)
    assert admin(my, "db-init", db=db).returncode == 0
    assert admin(my, "db-init", db=ref).returncode == 0
    q(my, db, "INSERT INTO lease4 (address, hwaddr, valid_lifetime, expire, subnet_id, state) "
              "VALUES (3221225994, UNHEX('010203040506'), 3600, NOW() + INTERVAL 1 HOUR, 1, 0);"
              "INSERT INTO hosts (dhcp_identifier, dhcp_identifier_type, dhcp4_subnet_id, ipv4_address, hostname) "
              "VALUES (UNHEX('0a0b0c0d0e0f'), 0, 1, 3221226000, 'printer');")
    my.script(DOWNGRADE, db=db, user="kea", password="kea")
    assert admin(my, "db-version", db=db).stdout.strip() == "13.0"
    r = admin(my, "db-upgrade", db=db)
    assert r.returncode == 0 and "Upgrading schema 13.0 to 14.0" in r.stdout and "after upgrade: 14.0" in r.stdout, \
        r.stdout + r.stderr
    data = ("row hosts:", "row lease4:", "row lease4_stat:", "table hosts ", "table lease4 ", "table lease4_stat ")
    a = [x for x in schema_catalog_mysql.catalog(my, ref).splitlines() if not x.startswith(data)]
    b = [x for x in schema_catalog_mysql.catalog(my, db).splitlines() if not x.startswith(data)]
    assert a == b
    assert q(my, db, "SELECT address, HEX(hwaddr) FROM lease4") == [["3221225994", "010203040506"]]
    assert q(my, db, "SELECT hostname FROM hosts") == [["printer"]]


def test_lease_dump_and_upload_round_trip(my, tmp_path):
    db = fresh(my)
    assert admin(my, "db-init", db=db).returncode == 0
    q(my, db, "INSERT INTO lease4 (address, hwaddr, client_id, valid_lifetime, expire, subnet_id, fqdn_fwd, "
              "fqdn_rev, hostname, state, user_context) VALUES "
              "(3221225985, UNHEX('0a0b0c0d0e01'), UNHEX('01aabbcc'), 3600, FROM_UNIXTIME(1900000000), 1, 1, 0, "
              "'a.example.org', 0, '{\"x\": 1}'),"
              "(3221225986, UNHEX('0a0b0c0d0e02'), NULL, 7200, FROM_UNIXTIME(1900000100), 2, 0, 0, '', 1, NULL)")
    everything = ("SELECT address, HEX(hwaddr), HEX(client_id), valid_lifetime, UNIX_TIMESTAMP(expire), subnet_id, "
                  "fqdn_fwd, fqdn_rev, hostname, state, user_context FROM lease4 ORDER BY address")
    before = q(my, db, everything)
    out = tmp_path / "dump.csv"
    r = admin(my, "lease-dump", "-4", "-o", str(out), db=db)
    assert r.returncode == 0 and "2 lease(s)" in r.stdout, r.stdout + r.stderr
    lines = out.read_text().splitlines()
    assert lines[1].startswith("192.0.2.1,0a:0b:0c:0d:0e:01,01:aa:bb:cc,3600,1900000000,1,1,0,a.example.org,0,")
    q(my, db, "DELETE FROM lease4")
    r = admin(my, "lease-upload", "-4", "-i", str(out), db=db)
    assert r.returncode == 0 and "2 lease(s) written" in r.stdout, r.stdout + r.stderr
    assert q(my, db, everything) == before


def test_stats_recount(my):
    db = fresh(my)
    assert admin(my, "db-init", db=db).returncode == 0
    q(my, db, "INSERT INTO lease4 (address, hwaddr, valid_lifetime, expire, subnet_id, state) VALUES "
              "(1, UNHEX('01'), 60, NOW(), 5, 0), (2, UNHEX('02'), 60, NOW(), 5, 0), (3, UNHEX('03'), 60, NOW(), 5, 1);"
              "UPDATE lease4_stat SET leases = 999;")
    r = admin(my, "stats-recount", db=db)
    assert r.returncode == 0, r.stderr
    assert q(my, db, "SELECT subnet_id, state, leases FROM lease4_stat ORDER BY 1, 2") == \
        [["5", "0", "2"], ["5", "1", "1"]]
