"""Log events operators grep carry Kea 2.2's message ids (issue 9 part 10): each scenario runs on
Nestor and on Debian's kea-dhcp4 2.2, and the same ids must show up in both logs."""
import json
import re
import signal
import time

from conftest import basic_config, wait_for
from test_protocol import dora
from test_protocol_kea import impl  # noqa: F401  (the fixture: one test on Nestor and on Kea)


def ids(srv):
    """The message ids in the server's log, with how often each occurs."""
    counts = {}
    for m in re.finditer(r"\b(DHCP4_[A-Z0-9_]+)\b", open(srv.log_path, errors="replace").read()):
        counts[m.group(1)] = counts.get(m.group(1), 0) + 1
    return counts


def logged(srv, msg_id, times=1):
    return wait_for(lambda: ids(srv).get(msg_id, 0) >= times, timeout=3)


def send(lan, msg, mac, xid, options=(), **kw):
    return lan.pkt.dhcp(msg, chaddr=mac, xid=xid, options=list(options), timeout=0.5, want=0, **kw)


def test_failed_start_logs_config_load_fail_and_init_fail(lan, impl):
    cfg = basic_config()
    cfg["Dhcp4"]["subnet4"][0]["pools"] = [{"pool": "10.0.0.1 - 10.0.0.9"}]
    try:
        impl(cfg)
    except AssertionError:
        pass
    else:
        raise AssertionError("the server started on a bad configuration")
    srv = impl.started[-1]
    found = ids(srv)
    assert "DHCP4_CONFIG_LOAD_FAIL" in found and "DHCP4_INIT_FAIL" in found, srv.log()
    line = next(x for x in open(srv.log_path) if "DHCP4_CONFIG_LOAD_FAIL" in x)
    assert srv.conf_path in line, line   # Kea's parameters: the file, then the reason


def test_reloads_log_kea_ids(lan, impl):
    srv = impl(basic_config())
    assert logged(srv, "DHCP4_CONFIG_COMPLETE", 1), srv.log()
    srv.signal(signal.SIGHUP)
    assert logged(srv, "DHCP4_DYNAMIC_RECONFIGURATION_SUCCESS", 1), srv.log()
    found = ids(srv)
    assert found.get("DHCP4_DYNAMIC_RECONFIGURATION") == 1 and found.get("DHCP4_CONFIG_COMPLETE") == 2, found
    line = next(x for x in open(srv.log_path) if "DHCP4_DYNAMIC_RECONFIGURATION_SUCCESS" in x)
    assert srv.conf_path in line, line
    assert srv.cmd("config-reload")["result"] == 0
    found = ids(srv)
    assert found.get("DHCP4_DYNAMIC_RECONFIGURATION") == 2 and found.get("DHCP4_DYNAMIC_RECONFIGURATION_SUCCESS") == 2
    assert found.get("DHCP4_CONFIG_COMPLETE") == 3, found
    cfg = json.loads(json.dumps(srv.config))
    cfg["Dhcp4"]["valid-lifetime"] = 700
    assert srv.cmd("config-set", cfg)["result"] == 0
    found = ids(srv)
    assert found.get("DHCP4_CONFIG_COMPLETE") == 4 and "DHCP4_CONFIG_RECEIVED" in found, found
    assert found.get("DHCP4_DYNAMIC_RECONFIGURATION") == 2       # not a reload of the file
    # a broken file: the reload fails with the file's name, the running configuration stays
    with open(srv.conf_path, "w") as f:
        f.write("{ broken")
    assert srv.cmd("config-reload")["result"] == 1
    found = ids(srv)
    assert found.get("DHCP4_CONFIG_LOAD_FAIL") == 1 and found.get("DHCP4_DYNAMIC_RECONFIGURATION_FAIL") == 1, found
    srv.signal(signal.SIGHUP)
    assert logged(srv, "DHCP4_DYNAMIC_RECONFIGURATION_FAIL", 2), srv.log()
    assert ids(srv).get("DHCP4_CONFIG_LOAD_FAIL") == 2
    assert srv.cmd("version-get")["result"] == 0


def test_decline_and_release_mismatches(lan, impl):
    srv = impl(basic_config())
    sid = ["server_id", lan.server_ip]
    _, ack = dora(lan, mac="02:00:00:00:f1:01", xid=0xf101)
    ip = ack["yiaddr"]
    free = "192.0.2.199" if ip != "192.0.2.199" else "192.0.2.198"
    send(lan, "decline", "02:00:00:00:f1:02", 0xf111, [sid, ["requested_addr", ip]])
    assert logged(srv, "DHCP4_DECLINE_LEASE_MISMATCH"), srv.log()
    line = next(x for x in open(srv.log_path) if "DHCP4_DECLINE_LEASE_MISMATCH" in x)
    assert ip in line and "02:00:00:00:f1:02" in line and "02:00:00:00:f1:01" in line, line
    send(lan, "decline", "02:00:00:00:f1:02", 0xf113, [sid, ["requested_addr", free]])
    assert logged(srv, "DHCP4_DECLINE_LEASE_NOT_FOUND"), srv.log()
    send(lan, "release", "02:00:00:00:f1:02", 0xf121, [sid], ciaddr=ip)
    assert logged(srv, "DHCP4_RELEASE_FAIL_WRONG_CLIENT"), srv.log()
    send(lan, "release", "02:00:00:00:f1:02", 0xf123, [sid], ciaddr=free)
    assert logged(srv, "DHCP4_RELEASE_FAIL_NO_LEASE"), srv.log()
    send(lan, "release", "02:00:00:00:f1:01", 0xf125, [sid], ciaddr=ip)
    assert logged(srv, "DHCP4_RELEASE"), srv.log()
    _, ack = dora(lan, mac="02:00:00:00:f1:03", xid=0xf131)
    send(lan, "decline", "02:00:00:00:f1:03", 0xf133, [sid, ["requested_addr", ack["yiaddr"]]])
    assert logged(srv, "DHCP4_DECLINE_LEASE"), srv.log()
    line = next(x for x in open(srv.log_path) if re.search(r"\bDHCP4_DECLINE_LEASE\b", x))
    assert ack["yiaddr"] in line and "86400" in line, line
    found = ids(srv)
    assert "DHCP4_DECLINE_FAIL" not in found and "DHCP4_RELEASE_FAIL" not in found


def test_drops_carry_kea_numbers(lan, impl):
    srv = impl(basic_config())
    mac = "02:00:00:00:f2:01"
    cases = [  # (id, message type, packet fields)
        ("DHCP4_PACKET_DROP_0003", "request", {"options": [["server_id", "192.0.2.254"],
                                                           ["requested_addr", "192.0.2.150"]]}),
        ("DHCP4_PACKET_DROP_0006", "offer", {}),
        ("DHCP4_PACKET_DROP_0005", 200, {}),
        ("DHCP4_PACKET_DROP_0009", None, {}),
        ("DHCP4_PACKET_DROP_0002", "inform", {}),
        ("DHCP4_PACKET_DROP_0007", "discover", {"hlen": 0}),          # no hardware address nor client-id
        ("DHCP4_PACKET_DROP_0007", "decline", {"options": [["server_id", lan.server_ip]]}),  # no option 50
    ]
    for n, (msg_id, msg, fields) in enumerate(cases):
        before = ids(srv).get(msg_id, 0)
        send(lan, msg, mac, 0xf201 + n, **fields)
        assert logged(srv, msg_id, before + 1), (msg_id, msg, srv.log())
    time.sleep(0.2)
    found = ids(srv)
    assert "DHCP4_PACKET_DROP_0010" not in found and "DHCP4_PACKET_DROP_0011" not in found, found
    assert srv.stat("pkt4-receive-drop") == len(cases)

