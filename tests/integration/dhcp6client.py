"""A minimal DHCPv6 client for tests (no dependencies): Solicit with Rapid Commit for one IA_NA,
then Decline of the address it got. Run inside the client namespace:
    python3 dhcp6client.py IFACE DUID-HEX IAID
prints {"address": ..., "declined": true/false} as JSON (declined: the server answered Success).
"""
import json
import os
import socket
import struct
import sys

SOLICIT, REPLY, DECLINE = 1, 7, 9
OPT_CLIENTID, OPT_SERVERID, OPT_IA_NA, OPT_IAADDR, OPT_ELAPSED, OPT_STATUS, OPT_RAPID = 1, 2, 3, 5, 8, 13, 14


def opt(code, data=b""):
    return struct.pack("!HH", code, len(data)) + data


def options(data):
    out, i = {}, 0
    while i + 4 <= len(data):
        code, n = struct.unpack_from("!HH", data, i)
        out.setdefault(code, []).append(data[i + 4:i + 4 + n])
        i += 4 + n
    return out


def exchange(sock, dest, msg_type, xid, body):
    sock.sendto(bytes([msg_type]) + xid.to_bytes(3, "big") + body, dest)
    while True:
        data, _ = sock.recvfrom(4096)
        if data[0] == REPLY and data[1:4] == xid.to_bytes(3, "big"):
            return options(data[4:])


def main(iface, duid_hex, iaid):
    duid = bytes.fromhex(duid_hex.replace(":", ""))
    sock = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, iface.encode())
    sock.settimeout(5)
    sock.bind(("::", 546))
    dest = ("ff02::1:2", 547, 0, socket.if_nametoindex(iface))
    cid = opt(OPT_CLIENTID, duid)
    ia = opt(OPT_IA_NA, struct.pack("!III", iaid, 0, 0))
    reply = exchange(sock, dest, SOLICIT, 0x1234, cid + opt(OPT_ELAPSED, b"\0\0") + opt(OPT_RAPID) + ia)
    sid = reply[OPT_SERVERID][0]
    ia_opts = options(reply[OPT_IA_NA][0][12:])
    addr = ia_opts[OPT_IAADDR][0][:16]
    iaaddr = opt(OPT_IAADDR, addr + struct.pack("!II", 0, 0))
    decl = exchange(sock, dest, DECLINE, 0x1235, cid + opt(OPT_SERVERID, sid) + opt(OPT_ELAPSED, b"\0\0") +
                    opt(OPT_IA_NA, struct.pack("!III", iaid, 0, 0) + iaaddr))
    status = decl.get(OPT_STATUS, [b"\0\0"])[0]
    print(json.dumps({"address": socket.inet_ntop(socket.AF_INET6, addr),
                      "declined": struct.unpack("!H", status[:2])[0] == 0}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
