"""DHCPv4 behaviour as Kea 2.2's (issue 9 part 10): the protocol differences an independent
conformance suite found between Nestor and Kea, each checked here with packets crafted by scapy
in the client namespace (and, where that is the clearest proof, against Debian's kea-dhcp4 2.2
on the same packets)."""
import os
import time

import pytest

from conftest import KEA, NESTOR, Server, basic_config, sh, subnet_config, wait_for
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


HOOK = "/usr/lib/x86_64-linux-gnu/kea/hooks/libdhcp_lease_cmds.so"


@pytest.fixture(params=["nestor", "kea"])
def impl(request, lan):
    """Factory: impl(config) starts Nestor, or Debian's kea-dhcp4 2.2 with the lease_cmds hook,
    on the same configuration: a test run on both proves that Nestor answers as Kea does."""
    started = []

    def make(config):
        if request.param == "kea":
            if not os.path.exists(KEA) or not os.path.exists(HOOK):
                pytest.skip("kea-dhcp4 2.2 with lease_cmds is not installed")
            config["Dhcp4"]["hooks-libraries"] = [{"library": HOOK}]
            s = Server(lan, config, binary=KEA, name="kea")
        else:
            s = Server(lan, config)
        started.append(s)
        return s.start()
    make.started = started   # the servers made, started or not (a failed start's log)
    yield make
    for s in started:
        s.stop()


def request(lan, mac, xid, options=(), **kw):
    return lan.pkt.dhcp("request", chaddr=mac, xid=xid, flags=0x8000, options=list(options), **kw)


def test_request_without_address_is_answered(lan, impl):
    """A REQUEST with neither option 50 nor ciaddr: Kea's engine gives the client's reserved
    address, else its lease, else a new address, else a NAK."""
    cfg = basic_config()
    cfg["Dhcp4"]["subnet4"][0]["pools"] = [{"pool": "192.0.2.100 - 192.0.2.101"}]
    cfg["Dhcp4"]["subnet4"][0]["reservations"] = [{"hw-address": "02:00:00:00:e2:01", "ip-address": "192.0.2.20"}]
    srv = impl(cfg)
    sid = [["server_id", lan.server_ip]]
    r = request(lan, "02:00:00:00:e2:01", 0xe201, sid)
    assert len(r) == 1 and r[0]["msgtype"] == 5 and r[0]["yiaddr"] == "192.0.2.20", srv.log()
    _, ack = dora(lan, mac="02:00:00:00:e2:02", xid=0xe211)
    r = request(lan, "02:00:00:00:e2:02", 0xe213)                    # no server-id either
    assert len(r) == 1 and r[0]["msgtype"] == 5 and r[0]["yiaddr"] == ack["yiaddr"]
    r = request(lan, "02:00:00:00:e2:03", 0xe221, sid)               # a new client: a new address
    assert len(r) == 1 and r[0]["msgtype"] == 5 and r[0]["yiaddr"] in ("192.0.2.100", "192.0.2.101")
    assert r[0]["yiaddr"] != ack["yiaddr"]
    lease = srv.cmd("lease4-get", {"ip-address": r[0]["yiaddr"]})
    assert lease["result"] == 0 and lease["arguments"]["hw-address"] == "02:00:00:00:e2:03"
    r = request(lan, "02:00:00:00:e2:04", 0xe231, sid)               # pools exhausted: NAK
    assert len(r) == 1 and r[0]["msgtype"] == 6


def test_selecting_request_outside_the_pools_is_ignored(lan, impl):
    srv = impl(basic_config())
    sid = [["server_id", lan.server_ip]]
    for xid, addr in ((0xe301, "192.0.2.50"), (0xe303, "10.99.0.5")):   # in the subnet / in no subnet
        r = request(lan, "02:00:00:00:e3:01", xid, [*sid, ["requested_addr", addr]], timeout=1)
        assert r == [], (addr, r)
    # an address of the pools held by another client is still NAKed
    _, ack = dora(lan, mac="02:00:00:00:e3:02", xid=0xe311)
    r = request(lan, "02:00:00:00:e3:01", 0xe321, [*sid, ["requested_addr", ack["yiaddr"]]])
    assert len(r) == 1 and r[0]["msgtype"] == 6
    assert srv.cmd("version-get")["result"] == 0


@pytest.mark.parametrize("authoritative", [True, False])
def test_init_reboot_of_unknown_client(lan, impl, authoritative):
    """INIT-REBOOT (option 50, no server-id) from a client without a lease: NAK when
    authoritative, no reply otherwise, whether the address is in the subnet or not."""
    srv = impl(basic_config(authoritative=authoritative))
    for xid, addr in ((0xe401, "192.0.2.150"), (0xe403, "10.99.0.5")):
        r = request(lan, "02:00:00:00:e4:01", xid, [["requested_addr", addr]], timeout=1)
        if authoritative:
            assert len(r) == 1 and r[0]["msgtype"] == 6 and r[0]["dst"] == "255.255.255.255", (addr, r)
        else:
            assert r == [], (addr, r)
    # a known client asking for another address than its lease's is NAKed either way
    _, ack = dora(lan, mac="02:00:00:00:e4:02", xid=0xe411)
    other = "192.0.2.177" if ack["yiaddr"] != "192.0.2.177" else "192.0.2.178"
    r = request(lan, "02:00:00:00:e4:02", 0xe421, [["requested_addr", other]])
    assert len(r) == 1 and r[0]["msgtype"] == 6
    assert srv.cmd("version-get")["result"] == 0


def test_ciaddr_selects_the_subnet_of_unicast_packets_only(lan, impl):
    """Kea's selectSubnet4: ciaddr (and the source address) choose the subnet only when the
    packet was not sent to the broadcast address; a broadcast is served by its interface's."""
    cfg = basic_config()
    cfg["Dhcp4"]["subnet4"].append({"id": 2, "subnet": "198.51.100.0/24",
                                    "pools": [{"pool": "198.51.100.20 - 198.51.100.30"}]})
    srv = impl(cfg)
    r = lan.pkt.dhcp("discover", chaddr="02:00:00:00:e5:01", xid=0xe501, flags=0x8000, ciaddr="198.51.100.25")
    assert len(r) == 1 and r[0]["msgtype"] == 2, srv.log()
    assert r[0]["yiaddr"].startswith("192.0.2.")


def test_request_goes_to_the_overlapping_subnet_whose_pool_holds_it(lan, impl):
    """Overlapping subnets in one shared network: a REQUEST for an address of the second
    subnet's pool is checked against that subnet (Kea's inAllowedPool), not NAKed by the first."""
    wide = subnet_config(pools=[{"pool": "192.0.2.100 - 192.0.2.100"}])
    narrow = subnet_config(id=2, subnet="192.0.2.128/25", pools=[{"pool": "192.0.2.200 - 192.0.2.201"}])
    cfg = basic_config(subnet4=[])
    cfg["Dhcp4"]["shared-networks"] = [{"name": "lan", "interface": lan.srv_if, "subnet4": [wide, narrow]}]
    srv = impl(cfg)
    _, a1 = dora(lan, mac="02:00:00:00:e6:01", xid=0xe601)
    assert a1["yiaddr"] == "192.0.2.100"
    _, a2 = dora(lan, mac="02:00:00:00:e6:02", xid=0xe611)
    assert a2["msgtype"] == 5 and a2["yiaddr"] in ("192.0.2.200", "192.0.2.201"), srv.log()
    lease = srv.cmd("lease4-get", {"ip-address": a2["yiaddr"]})
    assert lease["arguments"]["subnet-id"] == 2


def test_offer_carries_ciaddr_zero(lan, impl):
    """RFC 2131 table 3: ciaddr is 0 in an OFFER, whatever the DISCOVER carried."""
    impl(basic_config())
    r = lan.pkt.dhcp("discover", chaddr="02:00:00:00:e7:01", xid=0xe701, flags=0x8000, ciaddr="192.0.2.150")
    assert len(r) == 1 and r[0]["msgtype"] == 2
    assert r[0]["ciaddr"] == "0.0.0.0"


def test_inform_without_ciaddr_from_no_address_is_dropped(lan, impl):
    """Kea's acceptDirectRequest: a direct INFORM with ciaddr 0 from 0.0.0.0 gets no reply (and
    counts as dropped); with a source address it is answered."""
    srv = impl(basic_config())
    r = lan.pkt.dhcp("inform", chaddr="02:00:00:00:e8:01", xid=0xe801, timeout=1)
    assert r == []
    assert wait_for(lambda: srv.stat("pkt4-receive-drop") == 1, timeout=3)
    r = lan.pkt.dhcp("inform", chaddr="02:00:00:00:e8:01", xid=0xe803, src="192.0.2.77",
                     dst=lan.server_ip, dst_mac=lan.srv_mac)
    assert len(r) == 1 and r[0]["msgtype"] == 5 and r[0]["ciaddr"] == "0.0.0.0"


def test_sigterm_exits_at_once_and_stop_start_works(lan, server):
    """SIGTERM leaves as soon as the lease file is flushed (the shutdown command's 200 ms grace,
    which lets its answer go out, is not for signals), so `stop; start` finds the old process
    gone. The fastest of three stops is measured, loosely."""
    import signal
    srv = server(basic_config())
    dora(lan, mac="02:00:00:00:e9:01", xid=0xe901)
    times = []
    for _ in range(3):
        t0 = time.monotonic()
        srv.proc.send_signal(signal.SIGTERM)
        srv.proc.wait(10)
        times.append(time.monotonic() - t0)
        assert srv.proc.returncode == 0
        srv.start()                      # at once, the same configuration and PID file
    assert min(times) < 0.15, times
    assert len(srv.cmd("lease4-get-all")["arguments"]["leases"]) == 1


def check_config(binary, cfg, tmpdir):
    path = os.path.join(tmpdir, "check.json")
    with open(path, "w") as f:
        import json
        json.dump(cfg, f)
    return sh(binary, "-t", path, check=False)


def test_ip_reservations_unique(lan, impl, tmp_path):
    """ip-reservations-unique (global, default true): two reservations of one address in a
    subnet are a configuration error unless it is false; then the first client to take the
    address keeps it and the other gets a pool address (a reservation conflict), as Kea."""
    cfg = basic_config()
    cfg["Dhcp4"]["subnet4"][0]["reservations"] = [
        {"hw-address": "02:00:00:00:ea:01", "ip-address": "192.0.2.20"},
        {"hw-address": "02:00:00:00:ea:02", "ip-address": "192.0.2.20"}]
    for binary in (NESTOR, KEA):
        if os.path.exists(binary):
            r = check_config(binary, cfg, str(tmp_path))
            assert r.returncode == 1, (binary, r.stdout, r.stderr)
            assert binary == KEA or "duplicate reservation for address 192.0.2.20" in r.stderr
    cfg["Dhcp4"]["ip-reservations-unique"] = False
    srv = impl(cfg)
    _, a = dora(lan, mac="02:00:00:00:ea:01", xid=0xea01)
    assert a["yiaddr"] == "192.0.2.20"
    _, b = dora(lan, mac="02:00:00:00:ea:02", xid=0xea11)
    assert b["yiaddr"] != "192.0.2.20" and b["yiaddr"].startswith("192.0.2.1")


def test_lease4_get_all_argument_errors(lan, impl):
    """lease4-get-all: arguments without 'subnets' are an error (1), as Kea 2.2's lease_cmds."""
    srv = impl(basic_config())
    assert srv.cmd("lease4-get-all", {})["result"] == 1
    assert srv.cmd("lease4-get-all", {"subnets": 1})["result"] == 1
    assert srv.cmd("lease4-get-all")["result"] == 3
    assert srv.cmd("lease4-get-all", {"subnets": [1]})["result"] == 3


def test_host_name_option_is_echoed_as_kea_does(lan, impl):
    """Kea 2.2 (no DDNS settings): a client's Host Name (12) comes back trimmed, stripped of
    characters outside [A-Za-z0-9.-] and in lower case, and the lease keeps that name; a
    reserved hostname is sent (lower case) even to a client that sent none."""
    cfg = basic_config()
    cfg["Dhcp4"]["subnet4"][0]["reservations"] = [{"hw-address": "02:00:00:00:e9:02", "hostname": "Resv-Host"}]
    srv = impl(cfg)
    o = lan.pkt.dhcp("discover", chaddr="02:00:00:00:e9:01", xid=0xe901, flags=0x8000,
                     options=[["hostname", " My_PC.Example "]])
    assert o[0]["options"].get("hostname") == "mypc.example", o[0]["options"]
    a = lan.pkt.dhcp("request", chaddr="02:00:00:00:e9:01", xid=0xe902, flags=0x8000,
                     options=[["hostname", " My_PC.Example "], ["requested_addr", o[0]["yiaddr"]],
                              ["server_id", o[0]["options"]["server_id"]]])
    assert a[0]["options"].get("hostname") == "mypc.example"
    assert srv.cmd("lease4-get", {"ip-address": a[0]["yiaddr"]})["arguments"]["hostname"] == "mypc.example"
    r = lan.pkt.dhcp("discover", chaddr="02:00:00:00:e9:02", xid=0xe911, flags=0x8000)
    assert r[0]["options"].get("hostname") == "resv-host", r[0]["options"]
    n = lan.pkt.dhcp("discover", chaddr="02:00:00:00:e9:03", xid=0xe921, flags=0x8000)
    assert "hostname" not in n[0]["options"]


def test_client_classes_as_kea(lan, impl):
    """Classes on the same configuration and packets as kea-dhcp4 2.2: boot fields and options of a
    class chosen by option 60, a VENDOR_CLASS_ class's options, KNOWN/UNKNOWN pools, a required
    class of a pool, DROP, and option precedence (subnet over class, class over global)."""
    sub = subnet_config(pools=[{"pool": "192.0.2.100 - 192.0.2.109", "client-class": "KNOWN"},
                               {"pool": "192.0.2.150 - 192.0.2.159", "client-class": "UNKNOWN",
                                "require-client-classes": ["late"]}],
                        reservations=[{"hw-address": "02:00:00:00:ea:02", "client-classes": ["gold"]}])
    cfg = basic_config(**{
        "subnet4": [sub],
        "option-data": [{"name": "log-servers", "data": "192.0.2.70"},
                        {"name": "cookie-servers", "data": "192.0.2.71"}],
        "client-classes": [
            {"name": "pxe", "test": "substring(option[60].hex, 0, 9) == 'PXEClient'", "next-server": "192.0.2.5",
             "server-hostname": "tftp", "boot-file-name": "pxelinux.0",
             "option-data": [{"name": "log-servers", "data": "192.0.2.80"},
                             {"name": "domain-name", "data": "pxe.example"}]},
            {"name": "VENDOR_CLASS_docsis3.0", "option-data": [{"name": "cookie-servers", "data": "192.0.2.81"}]},
            {"name": "gold", "option-data": [{"name": "impress-servers", "data": "192.0.2.82"}]},
            {"name": "late", "test": "member('UNKNOWN')", "only-if-required": True,
             "option-data": [{"name": "lpr-servers", "data": "192.0.2.83"}]},
            {"name": "DROP", "test": "pkt4.mac == 0x02000000eaff"}]})
    impl(cfg)
    prl = ["param_req_list", [1, 3, 6, 7, 8, 9, 10, 15]]

    def disc(mac, xid, *opts):
        r = lan.pkt.dhcp("discover", chaddr=mac, xid=xid, flags=0x8000, options=[prl, *opts])
        return r[0] if r else None

    p = disc("02:00:00:00:ea:01", 0xea01, ["vendor_class_id", "PXEClient:Arch:00000"])
    assert (p["siaddr"], p["sname"], p["file"]) == ("192.0.2.5", "tftp", "pxelinux.0"), p
    assert p["options"]["log_server"] == "192.0.2.80"            # class over global
    assert p["options"]["domain"] == "example.org"               # subnet over class
    assert 150 <= int(p["yiaddr"].split(".")[3]) <= 159          # unknown client
    assert p["options"]["lpr_server"] == "192.0.2.83"            # required by its pool
    d = disc("02:00:00:00:ea:03", 0xea03, ["vendor_class_id", "docsis3.0"])
    assert d["options"]["cookie_server"] == "192.0.2.81" and d["siaddr"] == "0.0.0.0"
    g = disc("02:00:00:00:ea:02", 0xea02)
    assert 100 <= int(g["yiaddr"].split(".")[3]) <= 109          # known: the KNOWN pool
    assert g["options"]["impress-servers"] == "192.0.2.82"        # the reservation's class
    assert "lpr_server" not in g["options"]
    assert disc("02:00:00:00:ea:ff", 0xeaff) is None             # DROP


def test_client_leaving_a_pools_class_as_kea(lan, impl):
    """A client whose lease is in a pool of class lab asks for it again once it is no longer in
    lab: a NAK (Kea's inPool with the client's classes); a new DISCOVER gets the open pool."""
    sub = subnet_config(pools=[{"pool": "192.0.2.100 - 192.0.2.109", "client-class": "lab"},
                               {"pool": "192.0.2.150 - 192.0.2.159"}])
    impl(basic_config(**{"subnet4": [sub], "authoritative": True,
                         "client-classes": [{"name": "lab", "test": "option[60].text == 'lab'"}]}))
    mac, lab = "02:00:00:00:eb:01", ["vendor_class_id", "lab"]
    o = lan.pkt.dhcp("discover", chaddr=mac, xid=0xeb01, flags=0x8000, options=[lab])
    a = lan.pkt.dhcp("request", chaddr=mac, xid=0xeb02, flags=0x8000,
                     options=[lab, ["requested_addr", o[0]["yiaddr"]], ["server_id", o[0]["options"]["server_id"]]])
    assert a[0]["msgtype"] == 5 and a[0]["yiaddr"].startswith("192.0.2.10")
    r = lan.pkt.dhcp("request", chaddr=mac, xid=0xeb03, flags=0x8000, options=[["requested_addr", a[0]["yiaddr"]]])
    assert [x["msgtype"] for x in r] == [6], r
    d = lan.pkt.dhcp("discover", chaddr=mac, xid=0xeb04, flags=0x8000)
    assert d[0]["yiaddr"].startswith("192.0.2.15")
