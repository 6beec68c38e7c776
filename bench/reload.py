#!/usr/bin/env python3
"""Reload under load: packets lost and command latency while config-set runs every INTERVAL s.

    python3 bench/reload.py [--rate 5000] [--period 10] [--interval 0.5] [--mt] [--server nestor|kea|both]

perfdhcp offers RATE DORA/s from the harness's client namespace (../shared/bench: netns.sh) to a
server in the server namespace; meanwhile a config-set (the running configuration with another
valid-lifetime) is sent every INTERVAL seconds over the control socket. Prints, per server:
exchanges completed and lost (perfdhcp), the server's own receive drops (Nestor's
pkt4-receive-drop) and config-set latency (median and maximum). Same config, same load, one run,
so Nestor and Kea 2.2 compare side by side. Run as root on an otherwise idle machine.
"""
import argparse
import json
import os
import re
import socket
import statistics
import subprocess
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
H = os.environ.get("HARNESS", os.path.join(HERE, "..", "..", "shared", "bench"))
W = os.environ.get("BENCH_WORK", "/tmp/nestor-bench")
NESTOR = os.environ.get("NESTOR", os.path.join(HERE, "..", "build", "src", "dhcp4", "nestor-dhcp4"))


def command(sock_path, cmd, args=None, timeout=30):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(sock_path)
    req = {"command": cmd}
    if args is not None:
        req["arguments"] = args
    s.sendall(json.dumps(req).encode())
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
        try:
            ans = json.loads(data)
            break
        except ValueError:
            continue
    s.close()
    return ans[0] if isinstance(ans, list) else ans


def run(label, argv, conf, a):
    sock = conf["Dhcp4"]["control-socket"]["socket-name"]
    for f in os.listdir(f"{W}/run"):
        if f.startswith("kea-leases4"):
            os.unlink(f"{W}/run/{f}")
    path = f"{W}/reload-{label}.json"
    json.dump(conf, open(path, "w"), indent=1)
    srv = subprocess.Popen(["ip", "netns", "exec", "pfsrv", *argv, "-c", path],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        if os.path.exists(sock):
            try:
                command(sock, "version-get")
                break
            except OSError:
                pass
        time.sleep(0.1)
    stop = threading.Event()
    lat = []

    def reloader():
        n = 0
        time.sleep(1)
        while not stop.is_set():
            c = json.loads(json.dumps(conf))
            c["Dhcp4"]["valid-lifetime"] = 86400 + n
            t = time.monotonic()
            r = command(sock, "config-set", c)
            lat.append((time.monotonic() - t) * 1000)
            if r.get("result") != 0:
                print(f"{label}: config-set failed: {r}")
            n += 1
            stop.wait(a.interval)

    t = threading.Thread(target=reloader)
    t.start()
    pf = subprocess.run(["ip", "netns", "exec", "pfcli", "perfdhcp", "-4", "-l", "pfvc", "-r", str(a.rate),
                         "-p", str(a.period), "-R", "5000000", "-W", "2000000", "10.0.0.1"],
                        capture_output=True, text=True)
    stop.set()
    t.join()
    drops = None
    if label.startswith("nestor"):
        st = command(sock, "statistic-get", {"name": "pkt4-receive-drop"})
        try:
            drops = st["arguments"]["pkt4-receive-drop"][0][0]
        except (KeyError, IndexError, TypeError):
            pass
    srv.terminate()
    srv.wait(10)
    blocks = re.split(r"\*\*\*Statistics for: ", pf.stdout)[1:]
    res = {}
    for b in blocks:
        name = b.split("*")[0].strip()
        g = lambda k: int(re.search(rf"{k}: (\d+)", b).group(1)) if re.search(rf"{k}: (\d+)", b) else 0
        res[name] = (g("sent packets"), g("received packets"))
    ds, dr = res.get("DISCOVER-OFFER", (0, 0))
    rs, rr = res.get("REQUEST-ACK", (0, 0))
    lost = (ds - dr) + (rs - rr)
    print(f"RESULT {label}: offered {a.rate}/s for {a.period} s, {len(lat)} config-set; "
          f"DISCOVER {ds} sent {dr} answered, REQUEST {rs} sent {rr} answered, lost {lost} "
          f"({100.0 * lost / max(ds + rs, 1):.3f}%); server receive drops {drops}; "
          f"config-set ms median {statistics.median(lat) if lat else 0:.1f} max {max(lat) if lat else 0:.1f}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rate", type=int, default=5000)
    ap.add_argument("--period", type=int, default=10)
    ap.add_argument("--interval", type=float, default=0.5)
    ap.add_argument("--mt", action="store_true", help="multi-threading on (2 threads, queue 64)")
    ap.add_argument("--server", default="both", choices=["nestor", "kea", "both"])
    a = ap.parse_args()
    subprocess.run([f"{H}/netns.sh", "up"], check=True)
    os.makedirs(f"{W}/run", exist_ok=True)
    os.makedirs(f"{W}/logs", exist_ok=True)
    conf_path = f"{W}/reload-base.json"
    subprocess.run(["python3", f"{H}/genconf.py", "v4", "memfile", "mt" if a.mt else "st", conf_path], check=True)
    conf = json.load(open(conf_path))
    conf["Dhcp4"]["control-socket"] = {"socket-type": "unix", "socket-name": f"{W}/run/reload.sock"}
    if a.server in ("nestor", "both"):
        run("nestor" + ("-mt" if a.mt else ""), [NESTOR], conf, a)
    if a.server in ("kea", "both"):
        run("kea" + ("-mt" if a.mt else ""), ["kea-dhcp4"], conf, a)


if __name__ == "__main__":
    main()
