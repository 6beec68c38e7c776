"""Statistics as Kea 2.2's (issue 9 part 10): after the same DORA / renew / release / decline /
reservation conflict / allocation failure / reclamation sequence, statistic-get-all names the same
statistics with the same values and the same sample history as Debian's kea-dhcp4 2.2 (Kea's
default of 20 samples per statistic, newest first, its timestamp format); the sample limits of the
configuration and of the statistic-sample-* commands apply as Kea's."""
import re
import time

from conftest import basic_config, subnet_config
from test_protocol import dora
from test_protocol_kea import impl  # noqa: F401  (the fixture: one test on Nestor and on Kea)

KEA_HISTORY = {  # kea-dhcp4 2.2's statistic-get-all after scenario(): every statistic's samples, newest first
    "cumulative-assigned-addresses": [4, 3, 2, 1, 0],
    "declined-addresses": [0, 1, 0],
    "pkt4-ack-received": [0],
    "pkt4-ack-sent": [5, 4, 3, 2, 1, 0],
    "pkt4-decline-received": [1, 0],
    "pkt4-discover-received": [6, 5, 4, 3, 2, 1, 0],
    "pkt4-inform-received": [0],
    "pkt4-nak-received": [0],
    "pkt4-nak-sent": [0],
    "pkt4-offer-received": [0],
    "pkt4-offer-sent": [5, 4, 3, 2, 1, 0],
    "pkt4-parse-failed": [0],
    "pkt4-receive-drop": [0],
    "pkt4-received": [13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
    "pkt4-release-received": [1, 0],
    "pkt4-request-received": [5, 4, 3, 2, 1, 0],
    "pkt4-sent": [10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
    "pkt4-unknown-received": [0],
    "reclaimed-declined-addresses": [1, 0],
    "reclaimed-leases": [2, 1, 0],
    "subnet[1].assigned-addresses": [3, 4, 3, 2, 1, 0, 1, 0],
    "subnet[1].cumulative-assigned-addresses": [4, 3, 2, 1, 0],
    "subnet[1].declined-addresses": [0, 1, 0],
    "subnet[1].reclaimed-declined-addresses": [1, 0],
    "subnet[1].reclaimed-leases": [1, 0],
    "subnet[1].total-addresses": [4],
    "subnet[1].v4-allocation-fail": [1],
    "subnet[1].v4-allocation-fail-classes": [1],
    "subnet[1].v4-allocation-fail-subnet": [1],
    "subnet[1].v4-reservation-conflicts": [1, 0],
    "subnet[2].assigned-addresses": [0, 1, 0],
    "subnet[2].cumulative-assigned-addresses": [0],
    "subnet[2].declined-addresses": [0],
    "subnet[2].reclaimed-declined-addresses": [0],
    "subnet[2].reclaimed-leases": [1, 0],
    "subnet[2].total-addresses": [11],
    "subnet[2].v4-reservation-conflicts": [0],
    "v4-allocation-fail": [1, 0],
    "v4-allocation-fail-classes": [1, 0],
    "v4-allocation-fail-no-pools": [0],
    "v4-allocation-fail-shared-network": [0],
    "v4-allocation-fail-subnet": [1, 0],
    "v4-reservation-conflicts": [1, 0],
}

STAMP = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$")


def config():
    cfg = basic_config(**{"decline-probation-period": 3,
                          "expired-leases-processing": {"reclaim-timer-wait-time": 3600,
                                                        "flush-reclaimed-timer-wait-time": 0,
                                                        "hold-reclaimed-time": 3600}})
    cfg["Dhcp4"]["subnet4"] = [
        subnet_config(pools=[{"pool": "192.0.2.100 - 192.0.2.103"}],
                      reservations=[{"hw-address": "02:00:00:00:c1:04", "ip-address": "192.0.2.103"}]),
        {"id": 2, "subnet": "198.51.100.0/24", "pools": [{"pool": "198.51.100.10 - 198.51.100.20"}]}]
    return cfg


def scenario(lan, srv):
    sid = ["server_id", lan.server_ip]
    _, a = dora(lan, mac="02:00:00:00:c1:01", xid=0xc101)
    r = lan.pkt.dhcp("request", chaddr="02:00:00:00:c1:01", xid=0xc103, ciaddr=a["yiaddr"], src=a["yiaddr"],
                     dst=lan.server_ip, dst_mac=lan.srv_mac)
    assert r[0]["msgtype"] == 5                                                      # renewed
    lan.pkt.dhcp("release", chaddr="02:00:00:00:c1:01", xid=0xc105, ciaddr=a["yiaddr"], options=[sid],
                 timeout=0.5, want=0)
    _, b = dora(lan, mac="02:00:00:00:c1:02", xid=0xc111)
    lan.pkt.dhcp("decline", chaddr="02:00:00:00:c1:02", xid=0xc113, options=[sid, ["requested_addr", b["yiaddr"]]],
                 timeout=0.5, want=0)
    # another client holds the reserved address: a reservation conflict
    assert srv.cmd("lease4-add", {"ip-address": "192.0.2.103", "hw-address": "02:00:00:00:c1:05"})["result"] == 0
    assert srv.cmd("lease4-add", {"ip-address": "198.51.100.10", "hw-address": "02:00:00:00:c1:06", "subnet-id": 2,
                                  "valid-lft": 100, "expire": int(time.time()) - 10})["result"] == 0  # expired
    r = lan.pkt.dhcp("discover", chaddr="02:00:00:00:c1:04", xid=0xc131, flags=0x8000)
    assert r[0]["yiaddr"] == "192.0.2.102"
    dora(lan, mac="02:00:00:00:c1:10", xid=0xc141)
    dora(lan, mac="02:00:00:00:c1:11", xid=0xc143)
    assert lan.pkt.dhcp("discover", chaddr="02:00:00:00:c1:12", xid=0xc145, flags=0x8000, timeout=1) == []
    time.sleep(3.5)                                                                  # the declined one expires
    assert srv.cmd("leases-reclaim", {"remove": False})["result"] == 0


def test_statistics_and_their_history_as_kea(lan, impl):
    srv = impl(config())
    scenario(lan, srv)
    got = srv.cmd("statistic-get-all")["arguments"]
    history = {name: [s[0] for s in samples] for name, samples in got.items()}
    assert history == KEA_HISTORY, {k: (history.get(k), KEA_HISTORY.get(k))
                                    for k in set(history) | set(KEA_HISTORY) if history.get(k) != KEA_HISTORY.get(k)}
    for samples in got.values():
        stamps = [s[1] for s in samples]
        assert all(STAMP.match(t) for t in stamps) and stamps == sorted(stamps, reverse=True), samples
    one = srv.cmd("statistic-get", {"name": "pkt4-received"})["arguments"]
    assert one == {"pkt4-received": got["pkt4-received"]}


def test_sample_limits(lan, impl):
    cfg = basic_config(**{"statistic-default-sample-count": 4})
    srv = impl(cfg)
    for i in range(6):
        lan.pkt.dhcp("discover", chaddr="02:00:00:00:c2:%02x" % i, xid=0xc201 + i, flags=0x8000)
    samples = lambda name: [s[0] for s in srv.cmd("statistic-get", {"name": name})["arguments"][name]]  # noqa: E731
    assert samples("pkt4-received") == [6, 5, 4, 3]
    assert srv.cmd("statistic-sample-count-set", {"name": "pkt4-received", "max-samples": 2})["result"] == 0
    assert samples("pkt4-received") == [6, 5]
    assert srv.cmd("statistic-sample-count-set-all", {"max-samples": 30})["result"] == 0
    for i in range(22):
        lan.pkt.dhcp("discover", chaddr="02:00:00:00:c3:%02x" % i, xid=0xc301 + i, flags=0x8000)
    assert samples("pkt4-received") == list(range(28, 4, -1))                   # the 2 kept, then 22 more
    assert srv.cmd("statistic-sample-age-set", {"name": "pkt4-received", "duration": 3600})["result"] == 0
    assert samples("pkt4-received")[0] == 28 and len(samples("pkt4-received")) == 24
    assert srv.cmd("statistic-reset", {"name": "pkt4-received"})["result"] == 0
    assert samples("pkt4-received") == [0]
