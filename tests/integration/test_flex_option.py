"""flex-option's sub-options (Kea 2.2's libdhcp_flex_option.so, built in here), side by side with
Debian's kea-dhcp4 2.2 and its flex_option hook: the same configuration and the same client
packets (crafted by scapy) go to both servers and the options each action touches must carry
the same bytes: add, supersede and remove of a sub-option inside option 43, a custom container
and option 125 (vendor-4491), with container-add and container-remove."""
import os

import pytest

from conftest import KEA, basic_config
from test_option_spaces import PXE_DEFS, VEO, both, same_options, suboptions, vivso

HOOK = "/usr/lib/x86_64-linux-gnu/kea/hooks/libdhcp_flex_option.so"
pytestmark = pytest.mark.skipif(not os.path.exists(KEA) or not os.path.exists(HOOK),
                                reason="kea-dhcp4 2.2 with its flex_option hook is not installed")


def flex_config():
    cfg = basic_config()
    d = cfg["Dhcp4"]
    d["option-def"] = PXE_DEFS + [
        {"name": "sub1", "code": 1, "space": "isc", "type": "ipv4-address"},
        {"name": "container", "code": 222, "type": "uint16", "encapsulate": "isc"}]
    s = d["subnet4"][0]
    s["option-data"] += [
        {"name": "vendor-encapsulated-options"},
        {"name": "pxe-menu-prompt", "space": VEO, "data": "0, Press F8"},
        {"name": "pxe-discovery-control", "space": VEO, "data": "3"},
        {"name": "container", "data": "258", "always-send": True},
        {"name": "sub1", "space": "isc", "data": "10.0.0.1"}]
    s["reservations"] = [{"hw-address": "02:00:00:00:44:03", "ip-address": "192.0.2.163", "option-data": [
        {"code": 43, "csv-format": False, "data": "06:01:0b"}]}]
    d["hooks-libraries"] = [{"library": HOOK, "parameters": {"options": [
        {"code": 43, "sub-options": [
            {"code": 1, "add": "ifelse(option[host-name].exists, option[host-name].text, '')"},
            {"name": "pxe-menu-prompt", "space": VEO, "csv-format": True,
             "supersede": "ifelse(option[60].text == 'sup', '9, flex prompt', '')"},
            {"code": 6, "remove": "option[60].text == 'rm'"},
            {"code": 7, "add": "ifelse(option[60].text == 'new', 'n', '')", "container-add": False}]},
        {"name": "container", "sub-options": [
            {"code": 1, "remove": "option[60].text == 'rm'", "container-remove": False},
            {"code": 2, "add": "ifelse(option[60].text == 'sup', 'two', '')"}]},
        {"code": 224, "client-class": "VENDOR_CLASS_new", "sub-options": [
            {"code": 5, "space": "isc", "add": "'x'"}]},
        {"code": 125, "sub-options": [
            {"code": 2, "space": "vendor-4491", "supersede": "ifelse(option[60].text == 'new', 'abc', '')"}]}]}}]
    return cfg


PRL = ["param_req_list", [1, 3, 43, 125]]


def test_flex_sub_options_as_kea(lan):
    queries = [{"mac": "02:00:00:00:44:01", "options": [PRL, ["hostname", "pc1"]]},
               {"mac": "02:00:00:00:44:02", "options": [PRL, ["vendor_class_id", "sup"]]},
               {"mac": "02:00:00:00:44:03", "options": [PRL, ["vendor_class_id", "rm"]]},
               {"mac": "02:00:00:00:44:04", "options": [["param_req_list", [1, 3]], ["vendor_class_id", "new"]]},
               {"mac": "02:00:00:00:44:05", "options": [PRL, ["vendor_class_id", "new"]]}]
    ours, kea = both(lan, flex_config(), queries)
    got = same_options(ours, kea, [43, 125, 222, 224])
    prompt, control = (10, b"\x00Press F8"), (6, b"\x03")
    # added in code order, before the configured ones (the hostname is also echoed in option 12)
    assert suboptions(got[0][43]) == [(1, b"pc1"), control, prompt]
    assert got[0][222] == b"\x01\x02" + bytes([1, 4, 10, 0, 0, 1]) and 125 not in got[0] and 224 not in got[0]
    # superseded with csv-format (the definition's record); added to the custom container
    assert suboptions(got[1][43]) == [control, (10, b"\x09flex prompt")]
    assert suboptions(got[1][222][2:]) == [(1, bytes([10, 0, 0, 1])), (2, b"two")]
    # the reservation's option 43 left empty goes (container-remove); the custom one stays
    assert 43 not in got[2] and got[2][222] == b"\x01\x02"
    # not asked for: no option 43, which container-add false does not create; option 125 and
    # 224 created for the sub-option, 125 as vendor 4491's
    assert 43 not in got[3] and got[3][224] == b"\x05\x01x"
    assert vivso(got[3][125]) == (4491, [(2, b"abc")])
    assert suboptions(got[4][43]) == [control, (7, b"n"), prompt]


def test_flex_sub_options_after_option_actions_and_vendors_as_kea(lan):
    """Sub-option actions run after the option actions (a removed option 43 is created again);
    a vendor sub-option leaves another vendor's option 125 alone; removing the last sub-option of
    option 125 removes it, and a later action of another vendor makes a new one."""
    cfg = basic_config(**{"option-data": [
        {"name": "tftp-servers", "space": "vendor-4491", "data": "192.0.2.1", "always-send": True},
        {"name": "vendor-encapsulated-options"}, {"code": 6, "space": VEO, "csv-format": False, "data": "03"}]})
    cfg["Dhcp4"]["hooks-libraries"] = [{"library": HOOK, "parameters": {"options": [
        {"code": 43, "remove": "option[60].text == 'again'"},
        {"code": 43, "sub-options": [{"code": 1, "add": "ifelse(option[60].text == 'again', 're', '')"}]},
        {"code": 125, "sub-options": [
            {"code": 2, "space": "vendor-4491", "remove": "option[60].text == 'rm'"},
            {"code": 3, "space": "vendor-339", "add": "'z'"}]}]}}]
    docsis = [125, "hex:0000118b00"]
    queries = [{"mac": "02:00:00:00:45:01", "options": [PRL, ["vendor_class_id", "again"]]},
               {"mac": "02:00:00:00:45:02", "options": [PRL, docsis, ["vendor_class_id", "rm"]]},
               {"mac": "02:00:00:00:45:03", "options": [PRL, docsis]},
               {"mac": "02:00:00:00:45:04", "options": [PRL]}]
    ours, kea = both(lan, cfg, queries)
    got = same_options(ours, kea, [43, 125])
    assert got[0][43] == b"\x01\x02re" and vivso(got[0][125]) == (339, [(3, b"z")])
    assert vivso(got[1][125]) == (339, [(3, b"z")])
    assert vivso(got[2][125]) == (4491, [(2, bytes([192, 0, 2, 1]))])
    assert suboptions(got[3][43]) == [(6, b"\x03")]
