"""DHCPv4 protocol behaviour through real sockets, with packets crafted by scapy in the client
namespace: DORA, renew, rebind, release, decline, inform, NAKs, relays, bad packets."""
import os
import signal
import time

from conftest import basic_config, subnet_config, wait_for

MAC = "02:00:00:00:10:01"


def dora(lan, mac=MAC, xid=0x1001, options=(), flags=0x8000):
    offers = lan.pkt.dhcp("discover", chaddr=mac, xid=xid, flags=flags, options=list(options))
    assert len(offers) == 1, offers
    o = offers[0]
    assert o["msgtype"] == 2
    acks = lan.pkt.dhcp("request", chaddr=mac, xid=xid + 1, flags=flags,
                        options=[["server_id", o["options"]["server_id"]],
                                 ["requested_addr", o["yiaddr"]], *options])
    assert len(acks) == 1, acks
    return o, acks[0]


def test_dora_gives_pool_address_and_options(lan, server):
    srv = server(basic_config())
    offer, ack = dora(lan, options=[["param_req_list", [1, 3, 6, 15, 51, 54]]])
    assert ack["msgtype"] == 5
    assert ack["yiaddr"] == offer["yiaddr"]
    assert ack["yiaddr"].startswith("192.0.2.1") and 100 <= int(ack["yiaddr"].split(".")[3]) <= 199
    opts = ack["options"]
    assert opts["server_id"] == "192.0.2.1"
    assert opts["lease_time"] == 600
    assert opts["renewal_time"] == 200
    assert opts["rebinding_time"] == 400
    assert opts["subnet_mask"] == "255.255.255.0"
    assert opts["router"] == "192.0.2.1"
    assert opts["name_server"] == ["192.0.2.53", "192.0.2.54"]
    assert "example.org" in str(opts["domain"])
    # broadcast flag set: the reply goes to the broadcast address
    assert ack["dst"] == "255.255.255.255"
    lease = srv.cmd("lease4-get", {"ip-address": ack["yiaddr"]})
    assert lease["result"] == 0, lease
    assert lease["arguments"]["hw-address"] == MAC
    assert lease["arguments"]["valid-lft"] == 600
    assert srv.stat("pkt4-ack-sent") == 1
    assert srv.stat("pkt4-offer-sent") == 1
    assert srv.stat("subnet[1].assigned-addresses") == 1
    # the lease is in the CSV file, in Kea's format
    rows = open(srv.lease_file).read().splitlines()
    assert rows[0] == ("address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,fqdn_rev,"
                       "hostname,state,user_context")
    assert any(r.startswith(ack["yiaddr"] + "," + MAC + ",,600,") for r in rows[1:]), rows


def test_configured_server_identifier_is_sent_and_accepted(lan, server):
    cfg = basic_config()
    cfg["Dhcp4"]["subnet4"][0]["option-data"].append({"name": "dhcp-server-identifier", "data": "10.9.9.9"})
    srv = server(cfg)
    offer, ack = dora(lan, mac="02:00:00:00:10:31", xid=0x2101)
    assert offer["options"]["server_id"] == "10.9.9.9"
    assert ack["msgtype"] == 5 and ack["options"]["server_id"] == "10.9.9.9"
    # a SELECTING request naming another server is not for us
    r = lan.pkt.dhcp("request", chaddr="02:00:00:00:10:32", xid=0x2111, timeout=1,
                     options=[["server_id", "10.8.8.8"], ["requested_addr", "192.0.2.150"]])
    assert r == []


def test_option82_echoed_without_relay(lan, server):
    server(basic_config())
    rai = bytes([1, 3]) + b"sw1" + bytes([2, 2]) + b"p7"
    offers = lan.pkt.dhcp("discover", chaddr="02:00:00:00:10:33", xid=0x2201, flags=0x8000,
                          options=[["relay_agent_information", "hex:" + rai.hex()]])
    assert len(offers) == 1
    assert offers[0]["options"].get("relay_agent_information") in (rai.decode(errors="replace"), rai.hex(":"))


def test_unicast_reply_without_broadcast_flag(lan, server):
    server(basic_config())
    _, ack = dora(lan, mac="02:00:00:00:10:02", xid=0x2001, flags=0)
    # raw sockets let the server unicast to a client that has no address yet (RFC 2131 4.1)
    assert ack["dst"] == ack["yiaddr"]
    assert ack["dst_mac"] == "02:00:00:00:10:02"


def test_renew_rebind_release(lan, server):
    srv = server(basic_config())
    mac = "02:00:00:00:10:03"
    _, ack = dora(lan, mac=mac, xid=0x3001)
    ip = ack["yiaddr"]
    with lan.client_address(ip):
        # RENEWING: ciaddr set, unicast from the client's address to the server
        r = lan.pkt.dhcp("request", chaddr=mac, xid=0x3003, ciaddr=ip, dst="192.0.2.1", src=ip,
                         dst_mac=lan.srv_mac)
        assert r and r[0]["msgtype"] == 5 and r[0]["yiaddr"] == ip
        assert r[0]["dst"] == ip  # RFC 2131 4.1: unicast to ciaddr
        # REBINDING: ciaddr set, broadcast
        r = lan.pkt.dhcp("request", chaddr=mac, xid=0x3004, ciaddr=ip)
        assert r and r[0]["msgtype"] == 5 and r[0]["yiaddr"] == ip
    # RELEASE: the lease goes away
    lan.pkt.dhcp("release", chaddr=mac, xid=0x3005, ciaddr=ip, dst="192.0.2.1", src=ip,
                 dst_mac=lan.srv_mac, options=[["server_id", "192.0.2.1"]], timeout=0.5, want=0)
    time.sleep(0.3)
    assert srv.cmd("lease4-get", {"ip-address": ip})["result"] == 3
    assert srv.stat("pkt4-release-received") == 1
    assert srv.stat("subnet[1].assigned-addresses") == 0


def test_renew_of_unknown_address_by_other_client_is_nak(lan, server):
    server(basic_config())
    _, ack = dora(lan, mac="02:00:00:00:10:04", xid=0x4001)
    with lan.client_address(ack["yiaddr"]):
        r = lan.pkt.dhcp("request", chaddr="02:00:00:00:10:05", xid=0x4003, ciaddr=ack["yiaddr"])
    assert r and r[0]["msgtype"] == 6


def test_init_reboot_wrong_subnet_is_nak(lan, server):
    # an unknown client: NAKed only by an authoritative server (as Kea; silence otherwise)
    srv = server(basic_config(authoritative=True))
    r = lan.pkt.dhcp("request", chaddr="02:00:00:00:10:06", xid=0x5001,
                     options=[["requested_addr", "10.99.0.5"]])
    assert len(r) == 1 and r[0]["msgtype"] == 6
    assert r[0]["dst"] == "255.255.255.255"
    assert srv.stat("pkt4-nak-sent") == 1


def test_init_reboot_unknown_client_not_authoritative_is_silent(lan, server):
    server(basic_config())
    r = lan.pkt.dhcp("request", chaddr="02:00:00:00:10:07", xid=0x5101, timeout=1,
                     options=[["requested_addr", "192.0.2.150"]])
    assert r == []


def test_init_reboot_known_client_is_acked(lan, server):
    server(basic_config())
    mac = "02:00:00:00:10:08"
    _, ack = dora(lan, mac=mac, xid=0x5201)
    r = lan.pkt.dhcp("request", chaddr=mac, xid=0x5203, options=[["requested_addr", ack["yiaddr"]]])
    assert r and r[0]["msgtype"] == 5 and r[0]["yiaddr"] == ack["yiaddr"]


def test_decline_puts_address_in_probation(lan, server):
    srv = server(basic_config(**{"decline-probation-period": 1000}))
    mac = "02:00:00:00:10:09"
    _, ack = dora(lan, mac=mac, xid=0x6001)
    lan.pkt.dhcp("decline", chaddr=mac, xid=0x6003, timeout=0.5, want=0,
                 options=[["server_id", "192.0.2.1"], ["requested_addr", ack["yiaddr"]]])
    time.sleep(0.3)
    lease = srv.cmd("lease4-get", {"ip-address": ack["yiaddr"]})
    assert lease["arguments"]["state"] == 1
    assert lease["arguments"]["valid-lft"] == 1000
    assert lease["arguments"]["hw-address"] == ""
    assert srv.stat("declined-addresses") == 1
    assert srv.stat("subnet[1].declined-addresses") == 1
    # the same client now gets a different address
    _, ack2 = dora(lan, mac=mac, xid=0x6011)
    assert ack2["yiaddr"] != ack["yiaddr"]


def test_inform_gets_options_without_lease(lan, server):
    srv = server(basic_config())
    with lan.client_address("192.0.2.77"):
        r = lan.pkt.dhcp("inform", chaddr="02:00:00:00:10:0a", xid=0x7001, ciaddr="192.0.2.77",
                         options=[["param_req_list", [3, 6]]])
    assert r and r[0]["msgtype"] == 5
    assert r[0]["yiaddr"] == "0.0.0.0"
    assert "lease_time" not in r[0]["options"]
    assert r[0]["options"]["router"] == "192.0.2.1"
    assert srv.cmd("lease4-get-all")["result"] == 3


def test_reservations_by_hw_address_and_client_id(lan, server):
    cfg = basic_config()
    cfg["Dhcp4"]["subnet4"][0]["reservations"] = [
        {"hw-address": "02:00:00:00:20:01", "ip-address": "192.0.2.10", "hostname": "printer"},
        {"client-id": "01:02:00:00:00:20:02", "ip-address": "192.0.2.11",
         "option-data": [{"name": "domain-name-servers", "data": "192.0.2.99"}]},
    ]
    server(cfg)
    _, ack = dora(lan, mac="02:00:00:00:20:01", xid=0x8001, options=[["param_req_list", [12, 6]]])
    assert ack["yiaddr"] == "192.0.2.10"
    _, ack = dora(lan, mac="02:00:00:00:99:99", xid=0x8011,
                  options=[["client_id", "hex:0102000000200" + "2"], ["param_req_list", [6]]])
    assert ack["yiaddr"] == "192.0.2.11"
    assert ack["options"]["name_server"] == "192.0.2.99"


def test_option_levels_resolve_most_specific_first(lan, server):
    """host > pool > subnet > shared network > global, each level keeping its own options."""
    cfg = {"Dhcp4": {
        "valid-lifetime": 600,
        "option-data": [{"name": "domain-name", "data": "global.example"},
                        {"name": "ntp-servers", "data": "192.0.2.123", "always-send": True},
                        {"name": "time-offset", "data": "3600"}],
        "shared-networks": [{
            "name": "lan", "interface": lan.srv_if,
            "option-data": [{"name": "domain-name-servers", "data": "192.0.2.60"},
                            {"name": "time-offset", "data": "7200"}],
            "subnet4": [{
                "id": 1, "subnet": "192.0.2.0/24",
                "option-data": [{"name": "routers", "data": "192.0.2.1"}],
                "pools": [{"pool": "192.0.2.100 - 192.0.2.149",
                           "option-data": [{"name": "domain-name", "data": "pool.example"}]},
                          {"pool": "192.0.2.150 - 192.0.2.199"}],
                "reservations": [{"hw-address": "02:00:00:00:31:02", "ip-address": "192.0.2.160",
                                  "option-data": [{"name": "domain-name", "data": "host.example"}]}]}]}]}}
    server(cfg)
    prl = [["param_req_list", [1, 2, 3, 6, 15]]]
    _, a = dora(lan, mac="02:00:00:00:31:01", xid=0x9101, options=prl)
    assert a["yiaddr"] == "192.0.2.100"
    o = a["options"]
    assert o["domain"] == "pool.example"           # pool over global
    assert o["router"] == "192.0.2.1"              # subnet
    assert o["name_server"] == "192.0.2.60"        # shared network
    assert o["time_zone"] == 7200                  # shared network over global
    assert o["NTP_server"] == "192.0.2.123"        # global, always-send, not requested
    _, b = dora(lan, mac="02:00:00:00:31:02", xid=0x9111, options=prl)
    assert b["yiaddr"] == "192.0.2.160"
    assert b["options"]["domain"] == "host.example"  # host over every other level
    assert b["options"]["name_server"] == "192.0.2.60"


def test_shared_network_spills_into_second_subnet(lan, server):
    cfg = {"Dhcp4": {"valid-lifetime": 600, "shared-networks": [{
        "name": "lan", "interface": lan.srv_if,
        "subnet4": [
            {"id": 10, "subnet": "192.0.2.0/24", "pools": [{"pool": "192.0.2.100 - 192.0.2.100"}]},
            {"id": 11, "subnet": "198.51.100.0/24", "pools": [{"pool": "198.51.100.20 - 198.51.100.20"}]},
        ]}]}}
    srv = server(cfg)
    _, a1 = dora(lan, mac="02:00:00:00:30:01", xid=0x9001)
    _, a2 = dora(lan, mac="02:00:00:00:30:02", xid=0x9011)
    assert {a1["yiaddr"], a2["yiaddr"]} == {"192.0.2.100", "198.51.100.20"}
    assert srv.stat("subnet[11].assigned-addresses") == 1
    r = lan.pkt.dhcp("discover", chaddr="02:00:00:00:30:03", xid=0x9021, timeout=1)
    assert r == []  # both pools are exhausted


def test_relayed_traffic_uses_relay_subnet_and_echoes_option82(lan, server):
    lan.add_relay()
    cfg = basic_config()
    cfg["Dhcp4"]["subnet4"].append({"id": 2, "subnet": "10.10.10.0/24",
                                    "pools": [{"pool": "10.10.10.100 - 10.10.10.110"}],
                                    "relay": {"ip-addresses": ["10.10.10.1"]}})
    srv = server(cfg)
    import struct
    hdr = struct.pack("!BBBBIHHIIII16s64s128s", 1, 1, 6, 1, 0xabcd, 0, 0, 0, 0, 0,
                      0x0a0a0a01, bytes.fromhex("020000004001") + b"\0" * 10, b"", b"")
    rai = bytes([1, 4]) + b"eth7" + bytes([2, 3]) + b"rid"
    opts = bytes([53, 1, 1, 82, len(rai)]) + rai + bytes([255])
    payload = hdr + bytes.fromhex("63825363") + opts
    res = lan.pkt.call(op="udp", src="10.10.10.1", sport=67, dst="192.0.2.1", dport=67,
                       payload=payload.hex(), timeout=2)["replies"]
    assert len(res) == 1, srv.log()
    reply = bytes.fromhex(res[0]["payload"])
    yiaddr = ".".join(str(b) for b in reply[16:20])
    assert yiaddr.startswith("10.10.10.")
    assert bytes([82, len(rai)]) + rai in reply  # RFC 3046: option 82 echoed back


def test_hostile_relay_input_is_dropped(lan, server):
    lan.add_relay()
    srv = server(basic_config())
    import struct
    def relayed(opts, giaddr=0x0a0a0a01, hops=1):
        hdr = struct.pack("!BBBBIHHIIII16s64s128s", 1, 1, 6, hops, 0xbeef, 0, 0, 0, 0, 0, giaddr,
                          bytes.fromhex("020000004101") + b"\0" * 10, b"", b"")
        return (hdr + bytes.fromhex("63825363") + opts).hex()
    bad = [
        bytes([53, 1, 1, 82, 6, 1, 10, 0x41]),          # option 82 sub-option longer than the option
        bytes([53, 1, 1, 82, 200]) + b"x" * 10,          # option 82 running off the packet
        bytes([53, 1, 1, 82, 6, 5, 4, 10, 99, 0, 1]),    # link-selection to a subnet we do not serve
        bytes([53, 1, 1, 52, 1, 3, 255]),                # overload of file and sname full of garbage
    ]
    for opts in bad:
        res = lan.pkt.call(op="udp", src="10.10.10.1", sport=67, dst="192.0.2.1", dport=67,
                           payload=relayed(opts), timeout=0.7)["replies"]
        assert res == [], opts
    assert srv.stat("pkt4-receive-drop") >= 3
    assert srv.cmd("version-get")["result"] == 0


def test_malformed_packets_are_counted_and_survived(lan, server):
    srv = server(basic_config())
    import struct
    # a DHCP payload of 100 bytes (truncated header), and one whose option runs off the end
    for payload in (b"\x01" * 100,
                    struct.pack("!BBBB", 1, 1, 6, 0) + b"\0" * 232 + bytes.fromhex("63825363") + bytes([53, 200, 1])):
        eth = bytes.fromhex("ffffffffffff") + bytes.fromhex(lan.cli_mac.replace(":", "")) + b"\x08\x00"
        udp_len = 8 + len(payload)
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + udp_len, 0, 0, 64, 17, 0, bytes(4), bytes([255] * 4))
        s = 0
        for i in range(0, 20, 2):
            s += (ip[i] << 8) + ip[i + 1]
        s = (s & 0xffff) + (s >> 16)
        ip = ip[:10] + struct.pack("!H", ~s & 0xffff) + ip[12:]
        udp = struct.pack("!HHHH", 68, 67, udp_len, 0)
        lan.pkt.call(op="raw", iface=lan.cli_if, frame=(eth + ip + udp + payload).hex())
    assert wait_for(lambda: srv.stat("pkt4-parse-failed") == 2, timeout=5)
    assert srv.stat("pkt4-receive-drop") == 2
    # still serving
    dora(lan, mac="02:00:00:00:50:01", xid=0xa001)


def test_leases_survive_restart(lan, server):
    srv = server(basic_config())
    _, ack = dora(lan, mac="02:00:00:00:60:01", xid=0xb001)
    srv.stop()
    srv.start()
    lease = srv.cmd("lease4-get", {"ip-address": ack["yiaddr"]})
    assert lease["result"] == 0
    assert lease["arguments"]["hw-address"] == "02:00:00:00:60:01"
    # the client keeps its address after the restart
    _, ack2 = dora(lan, mac="02:00:00:00:60:01", xid=0xb011)
    assert ack2["yiaddr"] == ack["yiaddr"]


def test_sighup_reload_keeps_old_config_on_error(lan, server):
    srv = server(basic_config())
    srv.config["Dhcp4"]["valid-lifetime"] = "not a number"
    srv.write_config()
    srv.signal(signal.SIGHUP)
    time.sleep(0.5)
    assert srv.proc.poll() is None
    assert "DHCP4_DYNAMIC_RECONFIGURATION_FAIL" in srv.log()
    _, ack = dora(lan, mac="02:00:00:00:70:01", xid=0xc001)
    assert ack["options"]["lease_time"] == 600
    srv.config["Dhcp4"]["valid-lifetime"] = 900
    srv.config["Dhcp4"]["renew-timer"] = 300
    srv.config["Dhcp4"]["rebind-timer"] = 500
    srv.write_config()
    srv.signal(signal.SIGHUP)
    time.sleep(0.5)
    _, ack = dora(lan, mac="02:00:00:00:70:02", xid=0xc011)
    assert ack["options"]["lease_time"] == 900


def test_discover_that_waited_too_long_is_dropped_request_is_answered(lan, server):
    """Single-threaded, a DISCOVER that waited more than 250 ms in the socket (the server was
    behind; here stopped for 0.6 s) is dropped and counted, while a REQUEST that waited as long is
    still answered: finishing an exchange beats starting one."""
    import threading
    srv = server(basic_config())
    offer, ack = dora(lan, mac="02:00:00:00:08:01", xid=0x8001)

    def paused(call):
        os.kill(srv.proc.pid, signal.SIGSTOP)
        t = threading.Timer(0.6, os.kill, (srv.proc.pid, signal.SIGCONT))
        t.start()
        try:
            return call()
        finally:
            t.join()
            os.kill(srv.proc.pid, signal.SIGCONT)

    drops = srv.stat("pkt4-receive-drop") or 0
    assert paused(lambda: lan.pkt.dhcp("discover", chaddr="02:00:00:00:08:02", xid=0x8002, timeout=2)) == []
    assert srv.stat("pkt4-receive-drop") == drops + 1
    assert "DHCP4_PACKET_DROP_STALE" in open(srv.log_path).read()
    acks = paused(lambda: lan.pkt.dhcp("request", chaddr="02:00:00:00:08:01", xid=0x8003, timeout=2,
                                       options=[["requested_addr", ack["yiaddr"]]]))
    assert len(acks) == 1 and acks[0]["msgtype"] == 5, acks
    # not behind: answered at once
    assert len(lan.pkt.dhcp("discover", chaddr="02:00:00:00:08:02", xid=0x8004)) == 1
