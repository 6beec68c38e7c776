"""Shared check for the SQL lease stores' combined lookups: a burst of DISCOVERs from clients with
and without leases, sent while the server is stopped (SIGSTOP) so that it finds them all queued
when it continues and looks them up in one query (ALLOC_ENGINE_V4_LOOKAHEAD), still gets every
client its own answer."""


from conftest import basic_config


def check_burst_of_discovers(lan, server, lease_db, workers=0, clients=12):
    cfg = {"lease-database": lease_db}
    if workers:
        cfg["multi-threading"] = {"enable-multi-threading": True, "thread-pool-size": workers,
                                  "packet-queue-size": 64}
    srv = server(basic_config(**cfg))
    known, fresh = [], []
    for i in range(clients):
        mac = f"02:00:00:00:05:{i:02x}"
        ip = f"192.0.2.{180 + i}"
        args = {"ip-address": ip, "hw-address": mac, "valid-lft": 3600}
        opts = []
        if i % 2:
            cid = f"01:02:00:00:00:05:{i:02x}"      # half the clients are known by client-id
            args["client-id"] = cid
            opts = [["client_id", "hex:" + cid.replace(":", "")]]
        assert srv.cmd("lease4-add", args)["result"] == 0
        known.append({"chaddr": mac, "xid": 0x5000 + i, "options": opts, "ip": ip})
        fresh.append({"chaddr": f"02:00:00:00:06:{i:02x}", "xid": 0x6000 + i, "options": []})
    srv.cmd("lease4-get-all")                          # the adds are committed
    everyone = [c for pair in zip(known, fresh) for c in pair]
    replies = lan.pkt.burst("discover", [{k: c[k] for k in ("chaddr", "xid", "options")} for c in everyone],
                            timeout=5, stop_pid=srv.proc.pid)
    got = {r["xid"]: r for r in replies}
    assert len(got) == len(everyone), (sorted(got), srv.log()[-3000:])
    assert "DISCOVERs looked up together" in open(srv.log_path).read(), srv.log()[-3000:]
    for c in known:
        assert got[c["xid"]]["yiaddr"] == c["ip"], (c, got[c["xid"]])
    offered = [got[c["xid"]]["yiaddr"] for c in fresh]
    assert len(set(offered)) == len(offered), offered
    assert not set(offered) & {c["ip"] for c in known}, offered


def check_sustained_load(lan, server, lease_db, count_rows):
    """2,000 DORAs/s for 3 s through a relay, single-threaded: above the rate at which receives are
    coalesced, so DISCOVERs are held back across a wake-up's rounds and looked up together. Nearly
    every request is answered, and every ACK is a distinct lease row. count_rows() gives
    (rows, distinct addresses) of lease4."""
    from test_clients import perfdhcp
    lan.add_relay()
    cfg = basic_config(**{"lease-database": lease_db})
    cfg["Dhcp4"]["subnet4"].append({"id": 2, "subnet": "10.10.0.0/16",
                                    "pools": [{"pool": "10.10.1.0 - 10.10.255.250"}]})
    srv = server(cfg)
    r, st = perfdhcp(lan, "-l", "10.10.10.1", "-r", "2000", "-p", "3", "-R", "100000", "-W", "1000000",
                     "192.0.2.1")
    assert "REQUEST-ACK" in st, r.stdout + r.stderr
    d_sent, d_recv = st["DISCOVER-OFFER"]
    sent, recv = st["REQUEST-ACK"]
    assert d_sent >= 5000, st
    assert d_recv >= 0.98 * d_sent and recv >= 0.98 * sent, (st, srv.log()[-2000:])
    srv.cmd("lease4-get", {"ip-address": "10.10.1.0"})          # waits for the queued writes
    rows, distinct = count_rows()
    assert rows == distinct == srv.stat("pkt4-ack-sent") >= recv, (rows, distinct, srv.stat("pkt4-ack-sent"))
    assert "DISCOVERs looked up together" in open(srv.log_path).read()
