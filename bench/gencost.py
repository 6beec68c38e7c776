#!/usr/bin/env python3
"""The load generators' own cost: CPU per lease of nestor-perf and of Kea's perfdhcp against the
instant responder (../../shared/bench/ceiling/pfecho.c, no state: it costs the least a server can),
at the same offered rates, in the team harness's namespaces (pfecho in pfsrv, generator in pfcli).

usage: gencost.py [-P v4|v6] [-t SECONDS] [-n ROUNDS] [RATE ...]   (default v4, 6 s, 3, 5000 10000 20000)
Prints per run: leases/s, drops and generator CPU us/lease; then medians per generator and rate.
"""
import argparse, json, os, re, statistics, subprocess, sys, time

HERE = os.path.dirname(os.path.abspath(__file__))
H = os.environ.get("HARNESS", os.path.join(HERE, "..", "..", "shared", "bench"))
W = os.environ.get("BENCH_WORK", "/tmp/nestor-bench")
PERF = os.environ.get("NESTOR_PERF", os.path.join(HERE, "..", "build", "src", "perf", "nestor-perf"))
ap = argparse.ArgumentParser()
ap.add_argument("-P", "--proto", default="v4", choices=["v4", "v6"])
ap.add_argument("-t", "--period", type=int, default=6)
ap.add_argument("-n", "--rounds", type=int, default=3)
ap.add_argument("rates", nargs="*", type=int, default=[5000, 10000, 20000])
a = ap.parse_args()
os.makedirs(W, exist_ok=True)
subprocess.run([f"{H}/netns.sh", "up"], check=True)
subprocess.run(["cc", "-O2", "-o", f"{W}/pfecho", f"{H}/ceiling/pfecho.c"], check=True)
echo = subprocess.Popen(["ip", "netns", "exec", "pfsrv", f"{W}/pfecho", a.proto[1], "pfvs", "10.0.0.1"],
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
time.sleep(0.5)
fam = "-" + a.proto[1]
res = {}
try:
    for rnd in range(a.rounds):
        for rate in a.rates:
            # nestor-perf: its own figures
            mac = f"mac=00:{rnd + 1:02x}:{rate // 1000:02x}:00:00:00"
            cmd = ["ip", "netns", "exec", "pfcli", PERF, fam, "-l", "pfvc", "-r", str(rate), "-p", str(a.period),
                   "-R", "5000000", "-b", mac, "--json"] + (["-B"] if a.proto == "v4" else [])
            o = json.loads(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout)
            line = (o["leases-per-second"], o["drop-percent"], o["cpu-us-per-lease"])
            res.setdefault(("nestor-perf", rate), []).append(line)
            print(f"nestor-perf {rate}/s: {line[0]:.0f} leases/s, drops {line[1]:.2f}%, {line[2]:.2f} us/lease", flush=True)
            # perfdhcp: CPU from its rusage, leases from its REQUEST-ACK count
            cmd = ["ip", "netns", "exec", "pfcli", "perfdhcp", fam, "-l", "pfvc", "-r", str(rate), "-p", str(a.period),
                   "-R", "5000000", "-W", "1000000"] + (["-B"] if a.proto == "v4" else [])
            p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            out = p.stdout.read()
            _, _, ru = os.wait4(p.pid, 0)
            key = "REQUEST-ACK" if a.proto == "v4" else "REQUEST-REPLY"
            blk = out.split(f"Statistics for: {key}")[-1]
            recv = int(re.search(r"received packets: (\d+)", blk).group(1))
            sent1 = int(re.search(r"sent packets: (\d+)", out.split("Statistics for:")[1]).group(1))
            cpu = ru.ru_utime + ru.ru_stime
            line = (recv / a.period, 100.0 * (1 - recv / max(1, sent1)), cpu * 1e6 / max(1, recv))
            res.setdefault(("perfdhcp", rate), []).append(line)
            print(f"perfdhcp    {rate}/s: {line[0]:.0f} leases/s, drops {line[1]:.2f}%, {line[2]:.2f} us/lease", flush=True)
finally:
    echo.kill()
for (gen, rate), lines in sorted(res.items(), key=lambda kv: (kv[0][1], kv[0][0])):
    m = lambda i: statistics.median(l[i] for l in lines)
    print(f"RESULT {gen} {a.proto} {rate}/s: {m(0):.0f} leases/s, drops {m(1):.2f}%, {m(2):.2f} us/lease (median of {len(lines)})")
