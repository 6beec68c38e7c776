"""Multi-threaded packet processing and the durable lease store under perfdhcp load."""
import json
import subprocess
import threading
import time

import pytest

from conftest import basic_config
from test_clients import perfdhcp


def load_config(**ldb):
    cfg = basic_config()
    cfg["Dhcp4"]["subnet4"][0]["pools"] = [{"pool": "192.0.2.2 - 192.0.2.249"}]
    cfg["Dhcp4"]["loggers"] = [{"name": "kea-dhcp4", "severity": "INFO", "output_options": [{"output": "stdout"}]}]
    return cfg


def with_client_address(lan):
    subprocess.run(lan.in_cli("ip", "addr", "add", "192.0.2.251/24", "dev", lan.cli_if), check=True)


def without_client_address(lan):
    subprocess.run(lan.in_cli("ip", "addr", "del", "192.0.2.251/24", "dev", lan.cli_if), check=False)


def check_unique(srv, expect):
    """Every lease a distinct address and client; as many as ACKs counted (perfdhcp may count a
    client's ACK twice when its randomised MAC repeats, or miss a late one: within 2 %)."""
    leases = srv.cmd("lease4-get-all")["arguments"]["leases"]
    assert abs(len(leases) - expect) <= max(2, expect // 50), (len(leases), expect)
    assert len({l["ip-address"] for l in leases}) == len(leases)
    assert len({l["hw-address"] for l in leases}) == len(leases)
    # the file agrees with memory after a restart
    return leases


@pytest.mark.parametrize("threads", [2, 4])
def test_multi_threaded_load_gives_unique_leases(lan, server, threads):
    cfg = load_config()
    cfg["Dhcp4"]["multi-threading"] = {"enable-multi-threading": True, "thread-pool-size": threads,
                                       "packet-queue-size": 256}
    srv = server(cfg)
    st = srv.cmd("status-get")["arguments"]
    assert st["multi-threading-enabled"] is True and st["thread-pool-size"] == threads
    with_client_address(lan)
    try:
        r, stats = perfdhcp(lan, "-l", lan.cli_if, "-B", "-r", "400", "-n", "240", "-R", "240", "-W", "1000000")
    finally:
        without_client_address(lan)
    sent, recv = stats["REQUEST-ACK"]
    assert recv >= 230, (stats, srv.log())
    leases = check_unique(srv, recv)
    srv.stop()
    srv.start()
    assert len(srv.cmd("lease4-get-all")["arguments"]["leases"]) == len(leases)


def test_reconfigure_under_load_keeps_serving(lan, server):
    """config-set while workers serve: the new configuration is published under them, so no
    packet waiting in the queue is lost and every exchange completes."""
    cfg = load_config()
    cfg["Dhcp4"]["multi-threading"] = {"enable-multi-threading": True, "thread-pool-size": 4,
                                       "packet-queue-size": 256}
    srv = server(cfg)
    stop = threading.Event()
    answers = []

    def reconfigure():
        n = 0
        while not stop.is_set():
            c = json.loads(json.dumps(srv.config))
            c["Dhcp4"]["valid-lifetime"] = 600 + n
            answers.append(srv.cmd("config-set", c)["result"])
            n += 1
            time.sleep(0.02)

    t = threading.Thread(target=reconfigure)
    with_client_address(lan)
    t.start()
    try:
        r, stats = perfdhcp(lan, "-l", lan.cli_if, "-B", "-r", "600", "-n", "240", "-R", "240", "-W", "1000000")
    finally:
        stop.set()
        t.join()
        without_client_address(lan)
    assert len(answers) >= 5 and set(answers) == {0}
    sent, recv = stats["REQUEST-ACK"]
    assert srv.stat("pkt4-receive-drop") == 0, srv.log()
    assert recv >= 230, (stats, srv.log())
    check_unique(srv, recv)


def test_durable_mode_acks_only_stored_leases(lan, server):
    srv = server(load_config(), start=False)  # the harness fills in lease-database
    srv.config["Dhcp4"]["lease-database"]["durable"] = True
    srv.start()
    with_client_address(lan)
    try:
        r, stats = perfdhcp(lan, "-l", lan.cli_if, "-B", "-r", "300", "-n", "200", "-R", "200", "-W", "1000000")
    finally:
        without_client_address(lan)
    sent, recv = stats["REQUEST-ACK"]
    assert recv >= 190, (stats, srv.log())
    # every acknowledged lease is in the file; kill -9 loses nothing acknowledged
    srv.proc.kill()
    srv.proc.wait()
    rows = [l for l in open(srv.lease_file).read().splitlines()[1:] if l]
    assert len({r.split(",")[0] for r in rows}) == recv


def test_burst_waits_in_the_socket_instead_of_overflowing_the_queue(lan, server):
    """48 DISCOVERs found queued at once (the server was stopped while they came, as after a long
    reload) with a packet queue of 4: the main thread reads no more than the queue has room for
    and leaves the rest in the socket's buffer, so every client gets its OFFER and nothing is
    dropped (reading them all at once would drop 40)."""
    cfg = load_config()
    cfg["Dhcp4"]["multi-threading"] = {"enable-multi-threading": True, "thread-pool-size": 1,
                                       "packet-queue-size": 4}
    srv = server(cfg)
    clients = [{"chaddr": f"02:00:00:00:07:{i:02x}", "xid": 0x7000 + i, "options": []} for i in range(48)]
    replies = lan.pkt.burst("discover", clients, timeout=5, stop_pid=srv.proc.pid)
    got = {r["xid"] for r in replies}
    assert len(got) == 48, (len(got), srv.stat("pkt4-receive-drop"), srv.log()[-2000:])
    assert srv.stat("pkt4-receive-drop") == 0
