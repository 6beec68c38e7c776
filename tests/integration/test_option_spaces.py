"""Option spaces on the wire, side by side with Debian's kea-dhcp4 2.2: the same configuration and
the same client packets (crafted by scapy) go to both servers, and the bytes of the options built
from option spaces must be equal: PXE-style option 43 sub-options, a custom option encapsulating
a custom space (nested), option 125 with a vendor-<id> space (DOCSIS vendor-4491 and its ORO), at
the global, subnet, pool and reservation levels."""
import copy
import os
import shutil

import pytest

from conftest import KEA, Server, basic_config

pytestmark = pytest.mark.skipif(not os.path.exists(KEA), reason="kea-dhcp4 is not installed")

# Options whose values differ between the servers by design or are not under test here.
IGNORED = {51, 53, 54, 58, 59}


def options_of(reply):
    """The reply's options field as {code: bytes} (repeated codes concatenated, RFC 3396)."""
    b, i, out = bytes.fromhex(reply["options_hex"]), 0, {}
    while i < len(b) and b[i] != 255:
        if b[i] == 0:
            i += 1
            continue
        code, n = b[i], b[i + 1]
        out[code] = out.get(code, b"") + b[i + 2:i + 2 + n]
        i += 2 + n
    return out


def suboptions(data):
    """Sub-options (code, length, value) as a list of (code, bytes), in wire order."""
    i, out = 0, []
    while i + 2 <= len(data):
        out.append((data[i], data[i + 2:i + 2 + data[i + 1]]))
        i += 2 + data[i + 1]
    assert i == len(data), data.hex()
    return out


def vivso(data):
    """Option 125 (RFC 3925 §4): enterprise id and its sub-options."""
    assert data[4] == len(data) - 5, data.hex()
    return int.from_bytes(data[:4], "big"), suboptions(data[5:])


def serve(lan, config, binary, name, queries):
    """Starts one server, sends each query as a DISCOVER ({"mac", "options"}), stops it; the
    replies' options (None when there was no reply) and the scapy-decoded replies."""
    srv = Server(lan, copy.deepcopy(config), binary=binary, name=name)
    srv.config["Dhcp4"]["loggers"][0]["severity"] = "INFO"
    srv.start()
    try:
        out = []
        for i, q in enumerate(queries):
            for attempt in range(2):   # a server may open its DHCP sockets just after its control socket
                r = lan.pkt.dhcp("discover", chaddr=q["mac"], xid=0x4300 + i + 0x10 * attempt, flags=0x8000,
                                 options=q.get("options", []))
                if r or not q.get("answered", True):
                    break
            out.append(r[0] if r else None)
        return out
    finally:
        srv.stop()
        shutil.rmtree(srv.dir, ignore_errors=True)


def both(lan, config, queries):
    """Nestor's and Kea's replies to the same queries on the same configuration."""
    ours = serve(lan, config, None, "nestor", queries)
    kea = serve(lan, config, KEA, "kea", queries)
    return ours, kea


def same_options(ours, kea, codes):
    """Each reply carries the same bytes as Kea's for every option in codes (or lacks it too);
    returns Nestor's options."""
    got = []
    for o, k in zip(ours, kea):
        assert (o is None) == (k is None), (o, k)
        if o is None:
            got.append(None)
            continue
        oo, ko = options_of(o), options_of(k)
        for c in codes:
            assert oo.get(c) == ko.get(c), f"option {c}: nestor {oo.get(c)!r} kea {ko.get(c)!r}"
        # and nothing else differs in the options both servers chose to send
        assert set(oo) - IGNORED - {61} == set(ko) - IGNORED - {61}, (sorted(oo), sorted(ko))
        got.append(oo)
    return got


VEO = "vendor-encapsulated-options-space"
PXE_DEFS = [
    {"name": "pxe-discovery-control", "code": 6, "space": VEO, "type": "uint8"},
    {"name": "pxe-boot-servers", "code": 8, "space": VEO, "type": "record",
     "record-types": "uint16, uint8, ipv4-address"},
    {"name": "pxe-boot-menu", "code": 9, "space": VEO, "type": "record", "record-types": "uint16, uint8, string"},
    {"name": "pxe-menu-prompt", "code": 10, "space": VEO, "type": "record", "record-types": "uint8, string"},
]
PXE_CLIENT = [["vendor_class_id", "PXEClient:Arch:00000:UNDI:002001"], [93, "hex:0000"],
              ["param_req_list", [1, 3, 43, 60, 66, 67]]]


def pxe_config():
    cfg = basic_config()
    d = cfg["Dhcp4"]
    d["option-def"] = PXE_DEFS
    # global sub-options: not carried by the subnet's option 43 (Kea encapsulates per level)
    d["option-data"] = [{"name": "pxe-discovery-control", "space": VEO, "data": "8"},
                        {"name": "vendor-class-identifier", "data": "PXEClient"}]
    s = d["subnet4"][0]
    s["pools"] = [{"pool": "192.0.2.100 - 192.0.2.149"},
                  {"pool": "192.0.2.150 - 192.0.2.199", "option-data": [
                      {"name": "vendor-encapsulated-options"},
                      {"name": "pxe-menu-prompt", "space": VEO, "data": "5, pool prompt"}]}]
    s["option-data"] += [
        {"name": "vendor-encapsulated-options"},
        {"name": "pxe-menu-prompt", "space": VEO, "data": "0, Press F8"},
        {"name": "pxe-boot-menu", "space": VEO, "data": "32768, 11, Boot Linux"},
        {"name": "pxe-boot-servers", "space": VEO, "data": "32768, 1, 192.0.2.1"},
        # always-send on a sub-option does not send option 43 (Kea looks at dhcp4 options only)
        {"name": "pxe-discovery-control", "space": VEO, "data": "3", "always-send": True},
        {"name": "tftp-server-name", "data": "192.0.2.1"},
        {"name": "boot-file-name", "data": "pxelinux.0"}]
    s["reservations"] = [
        {"hw-address": "02:00:00:00:43:03", "ip-address": "192.0.2.160", "option-data": [
            {"code": 43, "csv-format": False, "data": "0A:04:00:48:6F:73"},
            {"name": "pxe-discovery-control", "space": VEO, "data": "11"}]},
        {"hw-address": "02:00:00:00:43:04", "ip-address": "192.0.2.170"}]
    return cfg


def test_pxe_option43_suboptions_as_kea(lan):
    queries = [{"mac": "02:00:00:00:43:01", "options": PXE_CLIENT},
               # not asked for: no option 43 (and no option 60: neither is always-send)
               {"mac": "02:00:00:00:43:02", "options": [["param_req_list", [1, 3]]]},
               # a reservation's option 43 (hex sub-options plus the reservation's own)
               {"mac": "02:00:00:00:43:03", "options": PXE_CLIENT},
               # a reserved address in the second pool: the pool's option 43
               {"mac": "02:00:00:00:43:04", "options": PXE_CLIENT},
               # Kea does not echo the client's option 60: sent only when asked for (or always-send)
               {"mac": "02:00:00:00:43:05", "options": [PXE_CLIENT[0], ["param_req_list", [1, 43]]]}]
    ours, kea = both(lan, pxe_config(), queries)
    got = same_options(ours, kea, [43, 60, 66, 67])
    # scapy decodes option 43 as vendor-specific information
    assert "vendor_specific" in ours[0]["options"]
    assert ours[0]["options"]["vendor_class_id"] == "PXEClient"
    assert suboptions(got[0][43]) == [
        (6, b"\x03"), (8, b"\x80\x00\x01\xc0\x00\x02\x01"), (9, b"\x80\x00\x0bBoot Linux"),
        (10, b"\x00Press F8")]
    assert 43 not in got[1] and 60 not in got[1]
    assert suboptions(got[2][43]) == [(6, b"\x0b"), (10, b"\x00Hos")]
    assert ours[3]["yiaddr"] == "192.0.2.170"
    assert suboptions(got[3][43]) == [(10, b"\x05pool prompt")]
    assert 60 not in got[4] and got[4][43] == got[0][43]


def test_custom_space_encapsulated_and_nested_as_kea(lan):
    cfg = basic_config()
    d = cfg["Dhcp4"]
    d["option-def"] = [
        {"name": "sub1", "code": 1, "space": "isc", "type": "ipv4-address"},
        {"name": "sub3", "code": 3, "space": "isc", "type": "uint8", "encapsulate": "deep"},
        {"name": "sub2", "code": 2, "space": "isc", "type": "string"},
        {"name": "d1", "code": 9, "space": "deep", "type": "uint16"},
        {"name": "container", "code": 222, "type": "uint16", "encapsulate": "isc"},
        {"name": "plain", "code": 223, "type": "string", "encapsulate": "isc"},
        {"name": "rec", "code": 225, "type": "record", "record-types": "uint8, ipv4-address",
         "encapsulate": "isc"}]
    d["option-data"] = [
        {"name": "sub2", "space": "isc", "data": "hello"},
        {"name": "container", "data": "258", "always-send": True},
        {"name": "sub1", "space": "isc", "data": "10.0.0.1"},
        {"name": "d1", "space": "deep", "data": "5"},
        {"name": "sub3", "space": "isc", "data": "7"},
        {"name": "plain", "data": "xyz"},
        {"name": "rec", "data": "1, 10.1.1.1"}]
    queries = [{"mac": "02:00:00:00:22:01", "options": [["param_req_list", [223, 225]]]},
               {"mac": "02:00:00:00:22:02"}]
    ours, kea = both(lan, cfg, queries)
    got = same_options(ours, kea, [222, 223, 225])
    assert got[0][222][:2] == b"\x01\x02"
    assert suboptions(got[0][222][2:]) == [(1, b"\x0a\x00\x00\x01"), (2, b"hello"), (3, b"\x07\x09\x02\x00\x05")]
    assert got[0][223] == b"xyz"          # a string option carries no sub-options
    assert got[0][225][5:] == got[0][222][2:]
    assert set(got[1]) & {222, 223, 225} == {222}     # always-send only


def test_vendor_4491_option125_as_kea(lan):
    cfg = basic_config()
    d = cfg["Dhcp4"]
    d["option-def"] = [{"name": "vlanid", "code": 2, "space": "vendor-339", "type": "uint32"},
                       {"name": "dls", "code": 3, "space": "vendor-339", "type": "string"}]
    d["option-data"] = [
        {"name": "tftp-servers", "space": "vendor-4491", "data": "192.0.2.1, 192.0.2.2"},
        {"code": 5, "space": "vendor-4491", "csv-format": False, "data": "ABCD", "always-send": True},
        {"name": "vivco-suboptions", "data": "4491, 03616263"}]
    s = d["subnet4"][0]
    s["option-data"] += [
        {"name": "vivso-suboptions", "data": "339"},
        {"name": "dls", "space": "vendor-339", "data": "sdlp://192.0.2.11:18443", "always-send": True},
        {"name": "vlanid", "space": "vendor-339", "data": "123"},
        {"name": "tftp-servers", "space": "vendor-4491", "data": "192.0.2.9"}]
    oro = (4491).to_bytes(4, "big") + bytes([4, 1, 2, 2, 9])       # DOCSIS ORO asks for 2 and 9
    queries = [{"mac": "02:00:00:00:7d:01", "options": [[125, "hex:" + oro.hex()]]},
               {"mac": "02:00:00:00:7d:02", "options": [[125, "hex:0000118b00"]]},
               {"mac": "02:00:00:00:7d:03", "options": [["param_req_list", [125, 124]]]},
               {"mac": "02:00:00:00:7d:04", "options": [[125, "hex:00000153"]]},
               {"mac": "02:00:00:00:7d:05", "options": [[125, "hex:0000000700"]]}]
    ours, kea = both(lan, cfg, queries)
    got = same_options(ours, kea, [124, 125])
    assert "vendor_specific_information" in ours[0]["options"]
    # the subnet's tftp-servers wins over the global one; 5 is always-send; 9 is not configured
    assert vivso(got[0][125]) == (4491, [(2, bytes([192, 0, 2, 9])), (5, b"\xab\xcd")])
    assert vivso(got[1][125]) == (4491, [(5, b"\xab\xcd")])
    # asked for 125: the configured vendor 339 with its always-send sub-option only
    assert vivso(got[2][125]) == (339, [(3, b"sdlp://192.0.2.11:18443")])
    assert got[2][124] == (4491).to_bytes(4, "big") + b"\x03abc"
    assert vivso(got[3][125]) == (339, [(3, b"sdlp://192.0.2.11:18443")])
    assert 125 not in got[4]             # a vendor with nothing configured
