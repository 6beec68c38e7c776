#!/usr/bin/env python3
"""DISCOVER cost with a full first pool: server CPU per DISCOVER (perfdhcp -i, DISCOVER/OFFER only)
when the subnet's first pool (SIZE addresses) is fully leased to other clients and the second one
is free. A server that asks its lease store about every address of the full pool again for each
DISCOVER gets slower as SIZE grows; one that remembers the pool is full does not.

    python3 bench/fullpool.py [--sizes 256,65536] [--rate 2000] [--period 8] [NESTOR binaries...]

Each binary (default: this tree's build) and Kea 2.2 run the same config and lease file in one run.
Run as root on an otherwise idle machine (uses ../shared/bench's namespaces).
"""
import argparse
import ipaddress
import json
import os
import re
import subprocess
import time

HERE = os.path.dirname(os.path.abspath(__file__))
H = os.environ.get("HARNESS", os.path.join(HERE, "..", "..", "shared", "bench"))
W = os.environ.get("BENCH_WORK", "/tmp/nestor-bench")


def write_leases(path, size, expire):
    first = ipaddress.IPv4Address("10.1.0.1")
    with open(path, "w") as f:
        f.write("address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,fqdn_rev,hostname,state,user_context\n")
        for i in range(size):
            a = first + i
            mac = "0a:" + ":".join(f"{(i >> s) & 255:02x}" for s in (32, 24, 16, 8, 0))
            f.write(f"{a},{mac},,86400,{expire},1,0,0,,0,\n")


def cpu_ticks(pid):
    f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return int(f[11]) + int(f[12])


def run(label, argv, size, a):
    run_dir = f"{W}/run"
    os.makedirs(run_dir, exist_ok=True)
    os.makedirs(f"{W}/logs", exist_ok=True)
    lf = f"{run_dir}/fullpool-leases4.csv"
    for f in os.listdir(run_dir):
        if f.startswith("fullpool-leases4"):
            os.unlink(f"{run_dir}/{f}")
    write_leases(lf, size, int(time.time()) + 86400)
    last = ipaddress.IPv4Address("10.1.0.1") + size - 1
    conf = {"Dhcp4": {
        "interfaces-config": {"interfaces": ["pfvs"], "dhcp-socket-type": "raw"},
        "lease-database": {"type": "memfile", "name": lf, "lfc-interval": 0},
        "valid-lifetime": 86400,
        "loggers": [{"name": "kea-dhcp4", "severity": "WARN", "output_options": [{"output": f"{W}/logs/fullpool.log"}]}],
        "subnet4": [{"id": 1, "subnet": "10.0.0.0/8",
                     "pools": [{"pool": f"10.1.0.1 - {last}"}, {"pool": "10.200.0.1 - 10.250.0.0"}]}]}}
    cp = f"{W}/fullpool.json"
    json.dump(conf, open(cp, "w"))
    srv = subprocess.Popen(["ip", "netns", "exec", "pfsrv", *argv, "-c", cp],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(2 + size / 200000)
    t0 = cpu_ticks(srv.pid)
    pf = subprocess.run(["ip", "netns", "exec", "pfcli", "perfdhcp", "-4", "-l", "pfvc", "-i", "-r", str(a.rate),
                         "-p", str(a.period), "-R", "5000000", "10.0.0.1"], capture_output=True, text=True)
    t1 = cpu_ticks(srv.pid)
    srv.terminate()
    srv.wait(10)
    m = re.search(r"Statistics for: DISCOVER-OFFER.*?sent packets: (\d+).*?received packets: (\d+)", pf.stdout, re.S)
    sent, recv = (int(m.group(1)), int(m.group(2))) if m else (0, 0)
    hz = os.sysconf("SC_CLK_TCK")
    us = (t1 - t0) / hz * 1e6 / max(recv, 1)
    print(f"RESULT {label} first pool {size} full: {recv}/{sent} DISCOVERs answered, server CPU {us:.0f} us/DISCOVER")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="256,65536")
    ap.add_argument("--rate", type=int, default=2000)
    ap.add_argument("--period", type=int, default=8)
    ap.add_argument("binaries", nargs="*")
    a = ap.parse_args()
    subprocess.run([f"{H}/netns.sh", "up"], check=True)
    bins = a.binaries or [os.path.join(HERE, "..", "build", "src", "dhcp4", "nestor-dhcp4")]
    for size in (int(x) for x in a.sizes.split(",")):
        for i, b in enumerate(bins):
            run(f"nestor[{i}]", [b], size, a)
        run("kea", ["kea-dhcp4"], size, a)


if __name__ == "__main__":
    main()
