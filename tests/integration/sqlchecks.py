"""Checks shared by the PostgreSQL and MySQL lease-store tests (test_pgsql_leases.py,
test_mysql_leases.py): each takes the database-specific parts as arguments."""
import contextlib
import subprocess
import threading
import time

from conftest import basic_config, wait_for
from test_protocol import dora


@contextlib.contextmanager
def light_load(lan, rate=100, clients=200):
    """perfdhcp doing DORAs at rate per second from clients distinct clients until the block ends."""
    subprocess.run(lan.in_cli("ip", "addr", "add", "192.0.2.251/24", "dev", lan.cli_if), check=False)
    p = subprocess.Popen(lan.in_cli("perfdhcp", "-4", "-l", lan.cli_if, "-B", "-r", str(rate), "-R", str(clients),
                                    "-W", "1000000"), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield p
    finally:
        p.terminate()
        try:
            p.wait(10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
        subprocess.run(lan.in_cli("ip", "addr", "del", "192.0.2.251/24", "dev", lan.cli_if), check=False)


def check_reloads_keep_connections(lan, server, lease_db, count_connections, reloads=30, threads=8):
    """30 config-reloads with 8 packet workers under light load: the workers restart on each reload,
    and the connections of the exited ones are closed, so the store's connections to the database
    (count_connections()) stay bounded by one per worker plus the main thread's and the commit
    thread's, instead of growing by a worker pool per reload until the database refuses more."""
    cfg = basic_config(**{"lease-database": lease_db,
                          "multi-threading": {"enable-multi-threading": True, "thread-pool-size": threads,
                                              "packet-queue-size": 64}})
    cfg["Dhcp4"]["subnet4"][0]["pools"] = [{"pool": "192.0.2.2 - 192.0.2.250"}]
    srv = server(cfg)
    counts = []
    with light_load(lan):
        for _ in range(reloads):
            assert srv.proc.poll() is None, (counts, srv.log()[-3000:])
            r = srv.cmd("config-reload")
            assert r["result"] == 0, (r, srv.log()[-3000:])
            time.sleep(0.2)                    # the new workers serve (and connect)
            counts.append(count_connections())
    assert srv.proc.poll() is None, srv.log()[-3000:]
    acks = srv.stat("pkt4-ack-sent")
    assert acks and acks > reloads, acks       # the load was served across the reloads
    bound = threads + 2 + 2                    # workers, main thread, commit thread; a reconnect's check
    assert max(counts) <= bound, counts


def check_rows_with_nulls(lan, server, lease_db, insert, assigned):
    """Kea's schemas let valid_lifetime, expire, subnet_id and state be NULL (and lease4_stat's
    leases). A lease row without a lifetime, expiry or subnet is not a lease: lookups, lists and
    the DHCP path skip it, with a warning naming its address (Kea fails the whole query on it); a
    NULL state is the default state, as the column's default; a NULL count counts nothing.
    Nothing is read past a value (run with NESTOR_BUILD at an ASan build).
    insert(base) adds, directly in the database, rows with NULLs at base + 111... (base:
    192.0.2.0 as an integer) whose addresses it returns, a lease at base + 114 with a NULL
    state and NULL hardware address and hostname, and a NULL declined count of subnet 1; its
    triggers count assigned leases in subnet 1."""
    srv = server(basic_config(**{"lease-database": lease_db}))
    assert srv.cmd("lease4-add", {"ip-address": "192.0.2.110", "hw-address": "02:00:00:00:0e:10",
                                  "valid-lft": 3600})["result"] == 0
    srv.cmd("lease4-get-all")                       # committed
    bad = insert(0xC0000200)
    for ip in bad:
        r = srv.cmd("lease4-get", {"ip-address": ip})
        assert r["result"] == 3, r
        assert f"{ip} skipped" in open(srv.log_path).read(), srv.log()
    r = srv.cmd("lease4-get", {"ip-address": "192.0.2.114"})
    assert r["result"] == 0 and r["arguments"]["state"] == 0 and r["arguments"]["valid-lft"] == 3600, r
    got = srv.cmd("lease4-get-all")
    assert got["result"] == 0, got
    assert sorted(l["ip-address"] for l in got["arguments"]["leases"]) == ["192.0.2.110", "192.0.2.114"], got
    assert [l["ip-address"] for l in srv.cmd("lease4-get-page", {"from": "start", "limit": 10})
            ["arguments"]["leases"]] == ["192.0.2.110", "192.0.2.114"]
    assert srv.cmd("lease4-get-by-hw-address", {"hw-address": "02:00:00:00:e1:11"})["result"] == 3
    # statistics are counted again from lease4_stat on reload
    assert srv.cmd("config-reload")["result"] == 0
    assert srv.stat("subnet[1].assigned-addresses") == assigned
    assert srv.stat("subnet[1].declined-addresses") == 0
    assert srv.cmd("leases-reclaim", {"remove": False})["result"] == 0
    # the DHCP path: a client whose only lease is such a row gets a lease of its own
    _, ack = dora(lan, mac="02:00:00:00:e1:13")
    assert ack["msgtype"] == 5 and ack["yiaddr"] not in ["192.0.2.110", "192.0.2.114"] + bad, ack
    assert srv.proc.poll() is None
    srv.stop()                                      # a sanitizer report fails the test here


class HeldTransaction:
    """A client session of another server holding an open transaction (its row locks): argv runs
    the database's command-line client reading SQL from its input, begin is the statement that
    starts a transaction, text what it does (and holds) before it is committed or rolled back."""

    def __init__(self, argv, begin, text, env=None):
        self.p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True, env=env)
        self.p.stdin.write(begin + "\n" + text + "\nSELECT 'held';\n")
        self.p.stdin.flush()
        assert self.p.stdout.readline().strip() in ("held", "'held'")   # the column header or value
        self.lock = threading.Lock()

    def end(self, sql):
        with self.lock:
            if self.p.returncode is not None:
                return
            out, err = self.p.communicate(sql + "\n", timeout=20)
            assert self.p.returncode == 0, err

    def commit(self):
        self.end("COMMIT;")

    def rollback(self):
        self.end("ROLLBACK;")


def check_main_loop_not_blocked_by_commits(lan, server, lease_db, hold, commit_waits, reclaimed_rows):
    """While lease commits are blocked (another server's open transaction holds the row of an
    address Nestor adds: hold(ip) returns it, commit_waits() says when Nestor's commit waits for
    it), reclamation (leases-reclaim and its timer), the flush of reclaimed leases and the
    statistics recount of a reload do not wait for the queued writes to be committed: the main
    loop keeps answering commands and packets (an INFORM: DISCOVERs are held back on purpose while
    commits are behind). They still see the queued writes: expired leases added after the block
    are reclaimed, and the recount includes the queued ones; the flush deletes reclaimed leases
    held long enough, except one with a queued write (which would then fail). reclaimed_rows()
    counts lease rows in the reclaimed state."""
    srv = server(basic_config(**{"lease-database": lease_db, "expired-leases-processing": {
        "reclaim-timer-wait-time": 1, "flush-reclaimed-timer-wait-time": 1, "hold-reclaimed-time": 3600}}))
    assert srv.cmd("lease4-add", {"ip-address": "192.0.2.150", "hw-address": "02:00:00:00:0f:50",
                                  "valid-lft": 3600})["result"] == 0
    held_long = int(time.time()) - 10000            # reclaimed, expired 9,900 s ago: the flush deletes them
    for ip in ("192.0.2.131", "192.0.2.132"):
        assert srv.cmd("lease4-add", {"ip-address": ip, "hw-address": "02:00:00:00:0f:3" + ip[-1], "state": 2,
                                      "valid-lft": 100, "cltt": held_long})["result"] == 0
    srv.cmd("lease4-get-all")                       # committed
    other = hold("192.0.2.180")
    release = threading.Timer(8, other.rollback)   # before the fix, the main loop waits until then
    release.start()
    queued = []                                     # lease commands answer once committed
    try:
        queued.append(srv.cmd_later("lease4-add", {"ip-address": "192.0.2.180", "hw-address": "02:00:00:00:0f:80"}))
        assert wait_for(commit_waits), srv.log()[-2000:]
        # a client takes .132 again: queued behind the blocked write
        queued.append(srv.cmd_later("lease4-update", {"ip-address": "192.0.2.132", "hw-address": "02:00:00:00:0f:32",
                                                      "valid-lft": 3600, "hostname": "kept"}))
        old = int(time.time()) - 1000
        for i in range(3):                          # queued behind the blocked write
            queued.append(srv.cmd_later("lease4-add", {"ip-address": f"192.0.2.{120 + i}",
                                                       "hw-address": f"02:00:00:00:0f:0{i}",
                                                       "valid-lft": 100, "cltt": old}))
        # lease commands run beside the blocked commit: their writes are queued, not answered yet
        assert wait_for(lambda: srv.cmd("lease4-get", {"ip-address": "192.0.2.122"})["result"] == 0, timeout=3)
        assert not any(q.done() for q in queued)

        def prompt(command, args=None):
            t = time.monotonic()
            r = srv.cmd(command, args)
            took = time.monotonic() - t
            assert took < 1.5, (command, took)
            return r
        assert prompt("leases-reclaim", {"remove": False})["result"] == 0
        assert srv.stat("reclaimed-leases") == 3
        with lan.client_address("192.0.2.77"):    # the reclaim and flush timers run meanwhile
            r = lan.pkt.dhcp("inform", chaddr="02:00:00:00:0f:77", xid=0x7701, ciaddr="192.0.2.77", timeout=2.5)
        assert r and r[0]["msgtype"] == 5, r
        # the flush timer deleted .131 meanwhile
        assert wait_for(lambda: srv.cmd("lease4-get", {"ip-address": "192.0.2.131"})["result"] == 3, timeout=3)
        assert prompt("status-get")["result"] == 0
        assert prompt("config-reload")["result"] == 0
        # committed .150, queued .180 and .132; the three expired ones were added and reclaimed
        assert srv.stat("subnet[1].assigned-addresses") == 3
        assert commit_waits()                       # all of it while the commit was blocked
    finally:
        release.cancel()
        other.rollback()
    assert [q.result()["result"] for q in queued] == [0] * 5
    assert wait_for(lambda: reclaimed_rows() == 3), srv.log()[-2000:]
    got = srv.cmd("lease4-get", {"ip-address": "192.0.2.180"})
    assert got["result"] == 0, got
    got = srv.cmd("lease4-get", {"ip-address": "192.0.2.132"})
    assert got["result"] == 0 and got["arguments"]["hostname"] == "kept", got
    assert "QUERY_FAILED" not in open(srv.log_path).read()
    assert srv.proc.poll() is None
