"""DHCPv4 behaviour as Kea 2.2's (issue 9 part 10): the protocol differences an independent
conformance suite found between Nestor and Kea, each checked here with packets crafted by scapy
in the client namespace (and, where that is the clearest proof, against Debian's kea-dhcp4 2.2
on the same packets)."""
import os
import time

import pytest

from conftest import KEA, Server, basic_config, sh, subnet_config, wait_for
from test_protocol import dora


def flush_neighbours(lan):
    """Forget what the server's IP stack knows of the link's hardware addresses."""
    sh("ip", "-n", lan.srv_ns, "neigh", "flush", "all")


def renew(lan, mac, ip, xid, **kw):
    """A RENEWING request: ciaddr set, unicast from the client's address to the server."""
    return lan.pkt.dhcp("request", chaddr=mac, xid=xid, ciaddr=ip, src=ip, dst=lan.server_ip,
                        dst_mac=lan.srv_mac, **kw)


def test_renewal_ack_goes_to_source_mac_without_arp(lan, server):
    """Kea's raw (LPF) path sends the reply to a non-zero ciaddr as a frame to the request's
    source hardware address; through the kernel it would wait for an ARP answer, which this
    client (no address configured in its namespace) never gives."""
    srv = server(basic_config())
    mac = "02:00:00:00:e1:01"   # chaddr differs from the frame's source (lan.cli_mac)
    _, ack = dora(lan, mac=mac, xid=0xe101)
    ip = ack["yiaddr"]
    flush_neighbours(lan)
    r = renew(lan, mac, ip, 0xe103)
    assert len(r) == 1 and r[0]["msgtype"] == 5, srv.log()
    assert r[0]["yiaddr"] == ip and r[0]["dst"] == ip
    assert r[0]["dst_mac"] == lan.cli_mac
    assert srv.stat("pkt4-request-received") == 2  # received once, not on both sockets
    # a RELEASE unicast the same way is read once too
    lan.pkt.dhcp("release", chaddr=mac, xid=0xe105, ciaddr=ip, src=ip, dst=lan.server_ip,
                 dst_mac=lan.srv_mac, options=[["server_id", lan.server_ip]], timeout=0.5, want=0)
    assert wait_for(lambda: srv.stat("pkt4-release-received") == 1, timeout=3)
    time.sleep(0.2)
    assert srv.stat("pkt4-release-received") == 1
    assert srv.cmd("lease4-get", {"ip-address": ip})["result"] == 3


def test_renewal_in_udp_mode_goes_through_the_kernel(lan, server):
    """dhcp-socket-type udp (Kea's PktFilterInet): the kernel routes and resolves ciaddr."""
    cfg = basic_config()
    cfg["Dhcp4"]["interfaces-config"] = {"interfaces": [lan.srv_if], "dhcp-socket-type": "udp"}
    srv = server(cfg)
    mac = "02:00:00:00:e1:11"
    with lan.client_address("192.0.2.160"):
        srv.cmd("lease4-add", {"ip-address": "192.0.2.160", "hw-address": mac})
        flush_neighbours(lan)
        r = renew(lan, mac, "192.0.2.160", 0xe111)
    assert len(r) == 1 and r[0]["msgtype"] == 5 and r[0]["dst"] == "192.0.2.160"
