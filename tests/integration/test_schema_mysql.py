"""Nestor's MySQL schema (src/admin/schema/mysql/create.sql) against Debian's Kea 2.2 schema.

For each test a throw-away MariaDB server (mysqlserver.py, ports 3401-3410) holds two fresh
databases: A made by `kea-admin db-init mysql`, B made by our create.sql. The catalogs must be
identical, and the same statements run on both must leave identical data behind: lease
statistics triggers, lease-limit functions, lease dump/upload through kea-admin, the
configuration-backend audit triggers and client-class procedures. Finally Kea 2.2 itself
(kea-dhcp4 with the MySQL lease, host and config backends) serves from each database.

Tests skip only when the MariaDB server or client binaries are missing.
"""
import difflib
import glob
import itertools
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time

import pytest

import schema_catalog_mysql as catalog
from mysqlserver import MysqlError, binaries_missing, mysql_server  # noqa: F401 (fixture)

HERE = os.path.dirname(os.path.abspath(__file__))
CREATE_SQL = os.path.join(HERE, "..", "..", "src", "admin", "schema", "mysql", "create.sql")
KEA_ADMIN = shutil.which("kea-admin") or "/usr/sbin/kea-admin"
KEA_DHCP4 = shutil.which("kea-dhcp4") or "/usr/sbin/kea-dhcp4"
HOOKS = os.path.dirname((glob.glob("/usr/lib/*/kea/hooks/libdhcp_lease_cmds.so") or ["/x/y"])[0])
FIXED_NOW = "SET timestamp = 1700000000;\n"   # NOW() inside triggers becomes deterministic

pytestmark = pytest.mark.skipif(binaries_missing() is not None,
                                reason=str(binaries_missing()))


@pytest.fixture(scope="module")
def mariadb(mysql_server):
    return mysql_server


_names = itertools.count(1)


class Pair:
    """Database A (kea-admin db-init) and B (create.sql) on one server, user kea/kea."""

    def __init__(self, srv):
        self.srv = srv
        n = next(_names)
        self.a, self.b = f"kea_a{n}", f"nst_b{n}"
        srv.create_database(self.a)
        srv.create_database(self.b)
        kea_admin("db-init", srv, self.a)
        srv.script(CREATE_SQL, db=self.b, user="kea", password="kea")

    def both(self, text, fixed_now=True):
        """Runs text on A and on B (one session each); returns the two last result sets."""
        pre = FIXED_NOW if fixed_now else ""
        return (self.srv.sql(pre + text, db=self.a, user="kea", password="kea"),
                self.srv.sql(pre + text, db=self.b, user="kea", password="kea"))

    def same(self, text, fixed_now=True):
        """Runs text on both; the results must be equal; returns them."""
        ra, rb = self.both(text, fixed_now)
        assert ra == rb, f"kea-admin DB and Nestor DB differ for:\n{text}\nA={ra}\nB={rb}"
        return ra

    def same_error(self, text):
        """text must fail on both with the same message; returns it."""
        errs = []
        for db in (self.a, self.b):
            with pytest.raises(MysqlError) as ei:
                self.srv.sql(FIXED_NOW + text, db=db, user="kea", password="kea")
            errs.append(str(ei.value))
        assert errs[0] == errs[1]
        return errs[0]

    def drop(self):
        self.srv.drop_database(self.a)
        self.srv.drop_database(self.b)


@pytest.fixture
def pair(mariadb):
    p = Pair(mariadb)
    yield p
    p.drop()


def kea_admin(command, srv, db, *extra):
    # kea-admin 2.2 forgets -P when it feeds dhcpdb_create.mysql to the client; the port is
    # therefore passed again through -x (extra client arguments).
    args = [KEA_ADMIN, command, "mysql", *srv.kea_admin_args(db), "-x", f"--port={srv.port}",
            *extra]
    r = subprocess.run(args, capture_output=True, text=True)
    assert r.returncode == 0, f"{' '.join(args)}\n{r.stdout}\n{r.stderr}"
    return r.stdout


# ---- catalog ----------------------------------------------------------------------------------

def catalog_diff(srv, a, b):
    ca, cb = catalog.catalog_lines(srv, a), catalog.catalog_lines(srv, b)
    return ca, cb, list(difflib.unified_diff(ca, cb, "kea-admin db-init", "create.sql",
                                             lineterm="", n=1))


def test_catalog_identical_to_kea_admin(pair):
    ca, cb, diff = catalog_diff(pair.srv, pair.a, pair.b)
    assert not diff, "catalogs differ:\n" + "\n".join(diff)
    kinds = {}
    for line in ca:
        kinds[line.split(" ", 1)[0]] = kinds.get(line.split(" ", 1)[0], 0) + 1
    # Guards against an empty or partial comparison.
    assert kinds == {"table": 54, "column": 401, "index": 162, "fk": 65, "trigger": 55,
                     "procedure": 32, "function": 4, "row": 37}, kinds
    assert "row schema_version: '14' | '0'" in ca
    print(f"catalog: {len(ca)} objects compared, identical")


def test_catalog_diff_detects_changes(pair):
    pair.srv.sql("ALTER TABLE lease4 ALTER state SET DEFAULT 1;"
                 "DROP TRIGGER lease6_ADEL;"
                 "DROP PROCEDURE lease4DumpHeader;"
                 "CREATE PROCEDURE lease4DumpHeader(IN x INT) SELECT x;"
                 "ALTER TABLE hosts DROP INDEX hosts_by_hostname;"
                 "UPDATE lease_state SET name = 'gone' WHERE state = 2;", db=pair.b)
    _, _, diff = catalog_diff(pair.srv, pair.a, pair.b)
    changed = {line for line in diff if line[:1] in "+-" and line[:3] not in ("+++", "---")}
    expect = [
        "-column lease4.10 state int(10) unsigned NULL default='0'",
        "+column lease4.10 state int(10) unsigned NULL default='1'",
        "-trigger lease6_ADEL AFTER DELETE ON lease6",
        "-procedure lease4DumpHeader()",
        "+procedure lease4DumpHeader(IN x int(11))",
        "-index hosts.hosts_by_hostname multi BTREE (hostname)",
        "-row lease_state: '2' | 'expired-reclaimed'",
        "+row lease_state: '2' | 'gone'",
    ]
    for prefix in expect:
        assert any(line.startswith(prefix) for line in changed), (prefix, changed)
    assert len(changed) == len(expect)


def test_kea_admin_reads_version(pair):
    out = kea_admin("db-version", pair.srv, pair.b)
    assert out.strip().splitlines()[-1] == "14.0"


# ---- lease statistics -------------------------------------------------------------------------

def stats4(pair):
    return pair.same("SELECT subnet_id, state, leases FROM lease4_stat ORDER BY 1, 2;"), \
        pair.same("SELECT client_class, leases FROM lease4_stat_by_client_class ORDER BY 1;")


def uc(*classes):
    return "'" + json.dumps({"ISC": {"client-classes": list(classes)}}) + "'"


def lease4(addr, subnet, state, ctx="NULL"):
    return (f"INSERT INTO lease4 (address, hwaddr, valid_lifetime, expire, subnet_id, state,"
            f" user_context) VALUES (INET_ATON('{addr}'), UNHEX('0a0b0c0d0e0f'), 3600,"
            f" FROM_UNIXTIME(1700003600), {subnet}, {state}, {ctx});")


def test_lease4_statistics_triggers(pair):
    steps = [
        lease4("192.0.2.1", 1, 0, uc("a", "b")),
        lease4("192.0.2.2", 1, 0),
        lease4("192.0.2.3", 2, 1, uc("a")),
        lease4("192.0.2.4", 2, 2, uc("z")),
        lease4("192.0.2.5", 3, 0, uc("a", "a")),
        "UPDATE lease4 SET state = 1 WHERE address = INET_ATON('192.0.2.1');",
        "UPDATE lease4 SET subnet_id = 2 WHERE address = INET_ATON('192.0.2.2');",
        "UPDATE lease4 SET state = 0 WHERE address = INET_ATON('192.0.2.3');",
        f"UPDATE lease4 SET user_context = {uc('c')} WHERE address = INET_ATON('192.0.2.1');",
        "UPDATE lease4 SET state = 0 WHERE address = INET_ATON('192.0.2.1');",
        f"UPDATE lease4 SET user_context = {uc('b', 'c')} WHERE address = INET_ATON('192.0.2.1');",
        "UPDATE lease4 SET valid_lifetime = 7200;",
        "DELETE FROM lease4 WHERE address = INET_ATON('192.0.2.4');",
        lease4("192.0.2.6", 3, 0, "''"),          # empty user context: insert counts no class
    ]
    for step in steps:
        pair.same(step)
        stats4(pair)
    # Malformed JSON in user_context is refused by the class-statistics code (an empty one
    # only on update), with the same error on both.
    assert "ERROR 4038" in pair.same_error(lease4("192.0.2.7", 3, 0, "'not json'"))
    assert "ERROR 4038" in pair.same_error(
        "UPDATE lease4 SET user_context = 'not json' WHERE address = INET_ATON('192.0.2.2');")
    assert "ERROR 4037" in pair.same_error(
        "UPDATE lease4 SET state = 1 WHERE address = INET_ATON('192.0.2.6');")
    pair.same("DELETE FROM lease4 WHERE address = INET_ATON('192.0.2.6');")
    subnets, classes = stats4(pair)
    assert subnets == [["1", "0", "1"], ["1", "1", "0"], ["2", "0", "2"], ["2", "1", "0"],
                       ["3", "0", "1"]]
    assert classes == [["a", "3"], ["b", "1"], ["c", "1"]]
    pair.same("DELETE FROM lease4;")
    subnets, classes = stats4(pair)
    assert {r[2] for r in subnets} == {"0"} and {r[1] for r in classes} == {"0"}


def stats6(pair):
    return (pair.same("SELECT subnet_id, lease_type, state, leases FROM lease6_stat ORDER BY 1, 2, 3;"),
            pair.same("SELECT client_class, lease_type, leases FROM lease6_stat_by_client_class"
                      " ORDER BY 1, 2;"))


def lease6(addr, subnet, ltype, state, ctx="NULL"):
    plen = 128 if ltype == 0 else 56
    return (f"INSERT INTO lease6 (address, duid, valid_lifetime, expire, subnet_id, pref_lifetime,"
            f" lease_type, iaid, prefix_len, state, user_context) VALUES ('{addr}',"
            f" UNHEX('000100012233445566778899'), 3600, FROM_UNIXTIME(1700003600), {subnet}, 1800,"
            f" {ltype}, 7, {plen}, {state}, {ctx});")


def test_lease6_statistics_triggers(pair):
    steps = [
        lease6("2001:db8::1", 1, 0, 0, uc("a")),
        lease6("2001:db8::2", 1, 0, 1, uc("a")),
        lease6("2001:db8:1::", 1, 2, 0, uc("a", "p")),
        lease6("2001:db8:2::", 2, 2, 0),
        "UPDATE lease6 SET lease_type = 1 WHERE address = '2001:db8::1';",
        "UPDATE lease6 SET state = 0 WHERE address = '2001:db8::2';",
        "UPDATE lease6 SET subnet_id = 3 WHERE address = '2001:db8:2::';",
        "UPDATE lease6 SET state = 2 WHERE address = '2001:db8:1::';",
        f"UPDATE lease6 SET user_context = {uc('q')} WHERE address = '2001:db8::2';",
        "DELETE FROM lease6 WHERE address = '2001:db8::1';",
    ]
    for step in steps:
        pair.same(step)
        stats6(pair)
    subnets, classes = stats6(pair)
    assert subnets == [["1", "0", "0", "1"], ["1", "0", "1", "0"], ["1", "1", "0", "0"],
                       ["1", "2", "0", "0"], ["2", "2", "0", "0"], ["3", "2", "0", "1"]]
    assert classes == [["a", "0", "0"], ["a", "1", "0"], ["a", "2", "0"], ["p", "2", "0"],
                       ["q", "0", "1"]]


def random_lease_ops(rnd, count):
    """A reproducible mix of lease inserts, updates and deletes over a small address pool."""
    def ctx():
        pick = rnd.choice([None, [], ["a"], ["a", "b"], ["b", "c"], ["c", "c"]])
        return "NULL" if pick is None else uc(*pick)
    ops = []
    for _ in range(count):
        i, kind = rnd.randrange(6), rnd.random()
        a4, a6 = f"INET_ATON('192.0.2.{i}')", f"'2001:db8::{i}'"
        if kind < 0.35:
            ops.append(lease4(f"192.0.2.{i}", rnd.randrange(1, 4), rnd.randrange(3), ctx())
                       .replace("INSERT", "INSERT IGNORE"))
            ops.append(lease6(f"2001:db8::{i}", rnd.randrange(1, 4), rnd.choice([0, 2]),
                              rnd.randrange(3), ctx()).replace("INSERT", "INSERT IGNORE"))
        elif kind < 0.85:
            col, val = rnd.choice([("state", rnd.randrange(3)), ("subnet_id", rnd.randrange(1, 4)),
                                   ("user_context", ctx()), ("valid_lifetime", 99)])
            ops.append(f"UPDATE lease4 SET {col} = {val} WHERE address = {a4};")
            if rnd.random() < 0.3:
                col, val = "lease_type", rnd.choice([0, 2])
            ops.append(f"UPDATE lease6 SET {col} = {val} WHERE address = {a6};")
        else:
            ops.append(f"DELETE FROM lease4 WHERE address = {a4};")
            ops.append(f"DELETE FROM lease6 WHERE address = {a6};")
    return ops


def test_random_lease_operations_keep_identical_statistics(pair):
    import random
    rnd = random.Random(20240229)
    for batch in range(4):
        pair.same("\n".join(random_lease_ops(rnd, 60)))
        s4, c4 = stats4(pair)
        s6, c6 = stats6(pair)
    # The per-subnet counters equal a recount of the leases in counted states.
    recount4 = pair.same("SELECT subnet_id, state, COUNT(*) FROM lease4 WHERE state IN (0, 1)"
                         " GROUP BY 1, 2 ORDER BY 1, 2;")
    assert [r for r in s4 if r[2] != "0"] == recount4
    recount6 = pair.same("SELECT subnet_id, lease_type, state, COUNT(*) FROM lease6"
                         " WHERE state IN (0, 1) GROUP BY 1, 2, 3 ORDER BY 1, 2, 3;")
    assert [r for r in s6 if r[3] != "0"] == recount6
    assert c4 and c6


# ---- lease limits and helpers -----------------------------------------------------------------

def limits(classes=None, subnet=None):
    lim = {}
    if classes is not None:
        lim["client-classes"] = classes
    if subnet is not None:
        lim["subnet"] = subnet
    return "'" + json.dumps({"ISC": {"limits": lim}}) + "'"


def test_lease_limit_functions(pair):
    pair.same(lease4("192.0.2.1", 1, 0, uc("gold")) + lease4("192.0.2.2", 1, 0, uc("gold")) +
              lease4("192.0.2.3", 1, 1) +
              lease6("2001:db8::1", 5, 0, 0, uc("gold")) + lease6("2001:db8:9::", 5, 2, 0, uc("gold")))
    cases4 = {
        limits([{"name": "gold", "address-limit": 2}]):
            'address limit 2 for client class "gold", current lease count 2',
        limits([{"name": "gold", "address-limit": 3}]): "",
        limits([{"name": "silver", "address-limit": 0}]):
            'address limit 0 for client class "silver", current lease count 0',
        limits(subnet={"id": 1, "address-limit": 3}): "",
        limits(subnet={"id": 1, "address-limit": 2}):
            "address limit 2 for subnet ID 1, current lease count 2",
        limits([{"name": "gold", "address-limit": 5}], {"id": 1, "address-limit": 3}): "",
        "'{}'": "", "NULL": "",
    }
    for ctx, want in cases4.items():
        got = pair.same(f"SELECT checkLease4Limits({ctx});")
        assert got == [[want]], (ctx, got)
    cases6 = {
        limits([{"name": "gold", "address-limit": 1}]):
            'address limit 1 for client class "gold", current lease count 1',
        limits([{"name": "gold", "address-limit": 2, "prefix-limit": 1}]):
            'prefix limit 1 for client class "gold", current lease count 1',
        limits(subnet={"id": 5, "prefix-limit": 1}):
            "prefix limit 1 for subnet ID 5, current lease count 1",
        limits(subnet={"id": 5, "address-limit": 2, "prefix-limit": 2}): "",
    }
    for ctx, want in cases6.items():
        got = pair.same(f"SELECT checkLease6Limits({ctx});")
        assert got == [[want]], (ctx, got)


def test_colon_separated_hex(pair):
    got = pair.same("SELECT colonSeparatedHex('A0B1C2'), colonSeparatedHex('ABC'),"
                    " colonSeparatedHex('F'), colonSeparatedHex(''), colonSeparatedHex(NULL),"
                    " isJsonSupported();")
    assert got == [["a0:b1:c2", "0a:bc", "0f", "", None, "1"]]


# ---- lease dump / upload through kea-admin ----------------------------------------------------

LEASES_FOR_DUMP = (
    "INSERT INTO lease4 VALUES (INET_ATON('192.0.2.10'), UNHEX('001122334455'),"
    " UNHEX('01001122334455'), 3600, FROM_UNIXTIME(1700003600), 1, 1, 0,"
    " 'host,with,commas.example.org', 0, '{\"ISC\": {\"client-classes\": [\"x\", \"y\"]}}');"
    "INSERT INTO lease4 (address, hwaddr, valid_lifetime, expire, subnet_id, fqdn_fwd, fqdn_rev,"
    " hostname, state) VALUES (INET_ATON('10.0.0.1'), UNHEX('0A'), 60, FROM_UNIXTIME(1700000060),"
    " 2, 0, 0, '', 1);"
    "INSERT INTO lease6 VALUES ('2001:db8::10', UNHEX('000300010011223344AA'), 3600,"
    " FROM_UNIXTIME(1700003600), 1, 1800, 0, 42, 128, 0, 1, 'h6,x', UNHEX('001122334455'), 1, 4,"
    " 0, '{\"a\": 1, \"b\": 2}');"
    # (kea-admin 2.2 lease-upload cannot pass an empty hwtype / hwaddr_source, so set them)
    "INSERT INTO lease6 (address, duid, valid_lifetime, expire, subnet_id, pref_lifetime,"
    " lease_type, iaid, prefix_len, fqdn_fwd, fqdn_rev, hostname, hwaddr, hwtype, hwaddr_source,"
    " state) VALUES ('2001:db8:8::', UNHEX('0001'), 7200, FROM_UNIXTIME(1700007200), 2, 3600, 2,"
    " 9, 56, 0, 0, '', UNHEX('0a'), 1, 1, 1);"
)


def kea_admin_file(command, srv, db, version, flag, path):
    """lease-dump / lease-upload; kea-admin keeps scratch copies in /tmp/<file name>.tmp*, so
    the file name is made unique and the scratch files are removed afterwards."""
    try:
        return kea_admin(command, srv, db, f"-{version}", flag, path)
    finally:
        for scratch in glob.glob(f"/tmp/{os.path.basename(path)}.tmp*"):
            os.unlink(scratch)


def dump(srv, db, version, tmp):
    path = os.path.join(tmp, f"nst-{os.getpid()}-{os.path.basename(tmp)}-{db}-{version}.csv")
    kea_admin_file("lease-dump", srv, db, version, "-o", path)
    with open(path) as f:
        return path, f.read()


LEASE4_ROWS = ("SELECT INET_NTOA(address), HEX(hwaddr), HEX(client_id), valid_lifetime,"
               " UNIX_TIMESTAMP(expire), subnet_id, fqdn_fwd, fqdn_rev, hostname, state,"
               " user_context FROM lease4 ORDER BY address;")
LEASE6_ROWS = ("SELECT address, HEX(duid), valid_lifetime, UNIX_TIMESTAMP(expire), subnet_id,"
               " pref_lifetime, lease_type, iaid, prefix_len, fqdn_fwd, fqdn_rev, hostname,"
               " HEX(hwaddr), hwtype, hwaddr_source, state, user_context FROM lease6"
               " ORDER BY address;")


def test_lease_dump_and_upload(pair, mariadb, tmp_path):
    pair.same(LEASES_FOR_DUMP)
    orig4, orig6 = pair.same(LEASE4_ROWS), pair.same(LEASE6_ROWS)
    tmp = str(tmp_path)
    for version in (4, 6):
        path_a, text_a = dump(mariadb, pair.a, version, tmp)
        path_b, text_b = dump(mariadb, pair.b, version, tmp)
        assert text_a == text_b
        if version == 4:
            assert text_b.splitlines() == [
                "address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,fqdn_rev,"
                "hostname,state,user_context",
                "10.0.0.1,0a,,60,1700000060,2,0,0,,1,",
                "192.0.2.10,00:11:22:33:44:55,01:00:11:22:33:44:55,3600,1700003600,1,1,0,"
                "host&#x2cwith&#x2ccommas.example.org,0,"
                '{"ISC": {"client-classes": ["x"&#x2c "y"]}}']
        # Upload each family's dump into a fresh pair: A's file into A2, B's file into B2.
        fresh = Pair(mariadb)
        try:
            kea_admin_file("lease-upload", mariadb, fresh.a, version, "-i", path_a)
            kea_admin_file("lease-upload", mariadb, fresh.b, version, "-i", path_b)
            rows = fresh.same(LEASE4_ROWS if version == 4 else LEASE6_ROWS)
            # Absent values (NULL) come back as empty strings, by the CSV format's nature, and
            # kea-lfc re-serialises user contexts (the last column).
            def norm(rs):
                return [["" if v is None else v for v in r[:-1]] + [json.loads(r[-1] or "null")]
                        for r in rs]
            assert norm(rows) == norm(orig4 if version == 4 else orig6)
            fresh.same("SELECT * FROM lease4_stat ORDER BY 1, 2;")
            fresh.same("SELECT * FROM lease6_stat ORDER BY 1, 2, 3;")
        finally:
            fresh.drop()


# ---- configuration backend: audit triggers and client-class procedures ----------------------

def cb_sessions(v):
    """What Kea's config backend does, as SQL sessions; v is 4 or 6. Each session opens an
    audit revision first, as the backend does."""
    V = f"DHCP{v}"
    pool = ("INET_ATON('192.0.2.10'), INET_ATON('192.0.2.20')" if v == 4
            else "'2001:db8::10', '2001:db8::20'")
    prefix10, prefix11 = (("192.0.2.0/24", "198.51.100.0/24") if v == 4
                          else ("2001:db8::/64", "2001:db8:1::/64"))
    rev = lambda ts, tag, msg, cascade=0: \
        f"CALL createAuditRevision{V}('2024-01-01 {ts}', '{tag}', '{msg}', {cascade});\n"
    opt = lambda code, value, scope, col, ref, ts: (
        f"INSERT INTO dhcp{v}_options (code, formatted_value, space, scope_id, {col},"
        f" modification_ts) VALUES ({code}, '{value}', 'dhcp{v}', {scope}, {ref},"
        f" '2024-01-01 {ts}');\n")
    s = [
        rev("10:00:00", "all", "servers") +
        f"INSERT INTO dhcp{v}_server (tag, description, modification_ts) VALUES"
        f" ('srv1', 'one', '2024-01-01 10:00:00'), ('srv2', 'two', '2024-01-01 10:00:00');",

        rev("10:01:00", "srv1", "globals") +
        f"INSERT INTO dhcp{v}_global_parameter (name, value, modification_ts, parameter_type)"
        f" VALUES ('renew-timer', '100', '2024-01-01 10:01:00', 0);\n"
        f"INSERT INTO dhcp{v}_global_parameter_server VALUES (LAST_INSERT_ID(), 2,"
        f" '2024-01-01 10:01:00');\n"
        f"UPDATE dhcp{v}_global_parameter SET value = '200' WHERE name = 'renew-timer';\n" +
        opt(23, "192.0.2.53", 0, "host_id", "NULL", "10:01:00"),

        rev("10:02:00", "all", "subnets") +
        f"INSERT INTO dhcp{v}_shared_network (name, modification_ts) VALUES"
        f" ('net1', '2024-01-01 10:02:00');\n"
        f"INSERT INTO dhcp{v}_shared_network_server SELECT id, 1, '2024-01-01 10:02:00'"
        f" FROM dhcp{v}_shared_network;\n"
        f"INSERT INTO dhcp{v}_subnet (subnet_id, subnet_prefix, shared_network_name,"
        f" modification_ts) VALUES (10, '{prefix10}', 'net1', '2024-01-01 10:02:00'),"
        f" (11, '{prefix11}', NULL, '2024-01-01 10:02:00');\n"
        f"INSERT INTO dhcp{v}_subnet_server VALUES (10, 1, '2024-01-01 10:02:00'),"
        f" (11, 1, '2024-01-01 10:02:00');\n"
        f"INSERT INTO dhcp{v}_pool (start_address, end_address, subnet_id, modification_ts)"
        f" VALUES ({pool}, 10, '2024-01-01 10:02:00');\n" +
        opt(3, "a", 1, f"dhcp{v}_subnet_id", 10, "10:02:10") +
        opt(3, "b", 1, f"dhcp{v}_subnet_id", 11, "10:02:11") +
        opt(15, "c", 4, "shared_network_name", "'net1'", "10:02:20") +
        opt(42, "d", 5, "pool_id", 1, "10:02:30") +
        f"UPDATE dhcp{v}_options SET formatted_value = 'e' WHERE code = 3 AND scope_id = 1"
        f" AND dhcp{v}_subnet_id = 10;\n",

        rev("10:03:00", "all", "classes") +
        f"INSERT INTO dhcp{v}_option_def (code, name, space, type, modification_ts, is_array,"
        f" encapsulate) VALUES (222, 'foo', 'dhcp{v}', 8, '2024-01-01 10:03:00', 0, '');\n"
        f"UPDATE dhcp{v}_option_def SET is_array = 1 WHERE code = 222;\n"
        f"INSERT INTO dhcp{v}_client_class (name, test, depend_on_known_directly, modification_ts)"
        f" VALUES ('c1', 'member(''KNOWN'')', 1, '2024-01-01 10:03:00');\n"
        f"INSERT INTO dhcp{v}_client_class (name, modification_ts) VALUES"
        f" ('c2', '2024-01-01 10:03:00');\n"
        f"INSERT INTO dhcp{v}_client_class (name, follow_class_name, modification_ts) VALUES"
        f" ('c3', 'c1', '2024-01-01 10:03:00');\n"
        f"INSERT INTO dhcp{v}_client_class_server SELECT id, 1, NULL FROM dhcp{v}_client_class;\n"
        f"INSERT INTO dhcp{v}_client_class_dependency SELECT a.id, b.id FROM dhcp{v}_client_class a,"
        f" dhcp{v}_client_class b WHERE a.name = 'c3' AND b.name = 'c1';\n"
        f"INSERT INTO dhcp{v}_client_class (name, modification_ts) VALUES"
        f" ('c5', '2024-01-01 10:03:00'), ('c6', '2024-01-01 10:03:00');\n"
        f"INSERT INTO dhcp{v}_client_class_server SELECT id, 3, NULL FROM dhcp{v}_client_class"
        f" WHERE name = 'c5';\n"
        f"INSERT INTO dhcp{v}_client_class_server SELECT id, 2, NULL FROM dhcp{v}_client_class"
        f" WHERE name = 'c6';\n" +
        opt(66, "tftp", 2, "dhcp_client_class", "'c2'", "10:03:00"),

        rev("10:04:00", "all", "class update") +
        f"UPDATE dhcp{v}_client_class SET test = 'member(''UNKNOWN'')' WHERE name = 'c2';\n"
        f"CALL check{V.replace('DHCP', 'DHCPv')}ClientClassKnownDependencyChange();\n"
        f"UPDATE dhcp{v}_client_class SET follow_class_name = 'c2' WHERE name = 'c5';\n"
        f"UPDATE dhcp{v}_client_class SET follow_class_name = NULL WHERE name = 'c3';\n"
        f"CALL check{V.replace('DHCP', 'DHCPv')}ClientClassKnownDependencyChange();\n",

        rev("10:05:00", "all", "delete subnet", 1) +
        f"DELETE FROM dhcp{v}_subnet WHERE subnet_id = 10;\n"
        f"DELETE FROM dhcp{v}_shared_network WHERE name = 'net1';\n",

        rev("10:06:00", "srv2", "delete more") +
        f"DELETE FROM dhcp{v}_options WHERE scope_id IN (0, 1);\n"
        f"DELETE FROM dhcp{v}_option_def;\n"
        f"DELETE FROM dhcp{v}_client_class WHERE name = 'c2';\n"
        f"DELETE FROM dhcp{v}_global_parameter;\n"
        f"DELETE FROM dhcp{v}_client_class WHERE name = 'c5';\n"
        f"DELETE FROM dhcp{v}_server WHERE tag = 'srv2';\n",

        "SET @disable_audit = 1;\n" + rev("10:07:00", "all", "silent") +
        f"INSERT INTO dhcp{v}_global_parameter (name, value, modification_ts, parameter_type)"
        f" VALUES ('quiet', '1', '2024-01-01 10:07:00', 0);\n",
    ]
    if v == 6:
        s.insert(3, rev("10:02:40", "all", "pd pool") +
                 "INSERT INTO dhcp6_pd_pool (prefix, prefix_length, delegated_prefix_length,"
                 " subnet_id, modification_ts, excluded_prefix_length) VALUES"
                 " ('2001:db8:8::', 48, 56, 11, '2024-01-01 10:02:40', 0);\n" +
                 opt(7, "f", 6, "pd_pool_id", 1, "10:02:50") +
                 "DELETE FROM dhcp6_pd_pool;\n")
    return s


def cb_errors(v):
    """Statements the client-class procedures refuse, with the message both must give."""
    cls = f"dhcp{v}_client_class"
    dep = f"INSERT INTO {cls}_dependency SELECT a.id, b.id FROM {cls} a, {cls} b WHERE a.name = '%s' AND b.name = '%s';"
    check = f"CALL checkDHCPv{v}ClientClassKnownDependencyChange();"
    return [
        (dep % ("c1", "c1"), "Client class must not have dependency on self."),
        (dep % ("c1", "c2"), "must not depend on class defined later with id"),
        (f"INSERT INTO {cls}_dependency SELECT 999, id FROM {cls} WHERE name = 'c1';",
         "Client class with id 999 does not exist."),
        (dep % ("c6", "c5"), "Unmet dependencies for client class with id"),
        (f"INSERT INTO {cls} (name, follow_class_name, modification_ts) VALUES"
         f" ('c9', 'nope', '2024-01-01 11:00:00');", "Class nope does not exist."),
        (f"UPDATE {cls} SET follow_class_name = 'c3' WHERE name = 'c1';",
         "because it would break its dependencies"),
        (f"UPDATE {cls} SET depend_on_known_directly = 0 WHERE name = 'c1';\n{check}",
         "Class dependency on KNOWN/UNKNOWN built-in classes must not change."),
    ]


def cb_snapshot(pair, v):
    queries = [
        f"SELECT id, object_type, object_id, modification_type, revision_id FROM dhcp{v}_audit ORDER BY id;",
        f"SELECT id, modification_ts, log_message, server_id FROM dhcp{v}_audit_revision ORDER BY id;",
        f"SELECT subnet_id, shared_network_name, modification_ts FROM dhcp{v}_subnet ORDER BY 1;",
        f"SELECT id, name, modification_ts FROM dhcp{v}_shared_network ORDER BY 1;",
        f"SELECT c.name, o.order_index, o.depend_on_known_indirectly, c.depend_on_known_directly"
        f" FROM dhcp{v}_client_class c LEFT JOIN dhcp{v}_client_class_order o ON o.class_id = c.id"
        f" ORDER BY c.name;",
        f"SELECT * FROM dhcp{v}_client_class_dependency ORDER BY 1, 2;",
        f"SELECT * FROM dhcp{v}_options ORDER BY option_id;",
        f"SELECT * FROM dhcp{v}_pool ORDER BY id;",
        f"SELECT id, tag FROM dhcp{v}_server ORDER BY id;",
    ]
    return [pair.same(q) for q in queries]


@pytest.mark.parametrize("v", [4, 6])
def test_config_backend_audit_and_classes(pair, v):
    sessions = cb_sessions(v)
    for i, text in enumerate(sessions):
        pair.same(text)
        snap = cb_snapshot(pair, v)
        if i == 3 + (v == 6):            # classes created: c1, c3 (after c1), c2, c5, c6
            order = {r[0]: (r[1], r[2]) for r in snap[4]}
            assert order == {"c1": ("1", "0"), "c3": ("2", "1"), "c2": ("3", "0"),
                             "c5": ("4", "0"), "c6": ("5", "0")}
        if i == 4 + (v == 6):            # before the error cases: c5 re-placed after c2, c3 moved last
            for stmt, msg in cb_errors(v):
                # In a transaction that the failure rolls back (the client disconnects).
                assert msg in pair.same_error(
                    f"START TRANSACTION;\nCALL createAuditRevisionDHCP{v}('2024-01-01 11:00:00',"
                    f" 'all', 'refused', 0);\n{stmt}"), stmt
    audit, revisions, subnets, networks, classes, deps, options, pools, servers = snap
    ops = {"0": "create", "1": "update", "2": "delete"}
    summary = [(r[1], ops[r[3]]) for r in audit]
    C, U, D = "create", "update", "delete"
    srv, gp, op, sn, sub, od, cc = (f"dhcp{v}_{t}" for t in (
        "server", "global_parameter", "options", "shared_network", "subnet", "option_def",
        "client_class"))
    # Subnet / network options and pool options are audited as updates of their owner; a
    # cascading delete (revision flag) audits only the deleted owners.
    assert summary == (
        [(srv, C), (srv, C), (gp, C), (gp, U), (op, C), (sn, C), (sub, C), (sub, C),
         (sub, U), (sub, U), (sn, U), (sub, U), (sub, U)] + [(sub, U)] * (2 if v == 6 else 0) +
        [(od, C), (od, U)] + [(cc, C)] * 5 + [(cc, U)] * 3 +
        [(sub, D), (sn, D), (op, D), (sub, U), (od, D), (cc, D), (gp, D), (cc, D), (srv, D)])
    assert [r[2] for r in revisions] == (
        ["servers", "globals", "subnets"] + (["pd pool"] if v == 6 else []) +
        ["classes", "class update", "delete subnet", "delete more"])
    assert revisions[1][3] == "2" and revisions[-1][3] == "3"      # ids of srv1, srv2
    assert [r[0] for r in subnets] == ["11"] and networks == []
    assert subnets[0][2] == "2023-11-14 22:13:20"  # bumped by deleting its option at NOW()
    assert [r[0] for r in servers] == ["1", "2"] and pools == [] and options == []
    assert {r[0] for r in classes} == {"c1", "c3", "c6"}
    print(f"v{v}: {len(audit)} audit rows, {len(revisions)} revisions identical")


# ---- Kea 2.2 itself on both databases -----------------------------------------------------------

KEA_CB_SEED = """
CALL createAuditRevisionDHCP4(NOW(), 'all', 'seed', 0);
INSERT INTO dhcp4_server (tag, description, modification_ts) VALUES ('nst', 'test', NOW());
INSERT INTO dhcp4_global_parameter (name, value, modification_ts, parameter_type)
    VALUES ('renew-timer', '123', NOW(), 0);
INSERT INTO dhcp4_global_parameter_server VALUES (LAST_INSERT_ID(), 1, NOW());
INSERT INTO dhcp4_subnet (subnet_id, subnet_prefix, modification_ts, valid_lifetime)
    VALUES (2, '198.51.100.0/24', NOW(), 900);
INSERT INTO dhcp4_subnet_server VALUES (2, 1, NOW());
INSERT INTO dhcp4_pool (start_address, end_address, subnet_id, modification_ts)
    VALUES (INET_ATON('198.51.100.10'), INET_ATON('198.51.100.20'), 2, NOW());
INSERT INTO dhcp4_options (code, formatted_value, space, scope_id, dhcp4_subnet_id, modification_ts)
    VALUES (3, '198.51.100.1', 'dhcp4', 1, 2, NOW());
INSERT INTO hosts (dhcp_identifier, dhcp_identifier_type, dhcp4_subnet_id, ipv4_address, hostname)
    VALUES (UNHEX('aabbccddeeff'), 0, 1, INET_ATON('192.0.2.50'), 'reserved');
"""
KEA_CB_ADD_SUBNET = """
CALL createAuditRevisionDHCP4(NOW() + INTERVAL 1 SECOND, 'all', 'add subnet 3', 0);
INSERT INTO dhcp4_subnet (subnet_id, subnet_prefix, modification_ts)
    VALUES (3, '203.0.113.0/24', NOW() + INTERVAL 1 SECOND);
INSERT INTO dhcp4_subnet_server VALUES (3, 1, NOW() + INTERVAL 1 SECOND);
"""
KEA_CB_DEL_SUBNET = """
CALL createAuditRevisionDHCP4(NOW() + INTERVAL 2 SECOND, 'all', 'delete subnet 2', 1);
DELETE FROM dhcp4_subnet WHERE subnet_id = 2;
"""


class KeaDhcp4:
    """kea-dhcp4 with lease, host and config databases (MySQL) plus lease/stat command hooks."""

    def __init__(self, srv, db):
        self.dir = tempfile.mkdtemp(prefix="nst-kea-")
        self.sock = os.path.join(self.dir, "ctrl.sock")
        self.log = os.path.join(self.dir, "kea.log")
        dbcfg = {"type": "mysql", "name": db, "host": "127.0.0.1", "port": srv.port,
                 "user": "kea", "password": "kea"}
        cfg = {"Dhcp4": {
            "interfaces-config": {"interfaces": []},
            "control-socket": {"socket-type": "unix", "socket-name": self.sock},
            "lease-database": dbcfg, "hosts-database": dbcfg,
            "config-control": {"config-databases": [dbcfg], "config-fetch-wait-time": 3600},
            "server-tag": "nst",
            "hooks-libraries": [{"library": os.path.join(HOOKS, h)} for h in
                                ("libdhcp_mysql_cb.so", "libdhcp_lease_cmds.so",
                                 "libdhcp_stat_cmds.so")],
            "valid-lifetime": 600,
            "subnet4": [{"id": 1, "subnet": "192.0.2.0/24",
                         "pools": [{"pool": "192.0.2.100 - 192.0.2.199"}]}],
            "loggers": [{"name": "kea-dhcp4", "severity": "INFO",
                         "output_options": [{"output": self.log}]}],
        }}
        self.conf = os.path.join(self.dir, "kea.json")
        with open(self.conf, "w") as f:
            json.dump(cfg, f)
        self.env = dict(os.environ, KEA_PIDFILE_DIR=self.dir, KEA_LOCKFILE_DIR=self.dir)
        self.proc = None

    def check(self):
        return subprocess.run([KEA_DHCP4, "-t", self.conf], env=self.env, capture_output=True,
                              text=True)

    def start(self):
        self.proc = subprocess.Popen([KEA_DHCP4, "-c", self.conf], env=self.env,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 30
        while time.time() < deadline:
            assert self.proc.poll() is None, f"kea-dhcp4 exited:\n{self.log_text()}"
            if "DHCP4_STARTED" in self.log_text() and os.path.exists(self.sock):
                return self
            time.sleep(0.2)
        pytest.fail(f"kea-dhcp4 did not start:\n{self.log_text()}")

    def log_text(self):
        try:
            with open(self.log) as f:
                return f.read()
        except OSError:
            return ""

    def cmd(self, command, **args):
        msg = {"command": command}
        if args:
            msg["arguments"] = args
        with socket.socket(socket.AF_UNIX) as s:
            s.settimeout(20)
            s.connect(self.sock)
            s.sendall(json.dumps(msg).encode())
            data = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
        return json.loads(data)

    def stop(self):
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


def untimed(obj):
    """A command response without its clock-dependent fields."""
    if isinstance(obj, dict):
        return {k: untimed(v) for k, v in obj.items() if k not in ("cltt", "timestamp")}
    if isinstance(obj, list):
        return [untimed(v) for v in obj]
    return obj


def kea_session(srv, db):
    srv.sql(KEA_CB_SEED, db=db, user="kea", password="kea")
    kea = KeaDhcp4(srv, db)
    try:
        r = kea.check()
        assert r.returncode == 0, r.stdout + r.stderr
        kea.start()
        out = []

        def subnets():
            dhcp4 = kea.cmd("config-get")["arguments"]["Dhcp4"]
            return {s["id"]: (s["subnet"], [p["pool"] for p in s["pools"]],
                              [(o["code"], o["data"]) for o in s["option-data"]])
                    for s in dhcp4["subnet4"]}, dhcp4.get("renew-timer")

        out.append(subnets())
        out.append(kea.cmd("lease4-add", **{
            "ip-address": "192.0.2.100", "hw-address": "1a:1b:1c:1d:1e:1f", "subnet-id": 1,
            "user-context": {"ISC": {"client-classes": ["gold"]}}}))
        out.append(kea.cmd("lease4-add", **{
            "ip-address": "198.51.100.10", "hw-address": "2a:1b:1c:1d:1e:1f", "subnet-id": 2,
            "hostname": "h,2"}))
        out.append(kea.cmd("lease4-get", **{"ip-address": "192.0.2.100"}))
        out.append(kea.cmd("stat-lease4-get"))
        out.append(kea.cmd("lease4-update", **{
            "ip-address": "192.0.2.100", "hw-address": "1a:1b:1c:1d:1e:1f", "subnet-id": 1,
            "state": 1}))
        out.append(kea.cmd("lease4-del", **{"ip-address": "198.51.100.10"}))
        out.append(kea.cmd("stat-lease4-get"))
        out.append(kea.cmd("lease4-get-all"))
        srv.sql(KEA_CB_ADD_SUBNET, db=db, user="kea", password="kea")
        out.append(kea.cmd("config-backend-pull"))
        out.append(subnets())
        srv.sql(KEA_CB_DEL_SUBNET, db=db, user="kea", password="kea")
        out.append(kea.cmd("config-backend-pull"))
        out.append(subnets())
        errors = [l for l in kea.log_text().splitlines() if " ERROR " in l or " FATAL " in l]
        assert not errors, "\n".join(errors)
    finally:
        kea.stop()
    stats = srv.sql("SELECT subnet_id, state, leases FROM lease4_stat ORDER BY 1, 2;"
                    "", db=db)
    classes = srv.sql("SELECT client_class, leases FROM lease4_stat_by_client_class;", db=db)
    return untimed(out), stats, classes


@pytest.mark.skipif(not os.access(KEA_DHCP4, os.X_OK), reason="kea-dhcp4 (Debian kea-dhcp4-server) missing")
def test_kea_dhcp4_serves_from_both(pair):
    """Kea 2.2 (lease, host and config backends) on the Nestor-made database behaves exactly as
    on the kea-admin-made one."""
    got_a = kea_session(pair.srv, pair.a)
    got_b = kea_session(pair.srv, pair.b)
    assert got_b == got_a
    out, stats, classes = got_b
    assert out[0] == ({1: ("192.0.2.0/24", ["192.0.2.100-192.0.2.199"], []),
                       2: ("198.51.100.0/24", ["198.51.100.10-198.51.100.20"],
                           [(3, "198.51.100.1")])}, 123)
    assert [r["result"] for r in out[1:3]] == [0, 0]
    assert out[4]["arguments"]["result-set"]["rows"] == [[1, 100, 0, 1, 0], [2, 11, 0, 1, 0]]
    assert out[7]["arguments"]["result-set"]["rows"] == [[1, 100, 0, 0, 1], [2, 11, 0, 0, 0]]
    assert [l["ip-address"] for l in out[8]["arguments"]["leases"]] == ["192.0.2.100"]
    assert sorted(out[10][0]) == [1, 2, 3] and sorted(out[12][0]) == [1, 3]
    assert stats == [["1", "0", "0"], ["1", "1", "1"], ["2", "0", "0"]]
    assert classes == [["gold", "0"]]


# ---- upgrade 13.0 -> 14.0 -----------------------------------------------------------------------

SCHEMA_DIR = os.path.join(HERE, "..", "..", "src", "admin", "schema", "mysql")
UPGRADE_SQL = os.path.join(SCHEMA_DIR, "upgrade_13.0_to_14.0.sql")
DOWNGRADE_SQL = os.path.join(HERE, "fixtures", "mysql_downgrade_14.0_to_13.0.sql")
KEA_CREATE = "/usr/share/kea/scripts/mysql/dhcpdb_create.mysql"
KEA_14_MARKER = "-- This line starts the schema upgrade to version 14."
LOOKUP = {"lease6_types", "lease_hwaddr_source", "lease_state", "host_identifier_type",
          "dhcp_option_scope", "modification", "parameter_data_type", "schema_version"}

# Data in the 13.0 layout: leases (counted by the 13.0 statistics triggers), hosts with IPv6
# reservations and options, configuration-backend objects.
DATA_13 = """
CALL createAuditRevisionDHCP4('2024-02-01 00:00:00', 'all', 'seed', 0);
INSERT INTO dhcp4_shared_network (name, modification_ts) VALUES ('net', '2024-02-01 00:00:00');
INSERT INTO dhcp4_subnet (subnet_id, subnet_prefix, shared_network_name, modification_ts)
    VALUES (1, '192.0.2.0/24', 'net', '2024-02-01 00:00:00');
INSERT INTO dhcp4_subnet_server VALUES (1, 1, '2024-02-01 00:00:00');
INSERT INTO dhcp4_client_class (name, test, modification_ts) VALUES ('gold', 'true', '2024-02-01 00:00:00');
INSERT INTO hosts (dhcp_identifier, dhcp_identifier_type, dhcp4_subnet_id, dhcp6_subnet_id,
                   ipv4_address, hostname) VALUES
    (UNHEX('0a0b0c0d0e0f'), 0, 1, 1, INET_ATON('192.0.2.9'), 'h1');
INSERT INTO ipv6_reservations (address, prefix_len, type, host_id) VALUES ('2001:db8::9', 128, 0, 1);
INSERT INTO dhcp4_options (code, formatted_value, space, host_id, scope_id) VALUES (12, 'h1', 'dhcp4', 1, 3);
""" + lease4("192.0.2.1", 1, 0) + lease4("192.0.2.2", 1, 1) + lease4("192.0.2.3", 2, 0) + \
    lease6("2001:db8::1", 1, 0, 0) + lease6("2001:db8:5::", 1, 2, 1)

DATA_QUERIES = [
    LEASE4_ROWS, LEASE6_ROWS,
    "SELECT * FROM lease4_stat ORDER BY 1, 2;", "SELECT * FROM lease6_stat ORDER BY 1, 2, 3;",
    "SELECT host_id, HEX(dhcp_identifier), dhcp4_subnet_id, ipv4_address, hostname FROM hosts;",
    "SELECT address, prefix_len, type, host_id FROM ipv6_reservations;",
    "SELECT option_id, code, formatted_value, host_id, scope_id FROM dhcp4_options;",
    "SELECT subnet_id, subnet_prefix, shared_network_name FROM dhcp4_subnet;",
    "SELECT id, name, test FROM dhcp4_client_class;",
]


def kea_13_script(tmp):
    """Kea's own create script stopped where its 14.0 part begins: a true 13.0 database."""
    with open(KEA_CREATE) as f:
        text = f.read()
    assert KEA_14_MARKER in text
    path = os.path.join(tmp, "kea_13.0.sql")
    with open(path, "w") as f:
        f.write(text[:text.index(KEA_14_MARKER)])
    return path


def schema_part(lines):
    """Catalog lines that do not depend on the data: no data rows, no AUTO_INCREMENT values."""
    out = []
    for line in lines:
        if line.startswith("row ") and line[4:].split(":", 1)[0] not in LOOKUP:
            continue
        out.append(line.split(" auto_increment=")[0] if line.startswith("table ") else line)
    return out


def test_upgrade_13_to_14(mariadb, tmp_path):
    n = next(_names)
    kea, nst = f"kea13_{n}", f"nst13_{n}"
    try:
        for db in (kea, nst):
            mariadb.create_database(db)
        mariadb.script(kea_13_script(str(tmp_path)), db=kea, user="kea", password="kea")
        mariadb.script(CREATE_SQL, db=nst, user="kea", password="kea")
        mariadb.script(DOWNGRADE_SQL, db=nst, user="kea", password="kea")
        # The fixture really is Kea's 13.0 layout.
        _, _, diff = catalog_diff(mariadb, kea, nst)
        assert not diff, "13.0 fixture differs from Kea's 13.0:\n" + "\n".join(diff)
        assert mariadb.sql("SELECT version, minor FROM schema_version;", db=nst) == [["13", "0"]]

        for db in (kea, nst):
            mariadb.sql(FIXED_NOW + DATA_13, db=db, user="kea", password="kea")
        before = [mariadb.sql(q, db=nst) for q in DATA_QUERIES]
        assert before == [mariadb.sql(q, db=kea) for q in DATA_QUERIES]
        assert before[2] == [["1", "0", "1"], ["1", "1", "1"], ["2", "0", "1"]]

        out = kea_admin("db-upgrade", mariadb, kea)
        assert "Database version reported after upgrade: 14.0" in out, out
        mariadb.script(UPGRADE_SQL, db=nst, user="kea", password="kea")

        # Same result as Kea's own upgrade, data included; same layout as create.sql.
        ck, cn, diff = catalog_diff(mariadb, kea, nst)
        assert not diff, "upgraded databases differ:\n" + "\n".join(diff)
        fresh = f"nst_fresh_{n}"
        mariadb.create_database(fresh)
        try:
            mariadb.script(CREATE_SQL, db=fresh, user="kea", password="kea")
            cf = catalog.catalog_lines(mariadb, fresh)
        finally:
            mariadb.drop_database(fresh)
        assert schema_part(cn) == schema_part(cf)
        assert [mariadb.sql(q, db=nst) for q in DATA_QUERIES] == before

        # The 14.0 statistics triggers run on the upgraded database, as on Kea's.
        step = (lease4("192.0.2.4", 1, 0, uc("gold")) +
                "UPDATE lease4 SET state = 1 WHERE address = INET_ATON('192.0.2.1');"
                "DELETE FROM lease4 WHERE address = INET_ATON('192.0.2.3');"
                "SELECT * FROM lease4_stat ORDER BY 1, 2;")
        got = [mariadb.sql(FIXED_NOW + step, db=db, user="kea", password="kea") for db in (kea, nst)]
        assert got[0] == got[1] == [["1", "0", "1"], ["1", "1", "2"], ["2", "0", "0"]]
        assert mariadb.sql("SELECT * FROM lease4_stat_by_client_class;", db=nst) == [["gold", "1"]]

        # Applied again (now at 14.0) the step stops at its guard and changes nothing.
        with pytest.raises(MysqlError) as ei:
            mariadb.script(UPGRADE_SQL, db=nst, user="kea", password="kea")
        assert "schema version is 14.0, not 13.0; nothing changed" in str(ei.value)
        assert catalog.catalog_lines(mariadb, nst) == catalog.catalog_lines(mariadb, kea)
    finally:
        for db in (kea, nst):
            mariadb.drop_database(db)


def test_upgrade_routines_match_create_sql():
    """The upgrade step re-creates routines and triggers with create.sql's exact text."""
    import re
    block = re.compile(r"(?ms)^CREATE (PROCEDURE|FUNCTION|TRIGGER) (\w+)\b.*?\$\$$")
    with open(CREATE_SQL) as f:
        create = {m.group(2): m.group(0) for m in block.finditer(f.read())}
    with open(UPGRADE_SQL) as f:
        upgrade = {m.group(2): m.group(0) for m in block.finditer(f.read())}
    assert len(upgrade) == 23 and len(create) == 91
    for name, text in upgrade.items():
        assert text == create[name], name
