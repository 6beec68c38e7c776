"""Shared check for the SQL lease stores' combined lookups: a burst of DISCOVERs from clients with
and without leases, sent while the server is stopped (SIGSTOP) so that it finds them all queued
when it continues and looks them up in one query (ALLOC_ENGINE_V4_LOOKAHEAD), still gets every
client its own answer."""
import os
import signal
import threading


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
    os.kill(srv.proc.pid, signal.SIGSTOP)
    # the burst goes out 0.2 s into the call; the server continues after it
    resume = threading.Timer(0.8, os.kill, (srv.proc.pid, signal.SIGCONT))
    resume.start()
    try:
        replies = lan.pkt.burst("discover", [{k: c[k] for k in ("chaddr", "xid", "options")} for c in everyone],
                                timeout=5)
    finally:
        resume.join()
        os.kill(srv.proc.pid, signal.SIGCONT)
    got = {r["xid"]: r for r in replies}
    assert len(got) == len(everyone), (sorted(got), srv.log()[-3000:])
    assert "DISCOVERs looked up together" in open(srv.log_path).read(), srv.log()[-3000:]
    for c in known:
        assert got[c["xid"]]["yiaddr"] == c["ip"], (c, got[c["xid"]])
    offered = [got[c["xid"]]["yiaddr"] for c in fresh]
    assert len(set(offered)) == len(offered), offered
    assert not set(offered) & {c["ip"] for c in known}, offered
