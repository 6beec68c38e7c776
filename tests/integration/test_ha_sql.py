"""High availability over each lease store (issue 11, part 9): a hot-standby pair and a
load-balancing pair whose servers each keep their leases in their own PostgreSQL database, their own
MariaDB database, or a durable memfile. Lease updates land in the partner's database (read back with
SQL, not only through the partner's commands); the standby killed and restarted synchronizes from
the primary's database into its own; afterwards no address is held by two clients and every
acknowledged lease is in both stores."""
import json
import os
import subprocess
import time

import pytest
from workers import PORT_OFFSET

import mysqlserver
import pgsqlserver
from conftest import BUILD, sh
from test_ha_service import ha_log, wait_states
from test_ha_updates import (LB_POOLS, PERF, check_invariant, kill_partner, leases, mac, serve,  # noqa: F401
                             servers, tlan)

ADMIN = os.path.join(BUILD, "src", "admin", "nestor-admin")
PG_PORT, MY_PORT = 5549 + PORT_OFFSET, 3449 + PORT_OFFSET


@pytest.fixture(scope="module")
def pg():
    yield from pgsqlserver.serve(PG_PORT)


@pytest.fixture(scope="module")
def my():
    yield from mysqlserver.serve(MY_PORT)


class Store:
    """One backend: fresh databases per test, the lease-database entry of server i, its rows."""

    def __init__(self, kind, request, tmp_path):
        self.kind, self.n = kind, 0
        self.tag = f"ha{os.getpid() % 10000}_{abs(hash(request.node.name)) % 100000}"
        if kind == "postgresql":
            self.db = request.getfixturevalue("pg")
        elif kind == "mysql":
            self.db = request.getfixturevalue("my")
        self.tmp = tmp_path

    def name(self, i):
        return f"{self.tag}_{i}"

    def make(self, i):
        """Creates server i's database (schema by nestor-admin db-init): its lease-database entry."""
        if self.kind == "memfile":
            return {"type": "memfile", "name": str(self.tmp / f"leases-{i}.csv"), "lfc-interval": 0, "durable": True}
        if self.kind == "postgresql":
            self.db.create_db(self.name(i))
            backend, port, host = "pgsql", PG_PORT, self.db.sockdir
        else:
            self.db.create_database(self.name(i))
            backend, port, host = "mysql", MY_PORT, self.db.sock
        r = subprocess.run([ADMIN, "db-init", backend, "-h", "127.0.0.1", "-P", str(port), "-u", "kea", "-p", "kea",
                            "-n", self.name(i)], capture_output=True, text=True, stdin=subprocess.DEVNULL)
        assert r.returncode == 0, r.stdout + r.stderr
        return {"type": self.kind, "name": self.name(i), "host": host, "port": port, "user": "kea", "password": "kea"}

    def rows(self, i):
        """{address: hardware address} of the rows in server i's lease4 table (memfile: None)."""
        if self.kind == "memfile":
            return None
        if self.kind == "postgresql":
            got = self.db.sql("SELECT address, encode(hwaddr, 'hex') FROM lease4 WHERE state = 0", db=self.name(i))
        else:
            got = self.db.sql("SELECT address, hex(hwaddr) FROM lease4 WHERE state = 0", db=self.name(i))
        out = {}
        for a, hw in got:
            a = int(a)
            ip = ".".join(str((a >> s) & 0xff) for s in (24, 16, 8, 0))
            out[ip] = ":".join(hw[k:k + 2] for k in range(0, len(hw), 2)).lower()
        return out


@pytest.fixture(params=["postgresql", "mysql", "memfile"])
def store(request, tmp_path):
    return Store(request.param, request, tmp_path)


def on_stores(store, acked):
    """Every acknowledged lease is a row of both servers' lease tables (SQL read, not a command)."""
    for i in range(2):
        rows = store.rows(i)
        if rows is None:
            continue
        for ip, m in acked.items():
            assert rows.get(ip) == m, (store.kind, i, ip, m, rows.get(ip))


def test_hot_standby_over_the_store(tlan, servers, store):
    """Updates reach the standby's store; the standby killed, the primary serves alone; the standby
    restarted syncs the primary's leases into its own store before both return to hot-standby."""
    dbs = [store.make(0), store.make(1)]

    def tweak(i, cfg):
        cfg["Dhcp4"]["lease-database"] = dbs[i]
    s1, s2 = servers("hot-standby", ["primary", "standby"], tweak=tweak)
    wait_states([s1, s2], ["hot-standby", "hot-standby"])
    acked = {}
    serve(tlan, s1, 0x700, range(4), acked)
    on_stores(store, acked)
    kill_partner(s1, s2)
    serve(tlan, s1, 0x700, range(4, 8), acked)
    s2.start()
    wait_states([s1, s2], ["hot-standby", "hot-standby"], timeout=20)
    assert "HA_SYNC_SUCCESSFUL lease database synchronization with server1 completed successfully" in \
        open(s2.log_path, errors="replace").read(), ha_log(s2)
    on_stores(store, acked)
    check_invariant([s1, s2], acked)
    assert leases(s1) == leases(s2)
    # the store's pages filtered by change time (incremental synchronization's lease4-get-page):
    # an hour-old lease is left out, pages of 3 go on past it in address order
    now = int(time.time())
    assert s1.cmd("lease4-add", {"ip-address": "192.0.2.50", "hw-address": mac(0x7ff), "valid-lft": 7200,
                                 "expire": now + 3600})["result"] == 0
    got, frm = [], "start"
    while True:
        a = s1.cmd("lease4-get-page", {"from": frm, "limit": 3, "changed-since": now - 300})["arguments"]
        got += [l["ip-address"] for l in a["leases"]]
        if a["count"] < 3:
            break
        frm = a["leases"][-1]["ip-address"]
    assert got == sorted(acked, key=lambda ip: int(ip.rsplit(".", 1)[1])), (got, sorted(acked))


def test_load_balancing_under_load_over_the_store(tlan, servers, store):
    """nestor-perf's 60 DORAs split between a load-balancing pair: each lease, whoever gave it, is
    in both stores."""
    dbs = [store.make(0), store.make(1)]

    def tweak(i, cfg):
        cfg["Dhcp4"]["lease-database"] = dbs[i]
    s1, s2 = servers("load-balancing", ["primary", "secondary"], tweak=tweak, pools=LB_POOLS)
    wait_states([s1, s2], ["load-balancing", "load-balancing"])
    r = sh(*tlan.in_cli(PERF, "-l", tlan.cli_if, "-B", "-r", "200", "-n", "60", "-R", "60", "-b",
                        "mac=02:00:00:07:80:00", "--json"), check=False)
    res = json.loads(r.stdout)
    l1, l2 = leases(s1), leases(s2)
    assert len(l1) >= 57, (res, ha_log(s1), ha_log(s2))
    assert l1 == l2
    acked = {ip: l["hw-address"] for ip, l in l1.items()}
    assert {int(ip.rsplit(".", 1)[1]) < 150 for ip in acked} == {True, False}  # both servers gave leases
    on_stores(store, acked)
    check_invariant([s1, s2], acked)
