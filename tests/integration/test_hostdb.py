"""Host reservations in SQL databases (hosts-database / hosts-databases) on Kea 2.2's schema, made
by Debian's kea-admin, on a real PostgreSQL and a real MariaDB: reservations added by
reservation-add or inserted with SQL the way Kea stores them reach real DHCP clients (address,
hostname, options, boot fields); the config file wins over the databases; several databases are
asked in order; readonly databases refuse changes (and never prepare write statements); every
reservation-* command answers with Kea's shapes; Debian's kea-dhcp4 serves a host added by Nestor.

nestor-dhcp4 runs in its own network namespace and reaches the databases over their Unix
sockets (a "host" starting with "/")."""
import copy
import os
import re
import shutil
import subprocess
import tempfile
import time

import pytest
from workers import PORT_OFFSET

import mysqlserver
import pgsqlserver
from conftest import KEA, Server, basic_config
from sqlchecks import light_load
from test_protocol import dora

PG_PORTS = range(5540 + PORT_OFFSET, 5550 + PORT_OFFSET)
MY_PORTS = range(3430 + PORT_OFFSET, 3440 + PORT_OFFSET)


def kea_admin(backend, args):
    r = subprocess.run(["kea-admin", "db-init", backend, *args], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def free_port(ports):
    import socket
    for port in ports:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
                return port
            except OSError:
                continue
    return None


class Pg:
    """PostgreSQL backend: databases kea (read-write) and kea2, both made by kea-admin."""
    name = "postgresql"

    def __init__(self):
        ok, why = pgsqlserver.available()
        if not ok:
            pytest.skip(why)
        self.port = free_port(PG_PORTS)
        self.srv = pgsqlserver.PgServer(port=self.port).start()
        try:
            for db in ("kea", "kea2"):
                self.srv.create_db(db)
                kea_admin("pgsql", self.srv.kea_admin_args(db))
            # A role whose every statement is logged: shows which statements a server prepares.
            self.srv.sql("CREATE ROLE kealog LOGIN PASSWORD 'kealog'; GRANT kea TO kealog; "
                         "ALTER ROLE kealog SET log_min_duration_statement = 0;")
        except BaseException:
            self.srv.stop()
            raise

    def stop(self):
        self.srv.stop()

    def cfg(self, db="kea", **extra):
        d = {"type": "postgresql", "name": db, "host": self.srv.sockdir, "port": self.port, "user": "kea",
             "password": "kea"}
        d.update(extra)
        return d

    def sql(self, text, db="kea"):
        return self.srv.sql(text, db=db)

    def wipe(self):
        for db in ("kea", "kea2"):
            self.sql("DELETE FROM dhcp4_options WHERE host_id IS NOT NULL; DELETE FROM hosts;", db=db)

    def insert_host(self, db, mac_hex, subnet, ip_int, hostname, options):
        """A host and its options, as Kea 2.2's PgSqlHostDataSource::add writes them."""
        opts = "".join(
            f"INSERT INTO dhcp4_options (code, value, formatted_value, space, persistent, user_context, "
            f"host_id, scope_id) VALUES ({code}, {'NULL' if value is None else f'decode({value!r}, {chr(39)}hex{chr(39)})'}, "
            f"{'NULL' if fmt is None else repr(fmt)}, 'dhcp4', {'true' if persist else 'false'}, NULL, "
            f"currval('hosts_host_id_seq'), 3);"
            for code, value, fmt, persist in options)
        self.sql(f"INSERT INTO hosts (dhcp_identifier, dhcp_identifier_type, dhcp4_subnet_id, dhcp6_subnet_id, "
                 f"ipv4_address, hostname, dhcp4_client_classes, dhcp6_client_classes, user_context, "
                 f"dhcp4_next_server, dhcp4_server_hostname, dhcp4_boot_file_name, auth_key) VALUES "
                 f"(decode('{mac_hex}', 'hex'), 0, {subnet}, NULL, {ip_int}, '{hostname}', 'lab,printers', '', "
                 f"'{{\"site\": \"b1\"}}', 0, '', '', NULL);" + opts, db=db)

    def hex_col(self, col):
        return f"encode({col}, 'hex')"

    def old_schema_db(self, name):
        """A database whose schema_version says 12.0 (Kea 2.0)."""
        self.srv.sql(f'CREATE DATABASE "{name}" OWNER kea')
        self.srv.sql("CREATE TABLE schema_version (version INT PRIMARY KEY, minor INT); "
                     "INSERT INTO schema_version VALUES (12, 0);", db=name, user="kea", password="kea")
        return "12.0 is older", "nestor-admin db-upgrade pgsql -n " + name


class My:
    """MariaDB backend: databases kea and kea2, both made by kea-admin."""
    name = "mysql"

    def __init__(self):
        reason = mysqlserver.binaries_missing()
        if reason:
            pytest.skip(reason)
        self.srv = mysqlserver.MysqlServer(port=free_port(MY_PORTS)).start()
        try:
            for db in ("kea", "kea2"):
                self.srv.create_database(db)
                # kea-admin 2.2 forgets -P when it feeds the create script to the client: -x repeats it
                kea_admin("mysql", self.srv.kea_admin_args(db) + ["-x", f"--port={self.srv.port}"])
            # The general log shows which statements a server prepares.
            self.srv.sql("SET GLOBAL log_output = 'TABLE'; SET GLOBAL general_log = 'ON';")
        except BaseException:
            self.srv.stop()
            raise

    def stop(self):
        self.srv.stop()

    def cfg(self, db="kea", **extra):
        d = {"type": "mysql", "name": db, "host": self.srv.sock, "user": "kea", "password": "kea"}
        d.update(extra)
        return d

    def sql(self, text, db="kea"):
        return self.srv.sql(text, db=db)

    def wipe(self):
        for db in ("kea", "kea2"):
            self.sql("DELETE FROM dhcp4_options WHERE host_id IS NOT NULL; DELETE FROM hosts;", db=db)

    def insert_host(self, db, mac_hex, subnet, ip_int, hostname, options):
        """A host and its options, as Kea 2.2's MySqlHostDataSource::add writes them."""
        stmts = [f"INSERT INTO hosts (dhcp_identifier, dhcp_identifier_type, dhcp4_subnet_id, dhcp6_subnet_id, "
                 f"ipv4_address, hostname, dhcp4_client_classes, dhcp6_client_classes, user_context, "
                 f"dhcp4_next_server, dhcp4_server_hostname, dhcp4_boot_file_name, auth_key) VALUES "
                 f"(UNHEX('{mac_hex}'), 0, {subnet}, NULL, {ip_int}, '{hostname}', 'lab,printers', '', "
                 f"'{{\"site\": \"b1\"}}', 0, '', '', NULL);", "SET @h = LAST_INSERT_ID();"]
        for code, value, fmt, persist in options:
            stmts.append(f"INSERT INTO dhcp4_options (code, value, formatted_value, space, persistent, "
                         f"user_context, host_id, scope_id) VALUES ({code}, "
                         f"{'NULL' if value is None else f'UNHEX({value!r})'}, "
                         f"{'NULL' if fmt is None else repr(fmt)}, 'dhcp4', {1 if persist else 0}, NULL, @h, 3);")
        self.sql("\n".join(stmts), db=db)

    def hex_col(self, col):
        return f"LOWER(HEX({col}))"

    def old_schema_db(self, name):
        """A database whose schema_version says 13.0 (Kea 2.0)."""
        self.srv.create_database(name)
        self.srv.sql("CREATE TABLE schema_version (version INT PRIMARY KEY, minor INT); "
                     "INSERT INTO schema_version VALUES (13, 0);", db=name)
        return "13.0 is older", "nestor-admin db-upgrade mysql -n " + name


@pytest.fixture(scope="module", params=["postgresql", "mysql"])
def backend(request):
    b = Pg() if request.param == "postgresql" else My()
    yield b
    b.stop()


@pytest.fixture
def db(backend):
    backend.wipe()
    return backend


def ip_int(ip):
    a = [int(x) for x in ip.split(".")]
    return (a[0] << 24) | (a[1] << 16) | (a[2] << 8) | a[3]


def config(hosts_dbs, reservations=None, **dhcp4):
    cfg = basic_config(**dhcp4)
    if hosts_dbs is not None:
        if isinstance(hosts_dbs, list):
            cfg["Dhcp4"]["hosts-databases"] = hosts_dbs
        else:
            cfg["Dhcp4"]["hosts-database"] = hosts_dbs
    if reservations:
        cfg["Dhcp4"]["subnet4"][0]["reservations"] = reservations
    return cfg


PRL = ["param_req_list", [1, 3, 6, 12, 15, 66, 67]]


# ---- reservations reach DHCP clients ------------------------------------------------------------

def test_reservation_add_reaches_a_client(lan, server, db):
    srv = server(config(db.cfg()))
    r = srv.cmd("reservation-add", {"reservation": {
        "subnet-id": 1, "hw-address": "02:00:00:00:b1:01", "ip-address": "192.0.2.77",
        "hostname": "resv-host.example.org", "next-server": "192.0.2.5", "server-hostname": "tftp1",
        "boot-file-name": "/boot/pxe.0",
        "option-data": [{"name": "domain-name-servers", "data": "192.0.2.98, 192.0.2.99"},
                        {"code": 15, "csv-format": False, "data": "6C61622E6578616D706C65"}],
        "client-classes": ["lab", "printers"], "user-context": {"rack": 7}}})
    assert r == {"result": 0, "text": "Host added."}, r
    offer, ack = dora(lan, mac="02:00:00:00:b1:01", xid=0xb101, options=[PRL])
    assert offer["yiaddr"] == ack["yiaddr"] == "192.0.2.77"
    o = ack["options"]
    assert o["hostname"] == "resv-host.example.org"
    assert o["name_server"] == ["192.0.2.98", "192.0.2.99"]
    assert o["domain"] == "lab.example"
    assert o["router"] == "192.0.2.1"          # the subnet's options still apply
    assert (ack["siaddr"], ack["sname"], ack["file"]) == ("192.0.2.5", "tftp1", "/boot/pxe.0")
    lease = srv.cmd("lease4-get", {"ip-address": "192.0.2.77"})["arguments"]
    assert lease["hostname"] == "resv-host.example.org"
    # stored as Kea stores it
    rows = db.sql(f"SELECT {db.hex_col('dhcp_identifier')}, dhcp_identifier_type, dhcp4_subnet_id, "
                  "dhcp6_subnet_id, ipv4_address, hostname, dhcp4_client_classes, dhcp4_next_server, "
                  "dhcp4_server_hostname, dhcp4_boot_file_name FROM hosts")
    assert rows == [["02000000b101", "0", "1", None, str(ip_int("192.0.2.77")), "resv-host.example.org",
                     "lab,printers", str(ip_int("192.0.2.5")), "tftp1", "/boot/pxe.0"]], rows
    opts = db.sql(f"SELECT code, {db.hex_col('value')}, formatted_value, space, persistent, scope_id "
                  "FROM dhcp4_options ORDER BY option_id")
    assert [o[0] for o in opts] == ["6", "15"]
    assert opts[0][1:] in ([None, "192.0.2.98, 192.0.2.99", "dhcp4", "f", "3"],
                           [None, "192.0.2.98, 192.0.2.99", "dhcp4", "0", "3"]), opts
    assert opts[1][1:3] == ["6c61622e6578616d706c65", None] and opts[1][3] == "dhcp4" and opts[1][5] == "3"


def test_sql_inserted_reservation_reaches_a_client(lan, server, db):
    """Rows written the way Kea 2.2 writes them: csv text in formatted_value, or the wire bytes in
    value; persistent options are sent even when not requested."""
    db.insert_host("kea", "0200000000b2", 1, ip_int("192.0.2.78"), "sql-host",
                   [(6, None, "192.0.2.97", False), (15, "636f72702e6578616d706c65", None, False),
                    (42, None, "192.0.2.123", True)])
    srv = server(config(db.cfg()))
    _, ack = dora(lan, mac="02:00:00:00:00:b2", xid=0xb201, options=[["param_req_list", [1, 3, 6, 12, 15]]])
    assert ack["yiaddr"] == "192.0.2.78"
    o = ack["options"]
    assert o["hostname"] == "sql-host"
    assert o["name_server"] == "192.0.2.97"
    assert o["domain"] == "corp.example"
    assert o["NTP_server"] == "192.0.2.123"    # always-send (persistent)
    g = srv.cmd("reservation-get", {"subnet-id": 1, "identifier-type": "hw-address",
                                    "identifier": "02:00:00:00:00:b2"})
    assert g["result"] == 0 and g["text"] == "Host found.", g
    a = g["arguments"]
    assert a["client-classes"] == ["lab", "printers"] and a["user-context"] == {"site": "b1"}
    assert a["option-data"][0] == {"space": "dhcp4", "code": 6, "name": "domain-name-servers",
                                   "csv-format": True, "data": "192.0.2.97", "always-send": False}
    assert a["option-data"][1]["csv-format"] is False and a["option-data"][1]["data"] == "636F72702E6578616D706C65"
    assert a["option-data"][2]["always-send"] is True
    # a pool address reserved in the database is not given to another client
    db.insert_host("kea", "0200000000b3", 1, ip_int("192.0.2.100"), "", [])
    _, other = dora(lan, mac="02:00:00:00:00:b4", xid=0xb401)
    assert other["yiaddr"] != "192.0.2.100"
    _, owner = dora(lan, mac="02:00:00:00:00:b3", xid=0xb301)
    assert owner["yiaddr"] == "192.0.2.100"


def test_config_file_reservation_beats_the_database(lan, server, db):
    db.insert_host("kea", "0200000000b5", 1, ip_int("192.0.2.79"), "from-db", [])
    srv = server(config(db.cfg(), reservations=[
        {"hw-address": "02:00:00:00:00:b5", "ip-address": "192.0.2.88", "hostname": "from-file"}]))
    _, ack = dora(lan, mac="02:00:00:00:00:b5", xid=0xb501, options=[PRL])
    assert ack["yiaddr"] == "192.0.2.88" and ack["options"]["hostname"] == "from-file"
    # reservation-get: the same order
    g = srv.cmd("reservation-get", {"subnet-id": 1, "identifier-type": "hw-address",
                                    "identifier": "02:00:00:00:00:b5"})
    assert g["arguments"]["hostname"] == "from-file"
    # get-all lists both, the file's first
    all_ = srv.cmd("reservation-get-all", {"subnet-id": 1})
    assert [h["hostname"] for h in all_["arguments"]["hosts"]] == ["from-file", "from-db"]


def test_two_databases_are_asked_in_order(lan, server, db):
    db.insert_host("kea", "0200000000b6", 1, ip_int("192.0.2.81"), "first", [])
    db.insert_host("kea2", "0200000000b6", 1, ip_int("192.0.2.82"), "second", [])
    db.insert_host("kea2", "0200000000b7", 1, ip_int("192.0.2.83"), "only-second", [])
    srv = server(config([db.cfg("kea"), db.cfg("kea2")]))
    _, a = dora(lan, mac="02:00:00:00:00:b6", xid=0xb601, options=[PRL])
    assert a["yiaddr"] == "192.0.2.81" and a["options"]["hostname"] == "first"
    _, b = dora(lan, mac="02:00:00:00:00:b7", xid=0xb701, options=[PRL])
    assert b["yiaddr"] == "192.0.2.83" and b["options"]["hostname"] == "only-second"
    # deleted from the first: the second's reservation applies (it beats the client's lease)
    d = srv.cmd("reservation-del", {"subnet-id": 1, "identifier-type": "hw-address",
                                    "identifier": "02:00:00:00:00:b6"})
    assert d == {"result": 0, "text": "Host deleted."}, d
    _, a2 = dora(lan, mac="02:00:00:00:00:b6", xid=0xb611, options=[PRL])
    assert a2["yiaddr"] == "192.0.2.82" and a2["options"]["hostname"] == "second"
    # reservation-add writes every database (Kea 2.2)
    r = srv.cmd("reservation-add", {"reservation": {"subnet-id": 1, "hw-address": "02:00:00:00:00:b8",
                                                    "ip-address": "192.0.2.84"}})
    assert r["result"] == 0, r
    assert db.sql("SELECT count(*) FROM hosts WHERE ipv4_address = %d" % ip_int("192.0.2.84"), db="kea") == [["1"]]
    assert db.sql("SELECT count(*) FROM hosts WHERE ipv4_address = %d" % ip_int("192.0.2.84"), db="kea2") == [["1"]]
    # paging walks the config file (source 0, empty here), then each database
    p = srv.cmd("reservation-get-page", {"limit": 10})
    assert p["result"] == 0 and p["arguments"]["count"] == 1 and p["arguments"]["next"]["source-index"] == 1, p
    p = srv.cmd("reservation-get-page", {"limit": 10, **p["arguments"]["next"]})
    assert p["result"] == 0 and p["arguments"]["count"] == 3 and p["arguments"]["next"]["source-index"] == 2, p
    assert [h["hostname"] for h in p["arguments"]["hosts"]] == ["second", "only-second", ""]
    p = srv.cmd("reservation-get-page", {"limit": 10, **p["arguments"]["next"]})
    assert p == {"result": 3, "text": "0 IPv4 host(s) found.", "arguments": {"count": 0, "hosts": []}}, p


def test_readonly_database_refuses_changes(lan, server, db, backend):
    db.insert_host("kea", "0200000000b9", 1, ip_int("192.0.2.85"), "ro-host", [])
    user = {"user": "kealog", "password": "kealog"} if backend.name == "postgresql" else {}
    if backend.name == "mysql":
        backend.sql("TRUNCATE mysql.general_log", db="mysql")
    srv = server(config(db.cfg(readonly=True, **user)))
    r = srv.cmd("reservation-add", {"reservation": {"subnet-id": 1, "hw-address": "02:00:00:00:00:ba"}})
    assert r["result"] == 1 and "read-only" in r["text"] and "readonly" in r["text"], r
    d = srv.cmd("reservation-del", {"subnet-id": 1, "ip-address": "192.0.2.85"})
    assert d["result"] == 1 and "read-only" in d["text"], d
    assert db.sql("SELECT count(*) FROM hosts") == [["1"]]
    # reads work, DHCP too
    _, ack = dora(lan, mac="02:00:00:00:00:b9", xid=0xb901)
    assert ack["yiaddr"] == "192.0.2.85"
    assert srv.cmd("reservation-get", {"subnet-id": 1, "ip-address": "192.0.2.85"})["result"] == 0
    # the write statements were never prepared
    if backend.name == "postgresql":
        log = open(backend.srv.logfile).read()
        assert re.search(r"parse h4_id", log), log[-3000:]
        assert "h4_ins" not in log and "h4_del" not in log
    else:
        stmts = [r[0] for r in backend.sql("SELECT argument FROM mysql.general_log WHERE "
                                           "command_type = 'Prepare'", db="mysql")]
        assert any("FROM hosts" in s for s in stmts), stmts
        assert not any(s.lstrip().upper().startswith(("INSERT", "DELETE")) for s in stmts), stmts


def test_reservation_commands_shapes(lan, server, db):
    srv = server(config(db.cfg(), reservations=[
        {"hw-address": "02:00:00:00:00:c1", "ip-address": "192.0.2.90", "hostname": "File.Example"}]))
    add = lambda res: srv.cmd("reservation-add", {"reservation": res})
    assert add({"subnet-id": 1, "hw-address": "02:00:00:00:00:c2", "ip-address": "192.0.2.91",
                "hostname": "file.example"}) == {"result": 0, "text": "Host added."}
    assert add({"subnet-id": 0, "client-id": "01:02:03", "hostname": "global"})["result"] == 0
    # errors
    assert add({"hw-address": "02:00:00:00:00:c3"}) == {"result": 1, "text": "Mandatory 'subnet-id' parameter missing."}
    assert add({"subnet-id": 9, "hw-address": "02:00:00:00:00:c3"}) == \
        {"result": 1, "text": "IPv4 subnet with ID of '9' is not configured"}
    assert add({"subnet-id": 1, "hw-address": "02:00:00:00:00:c3", "ip-address": "10.0.0.1"}) == \
        {"result": 1, "text": "specified reservation '10.0.0.1' is not matching the IPv4 subnet prefix '192.0.2.0/24'"}
    dup = add({"subnet-id": 1, "hw-address": "02:00:00:00:00:c2"})
    assert dup["result"] == 1 and "already exists" in dup["text"], dup
    dup = add({"subnet-id": 1, "hw-address": "02:00:00:00:00:c4", "ip-address": "192.0.2.91"})
    assert dup["result"] == 1 and "192.0.2.91 is already reserved" in dup["text"], dup
    assert srv.cmd("reservation-add", {}) == {"result": 1, "text": "reservation must be specified"}
    # reservation-get
    g = srv.cmd("reservation-get", {"subnet-id": 1, "ip-address": "192.0.2.91"})
    assert g["result"] == 0 and g["text"] == "Host found.", g
    assert g["arguments"] == {"hw-address": "02:00:00:00:00:c2", "ip-address": "192.0.2.91",
                              "hostname": "file.example", "next-server": "0.0.0.0", "server-hostname": "",
                              "boot-file-name": "", "client-classes": [], "option-data": [], "subnet-id": 1}
    g0 = srv.cmd("reservation-get", {"subnet-id": 0, "identifier-type": "client-id", "identifier": "01:02:03"})
    assert g0["arguments"]["client-id"] == "010203" and g0["arguments"]["subnet-id"] == 0
    assert srv.cmd("reservation-get", {"subnet-id": 1, "ip-address": "192.0.2.95"}) == \
        {"result": 3, "text": "Host not found."}
    assert srv.cmd("reservation-get", {"subnet-id": 1})["result"] == 1
    assert srv.cmd("reservation-get", {"subnet-id": 1, "identifier-type": "bogus", "identifier": "01"}) == \
        {"result": 1, "text": "Value of 'identifier-type' was not recognized."}
    # collections
    all1 = srv.cmd("reservation-get-all", {"subnet-id": 1})
    assert all1["result"] == 0 and all1["text"] == "2 IPv4 host(s) found.", all1
    assert srv.cmd("reservation-get-all", {"subnet-id": 7}) == \
        {"result": 1, "text": "IPv4 subnet with ID of '7' is not configured"}
    assert srv.cmd("reservation-get-all", {"subnet-id": 0})["text"] == "1 IPv4 host(s) found."
    byname = srv.cmd("reservation-get-by-hostname", {"hostname": "FILE.example"})
    assert byname["text"] == "2 IPv4 host(s) found.", byname
    assert {h["subnet-id"] for h in byname["arguments"]["hosts"]} == {1}
    assert srv.cmd("reservation-get-by-hostname", {"hostname": "global", "subnet-id": 1}) == \
        {"result": 3, "text": "0 IPv4 host(s) found.", "arguments": {"hosts": []}}
    byid = srv.cmd("reservation-get-by-id", {"identifier-type": "hw-address", "identifier": "02:00:00:00:00:c2"})
    assert byid["result"] == 0 and len(byid["arguments"]["hosts"]) == 1
    assert srv.cmd("reservation-get-by-id", {"identifier-type": "hw-address", "identifier": "02:00:00:00:00:c2",
                                             "subnet-id": 1}) == \
        {"result": 1, "text": "'subnet-id' is forbidden in reservation-get-by-id"}
    page = srv.cmd("reservation-get-page", {"subnet-id": 1, "limit": 1})
    assert page["result"] == 0 and page["arguments"]["count"] == 1, page
    assert page["arguments"]["next"] == {"from": 1, "source-index": 0}
    seen = [page["arguments"]["hosts"][0]["hostname"]]
    while True:
        page = srv.cmd("reservation-get-page", {"subnet-id": 1, "limit": 1, **page["arguments"]["next"]})
        if page["result"] == 3:
            assert page["arguments"] == {"count": 0, "hosts": []} and page["text"] == "0 IPv4 host(s) found."
            break
        seen.append(page["arguments"]["hosts"][0]["hostname"])
    assert seen == ["File.Example", "file.example"]
    assert srv.cmd("reservation-get-page", {"limit": 0})["result"] == 1
    # reservation-del
    assert srv.cmd("reservation-del", {"subnet-id": 1, "ip-address": "192.0.2.91"}) == \
        {"result": 0, "text": "Host deleted."}
    assert srv.cmd("reservation-del", {"subnet-id": 1, "ip-address": "192.0.2.91"}) == \
        {"result": 3, "text": "Host not deleted (not found)."}
    assert srv.cmd("reservation-del", {"subnet-id": 0, "identifier-type": "client-id", "identifier": "01:02:03"}) == \
        {"result": 0, "text": "Host deleted."}
    assert db.sql("SELECT count(*) FROM hosts") == [["0"]]
    assert db.sql("SELECT count(*) FROM dhcp4_options WHERE host_id IS NOT NULL") == [["0"]]


def test_worker_threads_use_their_own_connections(lan, server, db):
    """With multi-threading, each worker asks the database on its own connection; a server
    reconfigured while serving keeps answering from the (reopened) database."""
    cfg = config(db.cfg())
    cfg["Dhcp4"]["multi-threading"] = {"enable-multi-threading": True, "thread-pool-size": 3,
                                       "packet-queue-size": 16}
    srv = server(cfg)
    for i in range(12):
        r = srv.cmd("reservation-add", {"reservation": {"subnet-id": 1, "hw-address": f"02:00:00:00:f0:{i:02x}",
                                                        "ip-address": f"192.0.2.{20 + i}", "hostname": f"mt-{i}"}})
        assert r["result"] == 0, r
    for i in range(12):
        if i == 6:
            assert srv.cmd("config-reload")["result"] == 0
        _, ack = dora(lan, mac=f"02:00:00:00:f0:{i:02x}", xid=0xf000 + 16 * i, options=[PRL])
        assert ack["yiaddr"] == f"192.0.2.{20 + i}" and ack["options"]["hostname"] == f"mt-{i}"


def test_reloads_with_workers_keep_the_connection_count(lan, server, db, backend):
    """30 config-reloads with 8 packet workers under light load, each worker asking the hosts
    database: the connections of workers and configurations gone are closed (a worker's when it
    ends), so the hosts database sees at most one per worker and the main thread's, plus those of
    the configuration being replaced, instead of a growing number."""
    threads = 8
    cfg = config(db.cfg())
    cfg["Dhcp4"]["multi-threading"] = {"enable-multi-threading": True, "thread-pool-size": threads,
                                       "packet-queue-size": 64}
    cfg["Dhcp4"]["subnet4"][0]["pools"] = [{"pool": "192.0.2.2 - 192.0.2.250"}]
    srv = server(cfg)
    if backend.name == "postgresql":
        query = "SELECT count(*) FROM pg_stat_activity WHERE datname = 'kea' AND application_name = 'nestor'"
    else:
        query = "SELECT count(*) FROM information_schema.processlist WHERE user = 'kea' AND db = 'kea'"
    counts = []
    with light_load(lan):
        for _ in range(30):
            assert srv.cmd("config-reload")["result"] == 0, srv.log()[-3000:]
            time.sleep(0.2)                    # the workers serve (and connect) on the new configuration
            counts.append(int(db.sql(query)[0][0]))
    assert srv.proc.poll() is None, srv.log()[-3000:]
    assert srv.stat("pkt4-ack-sent") > 30
    assert max(counts) <= 2 * (threads + 1) + 1, counts


def test_without_hosts_database(lan, server):
    srv = server(config(None, reservations=[{"hw-address": "02:00:00:00:00:d1", "ip-address": "192.0.2.92"}]))
    r = srv.cmd("reservation-add", {"reservation": {"subnet-id": 1, "hw-address": "02:00:00:00:00:d2"}})
    assert r == {"result": 1, "text": "Host database not available, cannot add host."}
    d = srv.cmd("reservation-del", {"subnet-id": 1, "ip-address": "192.0.2.92"})
    assert d == {"result": 1, "text": "Unable to delete a host because there is no hosts-database configured."}
    g = srv.cmd("reservation-get", {"subnet-id": 1, "ip-address": "192.0.2.92"})
    assert g["result"] == 0 and g["arguments"]["hw-address"] == "02:00:00:00:00:d1"


def start_fails(lan, cfg):
    s = Server(lan, cfg)
    s.start(wait=False)
    try:
        rc = s.proc.wait(20)
    finally:
        s.stop()
    log = s.log()
    shutil.rmtree(s.dir, ignore_errors=True)
    return rc, log


def test_bad_hosts_database_fails_the_configuration(lan, db, backend):
    rc, log = start_fails(lan, config(db.cfg(name="nosuchdb")))
    assert rc != 0 and "hosts-database" in log and "nosuchdb" in log, log
    # a schema this build does not speak: the lease stores' messages
    old, fix = backend.old_schema_db("oldhosts")
    rc, log = start_fails(lan, config([db.cfg(), db.cfg(name="oldhosts")]))
    assert rc != 0 and "hosts-databases[1]" in log and old in log and fix in log, log
    # no password in the log: only the redacted key of the configuration (DHCP4_CONFIG_RECEIVED)
    assert "password" not in log.lower().replace("using password: yes", "").replace('"password":"*****"', "")


# ---- Kea 2.2 on the same database ---------------------------------------------------------------

@pytest.mark.skipif(not os.path.exists(KEA), reason="kea-dhcp4 is not installed")
def test_kea_serves_a_host_added_by_nestor(lan, server, db, backend):
    if backend.name == "mysql":
        pytest.skip("Kea 2.2 reaches MySQL over TCP only, which the server namespace has no route to")
    srv = server(config(db.cfg()))
    r = srv.cmd("reservation-add", {"reservation": {
        "subnet-id": 1, "hw-address": "02:00:00:00:00:e1", "ip-address": "192.0.2.93", "hostname": "kea-sees-me",
        "option-data": [{"name": "domain-name-servers", "data": "192.0.2.96"}]}})
    assert r["result"] == 0, r
    srv.stop()
    workdir = tempfile.mkdtemp(prefix="nestor-kea-hosts-")
    kea = Server(lan, config(db.cfg()), binary=KEA, workdir=workdir, name="kea")
    kea.config["Dhcp4"]["loggers"][0]["severity"] = "INFO"
    kea.start()
    try:
        _, ack = dora(lan, mac="02:00:00:00:00:e1", xid=0xe101, options=[PRL])
    finally:
        kea.stop()
        log = kea.log()
        shutil.rmtree(workdir, ignore_errors=True)
    assert ack["yiaddr"] == "192.0.2.93", log
    assert ack["options"]["hostname"] == "kea-sees-me"
    assert ack["options"]["name_server"] == "192.0.2.96"


def test_database_reservation_classes_drive_known_pools_and_class_options(lan, server, db):
    """A reservation's dhcp4_client_classes (Kea's column) puts the client in those classes and in
    KNOWN: the class's options reach it, and a pool for KNOWN clients serves it."""
    db.insert_host("kea", "0200000000c1", 1, "NULL", "classy", [])   # classes 'lab,printers'
    cfg = config(db.cfg(), **{"client-classes": [
        {"name": "lab", "option-data": [{"name": "cookie-servers", "data": "192.0.2.65"}]},
        {"name": "printers", "option-data": [{"name": "cookie-servers", "data": "192.0.2.66"},
                                              {"name": "log-servers", "data": "192.0.2.67"}]}]})
    cfg["Dhcp4"]["subnet4"][0]["pools"] = [{"pool": "192.0.2.100 - 192.0.2.109", "client-class": "KNOWN"},
                                           {"pool": "192.0.2.150 - 192.0.2.159", "client-class": "UNKNOWN"}]
    server(cfg)
    prl = ["param_req_list", [1, 3, 6, 7, 8, 15]]
    _, ack = dora(lan, mac="02:00:00:00:00:c1", xid=0xc101, options=[prl])
    assert 100 <= int(ack["yiaddr"].split(".")[3]) <= 109, ack
    assert ack["options"]["cookie_server"] == "192.0.2.65"    # the first class wins
    assert ack["options"]["log_server"] == "192.0.2.67"
    _, other = dora(lan, mac="02:00:00:00:00:c2", xid=0xc201, options=[prl])
    assert 150 <= int(other["yiaddr"].split(".")[3]) <= 159, other
    assert "cookie_server" not in other["options"]
