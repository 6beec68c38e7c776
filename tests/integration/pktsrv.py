#!/usr/bin/python3
"""Packet helper that runs inside a client network namespace (started by the test harness).

Reads one JSON request per line on stdin and answers one JSON line on stdout, so scapy is
imported once per test module. Requests:
  {"op": "dhcp", "iface": IF, "msg": TYPE, "xid": N, "chaddr": "aa:bb:..", "options": [[name, value]...],
   "ciaddr": IP, "giaddr": IP, "flags": N, "src": IP, "dst": IP, "dst_mac": MAC, "timeout": S,
   "want": N, "raw_options": HEX, "hlen": N, "secs": N}   (TYPE: a name, a number, or null for no option 53)
     -> {"replies": [{"msgtype": .., "yiaddr": .., "siaddr": .., "ciaddr": .., "flags": ..,
                      "sname": .., "file": .., "dst": .., "dst_mac": .., "options": {name: value},
                      "options_hex": the options field as sent (hex)}]}
  {"op": "burst", "iface": IF, "msg": TYPE, "clients": [{"chaddr": MAC, "xid": N, "options": [...]}...],
   "timeout": S, "stop_pid": PID}  -> {"replies": [...]}   (one message per client, sent back to back;
   every reply to one of their xids; with stop_pid that process is stopped (SIGSTOP) while they are
   sent, so that it finds them all queued when it continues)
  {"op": "raw", "iface": IF, "frame": HEX}  -> {"sent": true}  (arbitrary bytes, for bad input)
  {"op": "udp", "src": IP, "sport": N, "dst": IP, "dport": N, "payload": HEX, "timeout": S}
     -> {"replies": [{"from": IP, "payload": HEX}]}   (relay-agent style exchange over UDP)
"""
import json
import socket
import sys
import threading
import time

from scapy.all import (BOOTP, DHCP, IP, UDP, AsyncSniffer, Ether, Raw, conf, get_if_hwaddr,
                       sendp)

conf.verb = 0

MSG = {"discover": 1, "offer": 2, "request": 3, "decline": 4, "ack": 5, "nak": 6, "release": 7,
       "inform": 8}


def mac_bytes(mac):
    return bytes(int(x, 16) for x in mac.split(":"))


def text_or_hex(b):
    if b and all(32 <= c < 127 for c in b):
        return b.decode()
    return b.hex(":")


def decode_opts(opts):
    out = {}
    for o in opts:
        if isinstance(o, tuple) and len(o) >= 2:
            k, v = o[0], o[1] if len(o) == 2 else list(o[1:])
            if isinstance(v, bytes):
                v = text_or_hex(v)
            elif isinstance(v, list):
                v = [text_or_hex(x) if isinstance(x, bytes) else x for x in v]
            out[str(k)] = v
    return out


def parse_reply(p):
    b = p[BOOTP]
    return {
        "msgtype": next((o[1] for o in p[DHCP].options if isinstance(o, tuple) and o[0] == "message-type"), None),
        "yiaddr": b.yiaddr, "siaddr": b.siaddr, "ciaddr": b.ciaddr, "giaddr": b.giaddr,
        "flags": int(b.flags), "xid": b.xid,
        "sname": b.sname.rstrip(b"\0").decode(errors="replace"),
        "file": b.file.rstrip(b"\0").decode(errors="replace"),
        "dst": p[IP].dst, "dst_mac": p[Ether].dst, "src": p[IP].src, "dport": p[UDP].dport,
        "options": decode_opts(p[DHCP].options),
        "options_hex": bytes(p[DHCP]).hex(),
    }


def build(r, iface):
    chaddr = r.get("chaddr") or get_if_hwaddr(iface)
    msg = MSG.get(r["msg"], r["msg"])   # a name, a number, or None (no option 53)
    opts = [] if msg is None else [("message-type", msg)]
    for name, value in r.get("options", []):
        if isinstance(value, str) and value.startswith("hex:"):
            value = bytes.fromhex(value[4:])
        opts.append((name, value))
    opts.append("end")
    bootp = BOOTP(op=1, xid=r.get("xid", 0x1234), chaddr=mac_bytes(chaddr) + b"\0" * 10,
                  ciaddr=r.get("ciaddr", "0.0.0.0"), giaddr=r.get("giaddr", "0.0.0.0"),
                  flags=r.get("flags", 0), hops=r.get("hops", 0), secs=r.get("secs", 0))
    if "hlen" in r:
        bootp.hlen = r["hlen"]
    dhcp = DHCP(options=opts)
    pkt = (Ether(src=get_if_hwaddr(iface), dst=r.get("dst_mac", "ff:ff:ff:ff:ff:ff")) /
           IP(src=r.get("src", "0.0.0.0"), dst=r.get("dst", "255.255.255.255")) /
           UDP(sport=r.get("sport", 68), dport=r.get("dport", 67)) / bootp / dhcp)
    if r.get("raw_options"):
        pkt = pkt / Raw(bytes.fromhex(r["raw_options"]))
    return pkt


def listening(iface, match, count, timeout):
    """A sniffer of server replies (BOOTP op 2) that match, already capturing when this returns:
    its socket is open once started_callback runs (a fixed pause before sending lost the reply
    whenever a loaded machine took longer to open it). It stops after count replies or timeout s."""
    ready = threading.Event()
    sn = AsyncSniffer(iface=iface, filter="udp and (dst port 68 or dst port 67)",
                      lfilter=lambda p: BOOTP in p and UDP in p and p[BOOTP].op == 2 and match(p),
                      count=count, timeout=timeout, started_callback=ready.set)
    sn.start()
    if not ready.wait(30):
        raise RuntimeError("the sniffer on %s did not start within 30 s" % iface)
    time.sleep(0.2)   # the pause callers have always had between two exchanges
    return sn


def do_dhcp(r):
    iface = r["iface"]
    pkt = build(r, iface)
    xid = r.get("xid", 0x1234)
    sn = listening(iface, lambda p: p[BOOTP].xid == xid, r.get("want", 1), r.get("timeout", 2))
    sendp(pkt, iface=iface)
    sn.join()
    return {"replies": [parse_reply(p) for p in (sn.results or [])]}


def do_burst(r):
    iface = r["iface"]
    pkts = [build(dict(c, msg=r["msg"]), iface) for c in r["clients"]]
    xids = {c["xid"] for c in r["clients"]}
    frames = [bytes(p) for p in pkts]
    sn = listening(iface, lambda p: p[BOOTP].xid in xids, len(pkts), r.get("timeout", 3))
    # a packet socket in a tight loop: microseconds apart (scapy's sendp takes about a millisecond
    # a packet, which a server reads one at a time)
    import os
    import signal
    pid = r.get("stop_pid")
    with socket.socket(socket.AF_PACKET, socket.SOCK_RAW) as s:
        s.bind((iface, 0))
        if pid:
            os.kill(pid, signal.SIGSTOP)
        try:
            for f in frames:
                s.send(f)
        finally:
            if pid:
                time.sleep(0.02)
                os.kill(pid, signal.SIGCONT)
    sn.join()
    return {"replies": [parse_reply(p) for p in (sn.results or [])]}


def do_raw(r):
    sendp(Raw(bytes.fromhex(r["frame"])), iface=r["iface"])
    return {"sent": True}


def do_udp(r):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((r["src"], r.get("sport", 67)))
    s.settimeout(r.get("timeout", 2))
    s.sendto(bytes.fromhex(r["payload"]), (r["dst"], r.get("dport", 67)))
    out = []
    try:
        while len(out) < r.get("want", 1):
            data, addr = s.recvfrom(65535)
            out.append({"from": addr[0], "payload": data.hex()})
    except socket.timeout:
        pass
    s.close()
    return {"replies": out}


def main():
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        try:
            r = json.loads(line)
            res = {"dhcp": do_dhcp, "burst": do_burst, "raw": do_raw, "udp": do_udp}[r["op"]](r)
        except Exception as e:  # reported to the test, which fails with it
            res = {"error": repr(e)}
        sys.stdout.write(json.dumps(res) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    sys.stdout.write(json.dumps({"ready": True}) + "\n")
    sys.stdout.flush()
    main()
