"""Client classification (Kea 2.2's client-classes) through real sockets, with scapy clients in
the client namespace: classes by expression and by vendor class, their options and boot fields,
KNOWN/UNKNOWN pools, DROP, required classes, class-restricted subnets of a shared network, class
lifetimes, and configuration errors that point at the expression."""
import json
import os
import subprocess

from conftest import NESTOR, basic_config, subnet_config
from test_control import HTTP_PORT, in_srv_http, with_http
from test_protocol_kea import impl  # noqa: F401  (Nestor and kea-dhcp4 2.2 on one configuration)

PRL = ["param_req_list", [1, 3, 6, 15, 51, 54, 66, 67]]


def discover(lan, mac, xid, options=()):
    offers = lan.pkt.dhcp("discover", chaddr=mac, xid=xid, flags=0x8000, options=[PRL, *options])
    assert len(offers) <= 1, offers
    return offers[0] if offers else None


def dora(lan, mac, xid, options=()):
    o = discover(lan, mac, xid, options)
    assert o, "no OFFER"
    acks = lan.pkt.dhcp("request", chaddr=mac, xid=xid + 1, flags=0x8000,
                        options=[PRL, ["server_id", o["options"]["server_id"]], ["requested_addr", o["yiaddr"]],
                                 *options])
    assert len(acks) == 1, acks
    return o, acks[0]


def test_pxe_class_by_vendor_option_sets_boot_fields_and_options(lan, server):
    cfg = basic_config(**{"client-classes": [
        {"name": "pxe", "test": "substring(option[60].hex, 0, 9) == 'PXEClient'",
         "next-server": "192.0.2.5", "server-hostname": "tftp.example", "boot-file-name": "pxelinux.0",
         "option-data": [{"name": "tftp-server-name", "data": "192.0.2.5"}]}]})
    server(cfg)
    o, a = dora(lan, "02:00:00:00:20:01", 0x2001, [["vendor_class_id", "PXEClient:Arch:00000:UNDI:002001"]])
    for r in (o, a):
        assert r["siaddr"] == "192.0.2.5" and r["file"] == "pxelinux.0" and r["sname"] == "tftp.example", r
        assert r["options"].get("tftp_server_name") in (b"192.0.2.5", "192.0.2.5"), r["options"]
    o2 = discover(lan, "02:00:00:00:20:02", 0x2011, [["vendor_class_id", "MSFT 5.0"]])
    assert o2["siaddr"] == "0.0.0.0" and o2["file"] == "" and "tftp_server_name" not in o2["options"], o2


def test_vendor_class_builtin_and_option_precedence(lan, server):
    """VENDOR_CLASS_<option 60> is assigned without a test; a class option wins over the global
    one and loses to the subnet's (Kea's order: host, pool, subnet, shared network, class, global)."""
    sub = subnet_config()
    sub["option-data"] = [o for o in sub["option-data"] if o["name"] != "domain-name"]
    sub["option-data"].append({"name": "time-servers", "data": "192.0.2.7"})
    cfg = basic_config(**{
        "subnet4": [sub],
        "option-data": [{"name": "domain-name", "data": "global.example"},
                        {"name": "log-servers", "data": "192.0.2.9"}],
        "client-classes": [{"name": "VENDOR_CLASS_docsis3.0",
                            "option-data": [{"name": "domain-name", "data": "cm.example"},
                                            {"name": "time-servers", "data": "192.0.2.8"}]}]})
    server(cfg)
    prl = [["param_req_list", [1, 3, 4, 6, 7, 15]]]
    cm = discover(lan, "02:00:00:00:21:01", 0x2101, [["vendor_class_id", "docsis3.0"], *prl])
    pc = discover(lan, "02:00:00:00:21:02", 0x2102, prl)
    assert "cm.example" in str(cm["options"]["domain"]) and "global.example" in str(pc["options"]["domain"])
    assert cm["options"]["time_server"] == "192.0.2.7" == pc["options"]["time_server"]   # subnet wins
    assert cm["options"]["log_server"] == "192.0.2.9"                                    # global still there


def test_known_and_unknown_clients_get_their_pools(lan, server):
    sub = subnet_config(pools=[{"pool": "192.0.2.100 - 192.0.2.109", "client-class": "KNOWN"},
                               {"pool": "192.0.2.150 - 192.0.2.159", "client-class": "UNKNOWN"}],
                        reservations=[{"hw-address": "02:00:00:00:22:01", "hostname": "known-one"}])
    cfg = basic_config(**{"subnet4": [sub], "client-classes": [{"name": "unused", "test": "pkt4.hlen == 6"}]})
    server(cfg)
    _, known = dora(lan, "02:00:00:00:22:01", 0x2201)
    _, unknown = dora(lan, "02:00:00:00:22:02", 0x2211)
    assert 100 <= int(known["yiaddr"].split(".")[3]) <= 109, known
    assert 150 <= int(unknown["yiaddr"].split(".")[3]) <= 159, unknown


def test_drop_class_drops_and_counts(lan, server):
    cfg = basic_config(**{"client-classes": [
        {"name": "DROP", "test": "pkt4.mac == 0x020000002301 or relay4[1].hex == 'evil'"}]})
    srv = server(cfg)
    assert discover(lan, "02:00:00:00:23:01", 0x2301) is None
    assert srv.stat("pkt4-receive-drop") == 1
    assert discover(lan, "02:00:00:00:23:02", 0x2311) is not None
    assert srv.stat("pkt4-receive-drop") == 1


def test_required_class_of_a_pool_is_evaluated_after_allocation(lan, server):
    sub = subnet_config(pools=[{"pool": "192.0.2.100 - 192.0.2.199", "require-client-classes": ["pool-extra"]}])
    cfg = basic_config(**{"subnet4": [sub], "client-classes": [
        {"name": "pool-extra", "test": "member('ALL')", "only-if-required": True,
         "option-data": [{"name": "log-servers", "data": "192.0.2.44"}]},
        {"name": "never", "test": "member('ALL')", "only-if-required": True,
         "option-data": [{"name": "cookie-servers", "data": "192.0.2.45"}]}]})
    server(cfg)
    o = discover(lan, "02:00:00:00:24:01", 0x2401, [["param_req_list", [1, 7, 8]]])
    assert o["options"]["log_server"] == "192.0.2.44", o["options"]
    assert "cookie_server" not in o["options"], o["options"]


def test_class_restricted_subnets_of_a_shared_network(lan, server):
    a = subnet_config(id=1, subnet="192.0.2.0/24", pools=[{"pool": "192.0.2.100 - 192.0.2.109"}],
                      **{"client-class": "lab"})
    b = {"id": 2, "subnet": "10.20.0.0/24", "pools": [{"pool": "10.20.0.10 - 10.20.0.19"}]}
    cfg = basic_config(**{"subnet4": [], "shared-networks": [{"name": "net", "interface": lan.srv_if,
                                                              "subnet4": [a, b]}],
                          "client-classes": [{"name": "lab", "test": "option[60].text == 'lab'"}]})
    server(cfg)
    lab = discover(lan, "02:00:00:00:25:01", 0x2501, [["vendor_class_id", "lab"]])
    other = discover(lan, "02:00:00:00:25:02", 0x2511)
    assert lab["yiaddr"].startswith("192.0.2.10"), lab
    assert other["yiaddr"].startswith("10.20.0.1"), other


def test_class_valid_lifetime(lan, server):
    cfg = basic_config(**{"client-classes": [
        {"name": "short", "test": "option[60].exists", "valid-lifetime": 300, "min-valid-lifetime": 200,
         "max-valid-lifetime": 400}]})
    server(cfg)
    o = discover(lan, "02:00:00:00:26:01", 0x2601, [["vendor_class_id", "x"]])
    assert o["options"]["lease_time"] == 300
    o = discover(lan, "02:00:00:00:26:02", 0x2611, [["vendor_class_id", "x"], ["lease_time", 9999]])
    assert o["options"]["lease_time"] == 400
    o = discover(lan, "02:00:00:00:26:03", 0x2621)
    assert o["options"]["lease_time"] == 600


def check(tmp_path, cfg):
    path = os.path.join(tmp_path, "c.json")
    with open(path, "w") as f:
        json.dump(cfg, f, indent=1)
    return subprocess.run([NESTOR, "-t", path], capture_output=True, text=True)


def test_bad_expression_is_reported_with_its_class_and_column(tmp_path):
    r = check(str(tmp_path), basic_config(**{"client-classes": [
        {"name": "ok", "test": "option[60].exists"},
        {"name": "bad", "test": "option[60].text == 'a' and"}]}))
    assert r.returncode == 1
    assert "client class 'bad'" in r.stderr and "column" in r.stderr and ":" in r.stderr, r.stderr
    r = check(str(tmp_path), basic_config(**{"client-classes": [
        {"name": "first", "test": "member('second')"}, {"name": "second", "test": "option[60].exists"}]}))
    assert r.returncode == 1 and "second" in r.stderr, r.stderr
    r = check(str(tmp_path), basic_config(**{"client-classes": [{"name": "a"}, {"name": "a"}]}))
    assert r.returncode == 1 and "defined twice" in r.stderr, r.stderr
    r = check(str(tmp_path), basic_config(**{"client-classes": [
        {"name": "a", "test": "member('KNOWN')"}, {"name": "b", "test": "member('a') and member('VENDOR_CLASS_x')"},
        {"name": "VENDOR_CLASS_x", "option-data": [{"name": "domain-name", "data": "x.example"}]}]}))
    assert r.returncode == 0, r.stderr


def test_class_commands_over_the_socket_and_http(lan, server):
    cfg = basic_config(**{
        "hooks-libraries": [{"library": "/usr/lib/x86_64-linux-gnu/kea/hooks/libdhcp_class_cmds.so"}],
        "client-classes": [{"name": "lab", "test": "option[60].text == 'lab'"}],
        "subnet4": [subnet_config(pools=[{"pool": "192.0.2.100 - 192.0.2.199", "client-class": "lab"}])]})
    srv = server(with_http(cfg))
    r = srv.cmd("class-list")
    assert r["result"] == 0 and r["arguments"]["client-classes"] == [{"name": "lab"}], r
    code, ans = in_srv_http(lan, HTTP_PORT, "class-get", {"name": "lab"}, user="admin", password="s3cret")
    assert code == 200 and ans[0]["result"] == 0, ans
    assert ans[0]["arguments"]["client-classes"][0]["only-if-required"] is False
    assert discover(lan, "02:00:00:00:27:01", 0x2701) is None          # not in lab: no pool
    add = {"client-classes": [{"name": "gold", "test": "option[60].text == 'gold'",
                               "option-data": [{"name": "log-servers", "data": "192.0.2.77"}]}]}
    assert srv.cmd("class-add", add) == {"result": 0, "text": "Class 'gold' added."}
    assert srv.cmd("class-add", add)["result"] == 1                   # a duplicate
    r = srv.cmd("class-get", {"name": "gold"})
    assert r["result"] == 0 and r["arguments"]["client-classes"][0]["test"] == "option[60].text == 'gold'", r
    assert r["arguments"]["client-classes"][0]["next-server"] == "0.0.0.0"
    assert srv.cmd("class-get", {"name": "nope"})["result"] == 3
    # update: lab now matches everyone, so the client gets the pool
    upd = {"client-classes": [{"name": "lab", "test": "member('ALL')"}]}
    assert srv.cmd("class-update", upd) == {"result": 0, "text": "Class 'lab' updated."}
    assert discover(lan, "02:00:00:00:27:01", 0x2711) is not None
    g = discover(lan, "02:00:00:00:27:02", 0x2721, [["vendor_class_id", "gold"], ["param_req_list", [7]]])
    assert g["options"]["log_server"] == "192.0.2.77", g
    # in use by a pool: refused; an unused class goes
    r = srv.cmd("class-del", {"name": "lab"})
    assert r["result"] == 1 and "pool" in r["text"], r
    assert srv.cmd("class-del", {"name": "gold"}) == {"result": 0, "text": "Class 'gold' deleted."}
    assert srv.cmd("class-del", {"name": "gold"})["result"] == 3
    assert [k["name"] for k in srv.cmd("config-get")["arguments"]["Dhcp4"]["client-classes"]] == ["lab"]
    # a bad test is refused and changes nothing
    bad = {"client-classes": [{"name": "bad", "test": "option[60].text =="}]}
    r = srv.cmd("class-add", bad)
    assert r["result"] == 1 and "column" in r["text"], r
    assert srv.cmd("class-list")["arguments"]["client-classes"] == [{"name": "lab"}]
    assert srv.cmd("class-add", {"client-classes": []})["result"] == 1


def test_flex_id_reservation_and_replace_client_id(lan, server):
    """flex-id (libdhcp_flex_id.so, built in): a reservation by an identifier made of the vendor
    class option; with replace-client-id the lease is known by 0x00 + that identifier."""
    cfg = basic_config(**{
        "hooks-libraries": [{"library": "libdhcp_flex_id.so",
                             "parameters": {"identifier-expression": "substring(option[60].hex, 0, 4)",
                                            "replace-client-id": True}}],
        "host-reservation-identifiers": ["flex-id", "hw-address"],
        "subnet4": [subnet_config(reservations=[{"flex-id": "'port'", "ip-address": "192.0.2.50"},
                                                {"flex-id": "01:02:03", "ip-address": "192.0.2.51"}])]})
    srv = server(cfg)
    _, a = dora(lan, "02:00:00:00:28:01", 0x2801, [["vendor_class_id", "port-1234"]])
    assert a["yiaddr"] == "192.0.2.50", a
    lease = srv.cmd("lease4-get", {"ip-address": "192.0.2.50"})["arguments"]
    assert lease["client-id"] == "00:70:6f:72:74", lease
    o = discover(lan, "02:00:00:00:28:02", 0x2811, [["vendor_class_id", "hex:010203"]])
    assert o["yiaddr"] == "192.0.2.51", o
    o = discover(lan, "02:00:00:00:28:03", 0x2821)                   # empty identifier: no reservation
    assert o["yiaddr"] not in ("192.0.2.50", "192.0.2.51"), o


def test_flex_option_add_supersede_remove(lan, server):
    cfg = basic_config(**{
        "client-classes": [{"name": "pxe", "test": "option[60].exists"}],
        "hooks-libraries": [{"library": "/usr/lib/x86_64-linux-gnu/kea/hooks/libdhcp_flex_option.so",
                             "parameters": {"options": [
                                 {"code": 67, "add": "ifelse(option[host-name].exists, "
                                                     "concat(option[host-name].text, '.boot'), '')"},
                                 {"name": "domain-name", "supersede": "'flex.example'", "client-class": "pxe"},
                                 {"code": 3, "remove": "option[60].exists"},
                                 {"name": "time-servers", "csv-format": True, "supersede": "'192.0.2.9'"}]}}]})
    server(cfg)
    a = discover(lan, "02:00:00:00:29:01", 0x2901, [["hostname", "pc1"]])
    assert a["options"]["boot-file-name"] in (b"pc1.boot", "pc1.boot"), a["options"]
    assert "example.org" in str(a["options"]["domain"]) and a["options"]["router"] == "192.0.2.1"
    assert a["options"]["time_server"] == "192.0.2.9"
    b = discover(lan, "02:00:00:00:29:02", 0x2911, [["vendor_class_id", "x"]])
    assert "boot-file-name" not in b["options"], b["options"]
    assert "flex.example" in str(b["options"]["domain"]) and "router" not in b["options"], b["options"]


def test_classification_is_logged_as_kea_logs_it(lan, server):
    cfg = basic_config(**{"client-classes": [{"name": "pxe", "test": "option[60].text == 'PXEClient'"},
                                             {"name": "other", "test": "option[60].text == 'x'"}]})
    srv = server(cfg)
    discover(lan, "02:00:00:00:2a:01", 0x2a01, [["vendor_class_id", "PXEClient"]])
    log = open(srv.log_path).read()
    assert "INFO  [kea-dhcp4.options" in log and "EVAL_RESULT Expression pxe evaluated to true" in log, log[-2000:]
    assert "EVAL_RESULT Expression other evaluated to false" in log
    assert "DHCP4_CLASS_ASSIGNED" in log and "ALL, VENDOR_CLASS_PXEClient, pxe" in log


def test_early_global_reservations_lookup_lets_reserved_classes_select_the_subnet(lan, server):
    a = subnet_config(id=1, subnet="192.0.2.0/24", pools=[{"pool": "192.0.2.100 - 192.0.2.109"}],
                      **{"client-class": "lab"})
    b = {"id": 2, "subnet": "10.20.0.0/24", "pools": [{"pool": "10.20.0.10 - 10.20.0.19"}]}
    cfg = basic_config(**{"subnet4": [], "shared-networks": [{"name": "net", "interface": lan.srv_if,
                                                              "subnet4": [a, b]}],
                          "client-classes": [{"name": "lab"}],
                          "reservations": [{"hw-address": "02:00:00:00:2b:01", "client-classes": ["lab"]}],
                          "early-global-reservations-lookup": True})
    srv = server(cfg)
    assert discover(lan, "02:00:00:00:2b:01", 0x2b01)["yiaddr"].startswith("192.0.2.10")
    assert discover(lan, "02:00:00:00:2b:02", 0x2b11)["yiaddr"].startswith("10.20.0.1")
    cfg["Dhcp4"]["early-global-reservations-lookup"] = False
    assert srv.cmd("config-set", cfg)["result"] == 0
    assert discover(lan, "02:00:00:00:2b:01", 0x2b21)["yiaddr"].startswith("10.20.0.1")


def test_flex_hook_parameters_are_checked(tmp_path):
    """Bad flex-id / flex-option parameters are refused naming the bad field."""
    def flexopt(entry):
        return basic_config(**{"hooks-libraries": [{"library": "libdhcp_flex_option.so",
                                                   "parameters": {"options": [entry]}}]})
    cases = [
        (flexopt({"code": 67, "add": "'a'", "remove": "true"}), "exactly one action"),
        (flexopt({"add": "'a'"}), "'code' or 'name'"),
        (flexopt({"name": "no-such-option", "add": "'a'"}), "no-such-option"),
        (flexopt({"code": 67}), "one action"),
        (flexopt({"code": 67, "add": "option[60].text =="}), "column"),
        (flexopt({"code": 67, "remove": "'text'"}), "remove"),
        (flexopt({"code": 43, "add": "'a'", "sub-options": []}), "'sub-options' and 'add' are incompatible"),
        (flexopt({"code": 3, "sub-options": [{"code": 1, "add": "'a'"}]}), "option 3 encapsulates no option space"),
        (flexopt({"code": 43, "sub-options": [{"code": 1, "add": "'a'"}, {"code": 1, "remove": "option[60].exists"}]}),
         "sub-option 1 of option 43 was already specified"),
        (flexopt({"code": 43, "sub-options": [{"code": 1, "add": "'a'", "container-ad": True}]}),
         "unknown parameter 'container-ad' in flex_option sub-options entry (did you mean 'container-add'?)"),
        (flexopt({"code": 43, "sub-options": [{"code": 1, "csv-format": True, "add": "'a'"}]}),
         "csv-format needs a definition of sub-option 1"),
        (flexopt({"code": 43, "sub-options": [{"code": 1, "add": "'a' =="}]}), "sub-option 1 of option 43"),
        (basic_config(**{"hooks-libraries": [{"library": "libdhcp_flex_id.so", "parameters": {}}]}),
         "identifier-expression"),
        (basic_config(**{"hooks-libraries": [{"library": "libdhcp_flex_id.so",
                                              "parameters": {"identifier-expression": "member('nope')"}}]}), "nope"),
    ]
    for cfg, needle in cases:
        r = check(str(tmp_path), cfg)
        assert r.returncode == 1 and needle in r.stderr, (cfg, r.stderr)


def test_option_text_and_suboptions_as_kea(lan, impl):
    """option[x].text of an option that is no string is Kea's rendering of it by its definition,
    option[a].option[b] finds sub-options only where a's definition encapsulates a space, and
    option 43 is decoded only after the first classification pass (a class evaluated after the
    host lookup sees its sub-options): each class marks the reply with an option of its own, and
    kea-dhcp4 2.2 marks it the same way on the same packet."""
    marks = {"addr": "boot-file-name", "raw": "tftp-server-name", "relay": "nis-domain", "early43": "root-path",
             "late43": "merit-dump"}
    tests = {"addr": "option[50].text == 'type=050, len=004: 192.0.2.77 (ipv4-address)'",
             "raw": "option[61].option[1].exists",
             "relay": "option[82].option[1].text == 'type=001, len=004: 70:6f:72:74'",
             "early43": "option[43].option[1].hex == 'abc'",
             "late43": "option[43].option[1].hex == 'abc' and not member('KNOWN')"}
    cfg = basic_config(**{"client-classes": [
        {"name": name, "test": test, "option-data": [{"name": marks[name], "data": name, "always-send": True}]}
        for name, test in tests.items()]})
    impl(cfg)
    o = discover(lan, "02:00:00:00:2c:01", 0x2c01, [["requested_addr", "192.0.2.77"], ["client_id", "hex:01020304"],
                                                     [82, "hex:0104706f7274"], [43, "hex:0103616263"]])
    assert o, "no OFFER"
    got = {k for k in ("boot-file-name", "tftp_server_name", "NIS_domain", "root_disk_path", "dump_path")
           if k in o["options"]}
    assert got == {"boot-file-name", "NIS_domain", "dump_path"}, o["options"]
