"""lease6 in Kea 2.2's PostgreSQL schema through Nestor's SQL lease store (src/lease/lease_pg6.c):
rows written by Debian's kea-dhcp6 itself (perfdhcp -6 with IA_NA and IA_PD in network namespaces,
and lease commands) read back through the store (nestor-admin lease-dump -6) field for field as
Kea's lease6-get-all shows them; rows the store writes (nestor-admin lease-upload -6) read by
kea-dhcp6 (lease6-get-all); lease6_stat as Kea's triggers keep it; stats-recount for v6. The same
on MariaDB, with kea-dhcp6 in the namespace as well."""
import json
import os
import shutil
import subprocess
import tempfile

import pytest
from workers import PORT_OFFSET

import mysqlserver
import pgsqlserver
from conftest import BUILD
from test_csv6_kea import HOOK, KEA6, PERFDHCP, Kea6, as_kea_shows, check, ipv6_up, perfdhcp

ADMIN = os.path.join(BUILD, "src", "admin", "nestor-admin")
PORT = 5547 + PORT_OFFSET

pytestmark = pytest.mark.skipif(not all(os.path.exists(p) for p in (KEA6, PERFDHCP)),
                                reason="kea-dhcp6 and perfdhcp are needed")


@pytest.fixture(scope="module")
def pg():
    yield from pgsqlserver.serve(PORT)


@pytest.fixture
def workdir():
    d = tempfile.mkdtemp(prefix="nestor-sql6-")
    os.chmod(d, 0o755)
    yield d
    shutil.rmtree(d, ignore_errors=True)


_n = [0]


def fresh(pg):
    _n[0] += 1
    name = f"l6db{_n[0]}"
    pg.create_db(name)
    r = admin("db-init", db=name)
    assert r.returncode == 0, r.stdout + r.stderr
    return name


def admin(*args, db, backend="pgsql", port=PORT):
    cmd = [ADMIN, args[0], backend, "-h", "127.0.0.1", "-P", str(port), "-u", "kea", "-p", "kea", "-n", db,
           *args[1:]]
    r = subprocess.run(cmd, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    assert "Sanitizer" not in r.stderr and "runtime error" not in r.stderr, r.stderr
    return r


class KeaPg6(Kea6):
    """kea-dhcp6 on a PostgreSQL lease database (over the cluster's socket)."""

    def __init__(self, lan, workdir, pg, db):
        self.pg, self.db = pg, db
        super().__init__(lan, workdir)

    def complete(self, config):
        config = super().complete(config)
        config["Dhcp6"]["lease-database"] = {"type": "postgresql", "name": self.db, "host": self.pg.sockdir,
                                             "port": PORT, "user": "kea", "password": "kea"}
        return config


def q(pg, db, text):
    return pg.sql(text, db=db, user="kea", password="kea")


def stat_rows(pg, db):
    return q(pg, db, "SELECT subnet_id, lease_type, state, leases FROM lease6_stat WHERE leases > 0 "
                     "ORDER BY 1, 2, 3")


def counted_rows(pg, db):
    return q(pg, db, "SELECT subnet_id, lease_type, state, count(*) FROM lease6 WHERE state IN (0, 1) "
                     "GROUP BY 1, 2, 3 ORDER BY 1, 2, 3")


def shown(leases):
    return sorted((as_kea_shows(l) for l in leases), key=lambda l: l["ip-address"])


def dump(db, workdir, name="dump.csv"):
    out = os.path.join(workdir, name)
    r = admin("lease-dump", "-6", "-o", out, "-y", db=db)
    assert r.returncode == 0, r.stdout + r.stderr
    return out


def test_kea_rows_read_through_the_store_and_ours_read_by_kea(lan, pg, workdir):
    db = fresh(pg)
    ipv6_up(lan)
    kea = KeaPg6(lan, workdir, pg, db)
    kea.start()
    try:
        perfdhcp(lan, "-r", "50", "-n", "10", "-R", "10")
        perfdhcp(lan, "-e", "address-and-prefix", "-r", "50", "-n", "6", "-R", "6",
                 "-b", "mac=00:0c:01:02:0a:00")
        adds = [{"ip-address": "2001:db8:1::50", "duid": "01:02:03:04", "iaid": 5, "subnet-id": 7,
                 "hostname": "Host,One&Two.Example", "hw-address": "aa:bb:cc:dd:ee:ff", "fqdn-fwd": True,
                 "user-context": {"a": "x,y", "b": [1, {"c": True}]}},
                {"ip-address": "2001:db8:8001::", "type": "IA_PD", "prefix-len": 56, "duid": "0a:0b",
                 "iaid": 4294967295, "subnet-id": 7, "valid-lft": 4000, "preferred-lft": 3000},
                {"ip-address": "2001:db8:1::52", "duid": "01:02:03:06", "iaid": 7, "subnet-id": 7, "state": 1}]
        assert [kea.cmd("lease6-add", a)["result"] for a in adds] == [0, 0, 0]
        theirs = kea.cmd("lease6-get-all")["arguments"]["leases"]
    finally:
        kea.stop()
    assert sum(l["type"] == "IA_PD" for l in theirs) >= 5 and sum(l["type"] == "IA_NA" for l in theirs) >= 12

    # Kea's rows, read through the store: the same leases, field for field
    out = dump(db, workdir)
    ours = json.loads(check(out))["leases"]
    assert shown(ours) == shown(theirs)
    assert stat_rows(pg, db) == counted_rows(pg, db)

    # the store writes them into a fresh database; Kea reads them back the same
    db2 = fresh(pg)
    r = admin("lease-upload", "-6", "-i", out, db=db2)
    assert r.returncode == 0 and " 0 failed" in r.stdout, r.stdout + r.stderr
    # the rows are those Kea wrote, column for column (but the order of the table)
    cols = ("address, encode(duid, 'hex'), valid_lifetime, expire, subnet_id, pref_lifetime, lease_type, iaid, "
            "prefix_len, fqdn_fwd, fqdn_rev, hostname, encode(hwaddr, 'hex'), hwtype, hwaddr_source, state, "
            "user_context")
    sel = f"SELECT {cols} FROM lease6 ORDER BY address"
    a, b = q(pg, db2, sel), q(pg, db, sel)
    diff = [(i, x, y) for x, y in zip(a, b) for i in range(len(x)) if x[i] != y[i]]
    assert diff == [] and len(a) == len(b), [(i, x[i], y[i], x[12:16], y[12:16]) for i, x, y in diff[:6]]
    assert stat_rows(pg, db2) == stat_rows(pg, db)
    kea2 = KeaPg6(lan, tempfile.mkdtemp(dir=workdir), pg, db2)
    kea2.start()
    try:
        back = kea2.cmd("lease6-get-all")["arguments"]["leases"]
        pd = kea2.cmd("lease6-get", {"ip-address": "2001:db8:8001::", "type": "IA_PD"})
    finally:
        kea2.stop()
    assert shown(back) == shown(theirs)
    assert pd["result"] == 0 and pd["arguments"]["iaid"] == 4294967295 and pd["arguments"]["prefix-len"] == 56

    # stats-recount rebuilds lease6_stat as the triggers keep it
    q(pg, db2, "DELETE FROM lease6_stat")
    r = admin("stats-recount", db=db2)
    assert r.returncode == 0, r.stdout + r.stderr
    assert stat_rows(pg, db2) == counted_rows(pg, db2)


# ---- MariaDB: kea-dhcp6 in the server namespace reaches the server's socket (Kea 2.2 has no
# socket parameter: libmariadb takes it from MYSQL_UNIX_PORT for host "localhost") ------------

MY_PORT = 3447 + PORT_OFFSET


@pytest.fixture(scope="module")
def my():
    yield from mysqlserver.serve(MY_PORT)


class KeaMy6(Kea6):
    """kea-dhcp6 on a MariaDB lease database (over the server's socket)."""

    def __init__(self, lan, workdir, my, db):
        self.my, self.db = my, db
        self.extra_env = {"MYSQL_UNIX_PORT": my.sock}
        super().__init__(lan, workdir)

    def complete(self, config):
        config = super().complete(config)
        config["Dhcp6"]["lease-database"] = {"type": "mysql", "name": self.db, "host": "localhost",
                                             "user": "kea", "password": "kea"}
        return config


def my_admin(*args, db):
    return admin(*args, db=db, backend="mysql", port=MY_PORT)


def my_fresh(my):
    _n[0] += 1
    name = my.create_database(f"l6my{_n[0]}")
    r = my_admin("db-init", db=name)
    assert r.returncode == 0, r.stdout + r.stderr
    return name


def test_mysql_kea_rows_read_through_the_store_and_ours_read_by_kea(lan, my, workdir):
    db = my_fresh(my)
    ipv6_up(lan)
    kea = KeaMy6(lan, workdir, my, db)
    kea.start()
    try:
        r1 = perfdhcp(lan, "-r", "50", "-n", "10", "-R", "10")
        r2 = perfdhcp(lan, "-e", "address-and-prefix", "-r", "50", "-n", "6", "-R", "6",
                      "-b", "mac=00:0c:01:02:0b:00")
        leases = [{"ip-address": f"2001:db8:1::{i:x}", "duid": f"00:03:00:01:00:00:00:00:00:{i:02x}",
                   "iaid": i * 1000003, "subnet-id": 7, "hw-address": f"0a:00:00:00:00:{i:02x}" if i % 2 else "",
                   "hostname": "h,%d.example" % i if i % 3 else "", "valid-lft": 3000 + i,
                   "preferred-lft": 2000 + i, "fqdn-fwd": bool(i % 3 and i % 2), "fqdn-rev": bool(i % 3 and i % 5),
                   "user-context": {"n": i} if i % 4 == 0 else None, "state": 1 if i % 7 == 0 else 0}
                  for i in range(1, 15)]
        leases += [{"ip-address": f"2001:db8:90{i:02x}::", "type": "IA_PD", "prefix-len": 56 + i,
                    "duid": "0a:0b:0c", "iaid": 4294967295 - i, "subnet-id": 7} for i in range(4)]
        for l in leases:
            r = kea.cmd("lease6-add", {k: v for k, v in l.items() if v not in ("", None)})
            assert r["result"] == 0, (l, r)
        theirs = kea.cmd("lease6-get-all")["arguments"]["leases"]
    finally:
        kea.stop()
    by_perfdhcp = [l for l in theirs if l["subnet-id"] == 7 and l["ip-address"] not in
                   {x["ip-address"] for x in leases}]
    assert sum(l["type"] == "IA_PD" for l in by_perfdhcp) >= 5 and \
        sum(l["type"] == "IA_NA" for l in by_perfdhcp) >= 12, (len(by_perfdhcp), r1.stdout[-600:], r2.stdout[-600:])
    leases += by_perfdhcp
    assert len(theirs) == len(leases)
    out = os.path.join(workdir, "dump.csv")
    r = my_admin("lease-dump", "-6", "-o", out, "-y", db=db)
    assert r.returncode == 0, r.stdout + r.stderr
    assert shown(json.loads(check(out))["leases"]) == shown(theirs)

    db2 = my_fresh(my)
    r = my_admin("lease-upload", "-6", "-i", out, db=db2)
    assert r.returncode == 0 and " 0 failed" in r.stdout, r.stdout + r.stderr
    sel = ("SELECT address, hex(duid), valid_lifetime, unix_timestamp(expire), subnet_id, pref_lifetime, lease_type, "
           "iaid, prefix_len, fqdn_fwd, fqdn_rev, hostname, hex(hwaddr), hwtype, hwaddr_source, state, user_context "
           "FROM lease6 ORDER BY address")
    a, b = my.sql(sel, db=db2), my.sql(sel, db=db)
    diff = sorted({(i, x[i], y[i]) for x, y in zip(a, b) for i in range(len(x)) if x[i] != y[i]}, key=str)
    assert diff == [] and len(a) == len(b), diff[:8]
    stat = "SELECT subnet_id, lease_type, state, leases FROM lease6_stat WHERE leases > 0 ORDER BY 1, 2, 3"
    assert my.sql(stat, db=db2) == my.sql(stat, db=db)
    kea2 = KeaMy6(lan, tempfile.mkdtemp(dir=workdir), my, db2)
    kea2.start()
    try:
        back = kea2.cmd("lease6-get-all")["arguments"]["leases"]
    finally:
        kea2.stop()
    assert shown(back) == shown(theirs)
    my.sql("DELETE FROM lease6_stat", db=db2)
    r = my_admin("stats-recount", db=db2)
    assert r.returncode == 0, r.stdout + r.stderr
    assert my.sql(stat, db=db2) == my.sql(stat, db=db)
