"""Checks shared by the PostgreSQL and MySQL lease-store tests (test_pgsql_leases.py,
test_mysql_leases.py): each takes the database-specific parts as arguments."""
import contextlib
import subprocess
import time

from conftest import basic_config


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
