"""The remaining Dhcp4 parameters of Kea 2.2 that real configurations carry: lease caching
(cache-threshold, cache-max-age), store-extended-info, reservation-mode (deprecated, mapped as
Kea maps it), numbers written .5, memfile's keys in a SQL lease-database, and the accepted
global ones (compatibility, dhcp-queue-control, parked-packet-limit, reservations-lookup-first,
early-global-reservations-lookup)."""
import copy
import json
import subprocess

from conftest import NESTOR, basic_config, subnet_config
from test_protocol import dora
from test_protocol_kea import impl  # noqa: F401  (Nestor and kea-dhcp4 2.2 on one configuration)


def test_lease_caching_reuses_a_young_lease_without_a_write(lan, server):
    srv = server(basic_config(**{"cache-threshold": .25}))
    _, a1 = dora(lan, mac="02:00:00:00:31:01", xid=0x3101)
    rows = open(srv.lease_file).read().count(a1["yiaddr"] + ",")
    before = srv.cmd("lease4-get", {"ip-address": a1["yiaddr"]})["arguments"]
    _, a2 = dora(lan, mac="02:00:00:00:31:01", xid=0x3111)
    assert a2["yiaddr"] == a1["yiaddr"]
    assert 590 <= a2["options"]["lease_time"] <= 600, a2["options"]
    after = srv.cmd("lease4-get", {"ip-address": a1["yiaddr"]})["arguments"]
    assert after["cltt"] == before["cltt"]                        # not rewritten
    assert open(srv.lease_file).read().count(a1["yiaddr"] + ",") == rows


def test_lease_caching_off_by_default_and_max_age(lan, server):
    srv = server(basic_config(**{"subnet4": [subnet_config(**{"cache-max-age": 0})]}))
    _, a1 = dora(lan, mac="02:00:00:00:31:02", xid=0x3121)
    rows = open(srv.lease_file).read().count(a1["yiaddr"] + ",")
    dora(lan, mac="02:00:00:00:31:02", xid=0x3131)
    assert open(srv.lease_file).read().count(a1["yiaddr"] + ",") == rows + 1


def test_store_extended_info_keeps_the_relay_agent_information(lan, server):
    srv = server(basic_config(**{"store-extended-info": True}))
    rai = ["relay_agent_information", "hex:0104706f7274"]          # circuit-id "port"
    _, a = dora(lan, mac="02:00:00:00:31:03", xid=0x3141, options=[rai])
    lease = srv.cmd("lease4-get", {"ip-address": a["yiaddr"]})["arguments"]
    assert lease["user-context"] == {"ISC": {"relay-agent-info": "0x52060104706F7274"}}, lease


def check(tmp_path, cfg):
    p = tmp_path / "c.json"
    p.write_text(json.dumps(cfg) if not isinstance(cfg, str) else cfg)
    return subprocess.run([NESTOR, "-t", str(p)], capture_output=True, text=True)


def test_reservation_mode_is_mapped_as_kea_maps_it(lan, server, tmp_path):
    cfg = basic_config(**{"reservation-mode": "global",
                          "reservations": [{"hw-address": "02:00:00:00:31:04", "ip-address": "192.0.2.44"}]})
    server(cfg)
    _, a = dora(lan, mac="02:00:00:00:31:04", xid=0x3151)
    assert a["yiaddr"] == "192.0.2.44"
    r = check(tmp_path, basic_config(**{"reservation-mode": "all", "reservations-global": True}))
    assert r.returncode == 1 and "reservation-mode" in r.stderr, r.stderr
    r = check(tmp_path, basic_config(**{"reservation-mode": "sometimes"}))
    assert r.returncode == 1 and "sometimes" in r.stderr, r.stderr


def test_accepted_keys(tmp_path):
    cfg = basic_config(**{"compatibility": {"lenient-option-parsing": True},
                          "dhcp-queue-control": {"enable-queue": True, "queue-type": "kea-ring4", "capacity": 64},
                          "parked-packet-limit": 256, "reservations-lookup-first": True,
                          "early-global-reservations-lookup": False, "cache-max-age": 30})
    cfg["Dhcp4"]["subnet4"][0]["reservation-mode"] = "out-of-pool"
    r = check(tmp_path, cfg)
    assert r.returncode == 0, r.stderr
    text = json.dumps(basic_config()).replace('"valid-lifetime": 600', '"t1-percent": .5, "calculate-tee-times": true,'
                                               ' "valid-lifetime": 600')
    assert check(tmp_path, text).returncode == 0
    sql = basic_config(**{"lease-database": {"type": "postgresql", "name": "kea", "persist": True,
                                             "lfc-interval": 3600}})
    assert check(tmp_path, sql).returncode == 0
    bad = basic_config(**{"cache-threshold": 1.5})
    r = check(tmp_path, bad)
    assert r.returncode == 1 and "cache-threshold" in r.stderr


def test_check_opens_no_log_file(tmp_path):
    """-t checks the loggers without opening their outputs, as Kea's -t."""
    log = tmp_path / "out.log"
    cfg = basic_config(**{"loggers": [{"name": "kea-dhcp4", "severity": "INFO",
                                       "output_options": [{"output": str(log)}]}]})
    r = check(tmp_path, cfg)
    assert r.returncode == 0, r.stderr
    assert not log.exists()


def test_lifetime_bounds_are_inherited_per_parameter(lan, impl):
    """A level that sets only valid-lifetime keeps the min-/max-valid-lifetime of the levels
    above it (Kea 2.2 derives each key into the levels below); a client asking for a lease time
    (option 51) gets it clamped to those bounds, by kea-dhcp4 2.2 and Nestor alike."""
    sub = subnet_config(**{"valid-lifetime": 300})
    cfg = basic_config(**{"valid-lifetime": 500, "min-valid-lifetime": 100, "subnet4": [],
                          "shared-networks": [{"name": "net", "valid-lifetime": 400, "max-valid-lifetime": 900,
                                               "subnet4": [sub]}]})
    srv = impl(cfg)
    got = {}
    for i, asked in enumerate((None, 50, 800, 5000)):
        opts = [["lease_time", asked]] if asked else []
        _, ack = dora(lan, mac=f"02:00:00:00:32:{i:02x}", xid=0x3200 + 16 * i, options=opts)
        got[asked] = ack["options"]["lease_time"]
    assert got == {None: 300, 50: 100, 800: 800, 5000: 900}, (got, srv.log())


def test_dhcp_queue_control_ring_keeps_the_newest(lan, impl):
    """dhcp-queue-control (kea-ring4, single-threaded): a full queue discards its oldest packet.
    Twelve DISCOVERs arrive while the server is stopped: with a capacity of 4 the last four are
    answered (Kea's main thread may take the first one before its receiver fills the ring), and
    the queue off (Kea's default) answers them all."""
    clients = [{"chaddr": f"02:00:00:00:33:{i:02x}", "xid": 0x3300 + i} for i in range(12)]
    srv = impl(basic_config(**{"dhcp-queue-control": {"enable-queue": True, "capacity": 4}}))
    assert srv.cmd("config-get")["arguments"]["Dhcp4"]["dhcp-queue-control"] == {
        "enable-queue": True, "capacity": 4, "queue-type": "kea-ring4"}
    replies = lan.pkt.burst("discover", clients, timeout=4, stop_pid=srv.proc.pid)
    answered = {r["xid"] - 0x3300 for r in replies}
    assert {8, 9, 10, 11} <= answered and answered - {8, 9, 10, 11} <= {0}, sorted(answered)
    cfg = copy.deepcopy(srv.config)
    cfg["Dhcp4"]["dhcp-queue-control"]["enable-queue"] = False
    assert srv.cmd("config-set", cfg)["result"] == 0
    replies = lan.pkt.burst("discover", [dict(c, xid=c["xid"] + 0x20) for c in clients], timeout=4,
                            stop_pid=srv.proc.pid)
    assert len(replies) == 12


def test_dhcp_queue_control_is_checked_as_kea(tmp_path):
    assert check(tmp_path, basic_config(**{"dhcp-queue-control": {"enable-queue": True}})).returncode == 0
    r = check(tmp_path, basic_config(**{"dhcp-queue-control": {"enable-queue": True, "queue-type": "fifo"}}))
    assert r.returncode == 1 and "'fifo' is not supported" in r.stderr, r.stderr
    r = check(tmp_path, basic_config(**{"dhcp-queue-control": {"capacity": 10}}))
    assert r.returncode == 1 and "requires 'enable-queue'" in r.stderr, r.stderr
    r = check(tmp_path, basic_config(**{"dhcp-queue-control": {"enable-queue": True, "capacity": -1}}))
    assert r.returncode == 1 and "capacity" in r.stderr, r.stderr
