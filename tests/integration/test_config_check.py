"""Configuration checks and config-get as Kea 2.2's: nestor-dhcp4 -t lists every error it finds
(each 'file:line:col: message'), tells a Kea 2.2 key Nestor does not build from an unknown one,
and checks loggers without opening their files; config-get shows Kea 2.2's defaults, compared
with kea-dhcp4 2.2's config-get on the same configuration."""
import json
import os
import re
import subprocess

import pytest

from conftest import KEA, NESTOR, Server, basic_config, subnet_config


def check(tmp_path, cfg):
    p = tmp_path / "c.json"
    p.write_text(cfg if isinstance(cfg, str) else json.dumps(cfg, indent=2))
    return subprocess.run([NESTOR, "-t", str(p)], capture_output=True, text=True, timeout=20)


def test_check_lists_every_error(tmp_path):
    cfg = basic_config(**{"valid-lifetim": 100, "dhcp-ddns": {"enable-updates": False},
                          "renew-timer": "soon"})
    cfg["Dhcp4"]["subnet4"].append(subnet_config(id=2, subnet="10.0.0.0/33"))
    cfg["Dhcp4"]["subnet4"][0]["pools"].append({"pool": "192.0.2.10 - 192.0.2.20", "option-dat": []})
    r = check(tmp_path, cfg)
    assert r.returncode == 1
    lines = r.stderr.strip().split("\n")
    assert all(re.match(r"Syntax check failed with: .*c\.json:\d+:\d+: ", l) for l in lines), r.stderr
    text = r.stderr
    assert "unknown parameter 'valid-lifetim' in Dhcp4 (did you mean 'valid-lifetime'?)" in text
    assert "'dhcp-ddns' in Dhcp4 is a Kea 2.2 parameter that Nestor does not support yet" in text
    assert "'renew-timer' must be an integer" in text
    assert "invalid subnet '10.0.0.0/33'" in text
    assert "unknown parameter 'option-dat' in pools entry (did you mean 'option-data'?)" in text
    assert len(lines) == 5, text


def test_check_does_not_open_log_files(tmp_path):
    log = tmp_path / "logs" / "nestor.log"
    cfg = basic_config(loggers=[{"name": "kea-dhcp4", "severity": "INFO",
                                 "output_options": [{"output": str(log)}]}])
    r = check(tmp_path, cfg)
    assert r.returncode == 0, r.stderr                  # the directory does not even exist
    assert not log.exists() and not log.parent.exists()
    os.mkdir(log.parent)
    assert check(tmp_path, cfg).returncode == 0
    assert not log.exists()
    bad = basic_config(loggers=[{"name": "kea-dhcp4", "output_options": [{"output": str(log), "maxver": "x"}]}])
    assert check(tmp_path, bad).returncode == 1          # the loggers are still checked


# Keys of kea-dhcp4 2.2's answer that Nestor does not build (DDNS, DHCPv4-over-DHCPv6) and so
# does not show: its config-get answer stays a valid config-set argument.
NOT_BUILT = re.compile(r"^(ddns-|hostname-char-|dhcp-ddns$|dhcp4o6-port$|4o6-)")


def kea_shape(x):
    if isinstance(x, dict):
        return {k: kea_shape(v) for k, v in x.items() if not NOT_BUILT.match(k)}
    if isinstance(x, list):
        return [kea_shape(v) for v in x]
    return x


def config_for_defaults(lan, tmp):
    """A configuration that leaves most parameters to their defaults, at every level."""
    return {"Dhcp4": {
        "interfaces-config": {"interfaces": [lan.srv_if]},
        "lease-database": {"type": "memfile", "name": os.path.join(tmp, "leases4.csv"), "lfc-interval": 0},
        "valid-lifetime": 500, "max-valid-lifetime": 900, "renew-timer": 100, "cache-threshold": 0.3,
        "store-extended-info": True, "reservation-mode": "out-of-pool",
        # option-def by space name, option-data by space with vendor spaces last, each as written within
        "option-def": [{"name": "my-opt", "code": 222, "type": "uint8"}, {"name": "b", "code": 230, "type": "uint8"},
                       {"name": "z1", "code": 9, "space": "zzz", "type": "uint8"},
                       {"name": "a1", "code": 5, "space": "aaa", "type": "uint8"},
                       {"name": "a0", "code": 2, "space": "aaa", "type": "uint8"},
                       {"name": "v", "code": 3, "space": "vendor-99", "type": "uint8"}],
        # by space in Kea's answer; hex data as Kea prints it; an option without data as built
        "option-data": [{"name": "domain-name-servers", "data": "192.0.2.53"}, {"code": 222, "data": "7"},
                        {"name": "vendor-encapsulated-options"},
                        {"code": 1, "space": "vendor-encapsulated-options-space", "csv-format": False, "data": "0a:0b"},
                        {"name": "tftp-server-name", "csv-format": False, "data": "61 62"},
                        {"name": "a1", "space": "aaa", "data": "1"}, {"name": "v", "space": "vendor-99", "data": "2"},
                        {"name": "z1", "space": "zzz", "data": "3"}, {"name": "a0", "space": "aaa", "data": "4"}],
        "host-reservation-identifiers": ["hw-address", "duid", "circuit-id", "client-id", "flex-id"],
        "reservations": [{"hw-address": "02:00:00:00:aa:01", "hostname": "h"},
                         {"client-id": "01:02", "hostname": "x",
                          "option-data": [{"name": "domain-name-servers", "data": "10.1.1.1"}]},
                         {"flex-id": "'abc'", "hostname": "y"}, {"hw-address": "00:01:02:03:04:05", "hostname": "z"}],
        "loggers": [{"name": "kea-dhcp4", "severity": "INFO", "output_options": [{"output": "stdout"}]}],
        "client-classes": [{"name": "c1", "test": "option[60].exists",
                            "option-data": [{"name": "domain-name", "data": "x.example"}]},
                           {"name": "c2", "only-if-required": True, "valid-lifetime": 100}],
        "compatibility": {"lenient-option-parsing": True}, "dhcp-queue-control": {"enable-queue": True},
        "sanity-checks": {"lease-checks": "fix"},
        "shared-networks": [{"name": "net", "valid-lifetime": 300, "t1-percent": 0.3, "calculate-tee-times": True,
                             "relay": {"ip-addresses": ["192.0.2.254"]}, "interface": lan.srv_if,
                             "subnet4": [{"id": 2, "subnet": "10.0.0.0/24", "pools": [{"pool": "10.0.0.0/28"}]}]},
                            {"name": "a-net", "subnet4": [{"id": 3, "subnet": "10.1.0.0/24"}]}],
        # pools by address, as a prefix when they are one; reservations by identifier, in Kea's forms
        "subnet4": [{"id": 1, "subnet": "192.0.2.0/24", "rebind-timer": 200, "cache-max-age": 10,
                     "relay": {"ip-address": "192.0.2.250"}, "client-class": "c1",
                     "pools": [{"pool": "192.0.2.100 - 192.0.2.199"},
                               {"pool": "192.0.2.16 - 192.0.2.31", "client-class": "c1",
                                "require-client-classes": ["c2"]}],
                     "option-data": [{"code": 3, "data": "192.0.2.1"}],
                     "reservations": [{"hw-address": "02:00:00:00:aa:02", "ip-address": "192.0.2.5"},
                                      {"client-id": "01:aa:bb", "ip-address": "192.0.2.6"},
                                      {"circuit-id": "'eth0'", "ip-address": "192.0.2.7"},
                                      {"duid": "0A:0B:0C", "hostname": "d"},
                                      {"hw-address": "AA:BB:CC:DD:EE:01", "client-classes": ["c1"]}]},
                    {"id": 4, "subnet": "10.4.0.0/24"}],
    }}


def same_defaults(kea, ours, path="Dhcp4"):
    """Every key of kea's answer (but normalised text values Nestor keeps as written) is in ours
    with the same value; ours has no key kea's lacks."""
    if isinstance(kea, dict):
        assert isinstance(ours, dict), path
        assert set(kea) == set(ours), (path, sorted(set(kea) ^ set(ours)))
        for k in kea:
            same_defaults(kea[k], ours[k], f"{path}/{k}")
    elif isinstance(kea, list):
        assert isinstance(ours, list) and len(kea) == len(ours), path
        for i, (a, b) in enumerate(zip(kea, ours)):
            same_defaults(a, b, f"{path}/{i}")
    elif path.endswith(("/pool", "/hw-address", "/control-socket/socket-name", "/name")) and isinstance(kea, str):
        assert kea.replace(" ", "") == ours.replace(" ", ""), (path, kea, ours)
    else:
        assert kea == ours, (path, kea, ours)


def on_both(lan, tmp_path, config, run):
    """{"kea": run(srv, name, workdir), "nestor": ...}: kea-dhcp4 2.2, then Nestor, each started
    on config(workdir) in its own work directory."""
    answers = {}
    for name, binary in (("kea", KEA), ("nestor", None)):
        workdir = str(tmp_path / name)
        os.mkdir(workdir)
        srv = Server(lan, config(workdir), binary=binary, workdir=workdir, name=name)
        srv.start()
        try:
            answers[name] = run(srv, name, workdir)
        finally:
            srv.stop()
    return answers


@pytest.mark.skipif(not os.path.exists(KEA), reason="kea-dhcp4 is not installed")
def test_config_get_shows_keas_defaults(lan, tmp_path):
    def run(srv, name, workdir):
        answer = srv.cmd("config-get")["arguments"]["Dhcp4"]
        if name == "nestor":   # what config-get shows is a configuration config-set takes
            again = srv.cmd("config-set", {"Dhcp4": answer})
            assert again["result"] == 0, again
            assert srv.cmd("config-get")["arguments"]["Dhcp4"] == answer
        return answer
    answers = on_both(lan, tmp_path, lambda workdir: config_for_defaults(lan, workdir), run)
    kea, ours = kea_shape(answers["kea"]), answers["nestor"]
    # Kea 2.2 leaves compatibility out (its config-write loses it); Nestor keeps it
    assert "compatibility" not in kea and ours.pop("compatibility") == {"lenient-option-parsing": True}
    for a in (kea, ours):          # paths differ by work directory
        a["control-socket"]["socket-name"] = os.path.basename(a["control-socket"]["socket-name"])
        a["lease-database"]["name"] = os.path.basename(a["lease-database"]["name"])
    same_defaults(kea, ours)


def subnet_ids(dhcp4):
    """{prefix: id} of every subnet in a config-get answer, inside shared networks too."""
    subnets = list(dhcp4.get("subnet4", []))
    for n in dhcp4.get("shared-networks", []):
        subnets += n.get("subnet4", [])
    return {s["subnet"]: s["id"] for s in subnets}


def ids_config(lan, tmp, extra_net_subnet=False):
    """Subnets without an id, with id 0 and with explicit ids, in subnet4 and in shared networks."""
    net_a = [{"subnet": "10.1.1.0/24"}, {"subnet": "10.1.2.0/24", "id": 30}]
    if extra_net_subnet:
        net_a.insert(0, {"subnet": "10.1.0.0/24"})
    return {"Dhcp4": {
        "interfaces-config": {"interfaces": [lan.srv_if]},
        "lease-database": {"type": "memfile", "name": os.path.join(tmp, "leases4.csv"), "lfc-interval": 0},
        "subnet4": [{"subnet": "192.0.2.0/24", "pools": [{"pool": "192.0.2.100 - 192.0.2.199"}]},
                    {"subnet": "10.0.2.0/24", "id": 7}, {"subnet": "10.0.3.0/24", "id": 0}],
        "shared-networks": [{"name": "a", "subnet4": net_a},
                            {"name": "b", "subnet4": [{"subnet": "10.2.1.0/24"}]}],
    }}


@pytest.mark.skipif(not os.path.exists(KEA), reason="kea-dhcp4 is not installed")
def test_subnets_without_id_are_numbered_as_kea(lan, tmp_path):
    """Kea 2.2 numbers subnets without an id from 1 in its parse order (shared networks' subnets,
    then subnet4's), explicit ids not counted, again from 1 on every configuration."""
    def run(srv, name, workdir):
        first = subnet_ids(srv.cmd("config-get")["arguments"]["Dhcp4"])
        r = srv.cmd("config-set", srv.complete(ids_config(lan, workdir, extra_net_subnet=True)))
        assert r["result"] == 0, r
        second = subnet_ids(srv.cmd("config-get")["arguments"]["Dhcp4"])
        assert srv.cmd("config-reload")["result"] == 0      # the file: the first configuration
        return first, second, subnet_ids(srv.cmd("config-get")["arguments"]["Dhcp4"])
    answers = on_both(lan, tmp_path, lambda workdir: ids_config(lan, workdir), run)
    assert answers["nestor"] == answers["kea"], answers
    first, second, third = answers["nestor"]
    assert first == {"10.1.1.0/24": 1, "10.2.1.0/24": 2, "192.0.2.0/24": 3, "10.0.3.0/24": 4,
                     "10.0.2.0/24": 7, "10.1.2.0/24": 30}
    assert second["192.0.2.0/24"] == 4 and third == first
