"""The high-availability hook's parameters (libdhcp_ha.so's "high-availability"): nestor-dhcp4 -t
accepts Kea 2.2's HA example configurations (kea-dhcp4 2.2 -t too, when Debian's HA hook is
installed), and names the field of each error in a broken variant with file:line:col."""
import glob
import json
import os
import re
import subprocess

import pytest

from conftest import KEA, NESTOR, ask, wait_for

EXAMPLES = "/usr/share/doc/kea/examples"
KEA_HOOKS = "/usr/lib/x86_64-linux-gnu/kea/hooks"
LB = os.path.join(EXAMPLES, "kea4", "ha-load-balancing-primary.json")


def check(binary, path):
    return subprocess.run([binary, "-t", str(path)], capture_output=True, text=True, timeout=30, cwd="/tmp")


def kea_text(text):
    """The configuration with its hook paths where Debian installs them."""
    return text.replace("/opt/lib/kea/hooks", KEA_HOOKS)


def kea_has_ha():
    return os.path.exists(KEA) and os.path.exists(os.path.join(KEA_HOOKS, "libdhcp_ha.so"))


def strip_comments(text):
    return "\n".join(l for l in text.split("\n") if not l.lstrip().startswith("//"))


def hot_standby_from_kea6(tmp_path):
    """The HA entry of Kea's DHCPv6 hot-standby example, in a DHCPv4 configuration."""
    six = json.loads(strip_comments(open(os.path.join(EXAMPLES, "kea6", "ha-hot-standby.json")).read()))
    hooks = six["Dhcp6"]["hooks-libraries"]
    four = {"Dhcp4": {"interfaces-config": {"interfaces": []}, "hooks-libraries": hooks,
                      "subnet4": [{"id": 1, "subnet": "192.0.2.0/24"}]}}
    p = tmp_path / "ha-hot-standby4.json"
    p.write_text(json.dumps(four, indent=2))
    return p


def good_configs(tmp_path):
    files = sorted(glob.glob(os.path.join(EXAMPLES, "kea4", "ha-*.json")))
    files.append(str(hot_standby_from_kea6(tmp_path)))
    text = open(LB).read()
    pb = (text.replace('"mode": "load-balancing"', '"mode": "passive-backup"')
              .replace('"role": "secondary"', '"role": "backup"')
              .replace('"max-ack-delay": 5000,', '"wait-backup-ack": true,'))
    p = tmp_path / "ha-passive-backup4.json"
    p.write_text(pb)
    files.append(str(p))
    return files


@pytest.mark.skipif(not os.path.exists(LB), reason="kea-doc is not installed")
def test_kea_ha_examples_load(tmp_path):
    for path in good_configs(tmp_path):
        r = check(NESTOR, path)
        assert r.returncode == 0, (path, r.stdout + r.stderr)
        if kea_has_ha():
            k = tmp_path / ("kea-" + os.path.basename(path))
            k.write_text(kea_text(open(path).read()))
            r = check(KEA, k)
            assert r.returncode == 0, (path, r.stdout + r.stderr)


# (text replaced in Kea's load-balancing example, its replacement, where the error must point
# (the first occurrence of this text at or after the replacement, or anywhere with a leading '^'),
# the words of the error)
BROKEN = [
    ('"role": "secondary"', '"role": "primary"', '"role"', "peer 'server2' is a second primary"),
    ('"role": "secondary"', '"role": "standby"', '"role"', "role 'standby' of peer 'server2' does not fit mode"),
    ('"mode": "load-balancing"', '"mode": "hot-standby"', '^"role": "secondary"',
     "role 'secondary' of peer 'server2' does not fit mode 'hot-standby'"),
    ('"this-server-name": "server1"', '"this-server-name": "server3"', '"this-server-name"',
     "this-server-name 'server3' is not among the peers"),
    ('"mode": "load-balancing"', '"mode": "load-balancer"', '"mode"',
     "invalid mode 'load-balancer' (did you mean 'load-balancing'?)"),
    ('"url": "http://192.168.56.66:8000/"', '"url": "https://192.168.56.66:8000/"', '"url"',
     "url 'https://192.168.56.66:8000/' is https but TLS is not configured for peer 'server2'"),
    ('"url": "http://192.168.56.66:8000/"', '"url": "http://kea2.example.org:8000/"', '"url"',
     "the host 'kea2.example.org' must be an IPv4 address"),
    ('"url": "http://192.168.56.66:8000/"', '"url": "http://192.168.56.66:80000/"', '"url"', "invalid port"),
    ('"url": "http://192.168.56.66:8000/"', '"url": "ftp://192.168.56.66:8000/"', '"url"',
     "has the scheme 'ftp': only http and https are supported"),
    ('"heartbeat-delay": 10000', '"heartbeat-delay": 100000', '"heartbeat-delay"',
     "'heartbeat-delay' value 100000 is out of range 0..65535"),
    ('"max-ack-delay"', '"max-ack-dela"', '"max-ack-dela"',
     "unknown parameter 'max-ack-dela' in high-availability (did you mean 'max-ack-delay'?)"),
    ('"sync-timeout": 60000,', '"sync-timeout": 60000, "max-rejected-lease-updates": "5",',
     '"max-rejected-lease-updates"', "'max-rejected-lease-updates' must be an integer"),
    ('"role": "secondary"', '"role": "secondary", "cert-file": "/etc/kea/server2.pem"', '"cert-file"',
     "peer 'server2' has cert-file but trust-anchor is missing or empty"),
    ('"name": "server2"', '"name": "server1"', '"name"', "a peer named 'server1' is already specified"),
    ('"sync-timeout": 60000,', '"sync-timeout": 60000, "wait-backup-ack": true,', '"wait-backup-ack"',
     "'wait-backup-ack' must be false in mode 'load-balancing'"),
    ('"max-unacked-clients": 5,', '"max-unacked-clients": 5, "state-machine": {"states": [{"state": "wating"}]},',
     '"state"', "invalid state 'wating' (did you mean 'waiting'?)"),
]


def position(text, offset):
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


@pytest.mark.skipif(not os.path.exists(LB), reason="kea-doc is not installed")
@pytest.mark.parametrize("old,new,anchor,words", BROKEN, ids=[b[3][:40] for b in BROKEN])
def test_broken_variant_names_its_field(tmp_path, old, new, anchor, words):
    text = open(LB).read()
    at = text.index(old)
    bad = text[:at] + new + text[at + len(old):]
    where = bad.index(anchor[1:]) if anchor.startswith("^") else bad.index(anchor, at)
    line, col = position(bad, where)
    p = tmp_path / "bad.json"
    p.write_text(bad)
    r = check(NESTOR, p)
    assert r.returncode == 1, r.stdout + r.stderr
    errors = [l for l in r.stderr.strip().split("\n") if l]
    assert len(errors) == 1, r.stderr
    m = re.search(r"bad\.json:(\d+):(\d+): (.*)", errors[0])
    assert m, r.stderr
    assert (int(m.group(1)), int(m.group(2))) == (line, col), (r.stderr, line, col)
    assert words in m.group(3), r.stderr


def test_running_ha_starts_waiting_without_serving(tmp_path):
    """A configuration with libdhcp_ha.so runs: the HA service starts in waiting with the DHCP service
    disabled until its partner answers (tests/integration/test_ha_service.py runs pairs)."""
    sock = tmp_path / "ctrl.sock"
    cfg = {"Dhcp4": {"interfaces-config": {"interfaces": []},
                     "lease-database": {"type": "memfile", "persist": False},
                     "control-socket": {"socket-type": "unix", "socket-name": str(sock)},
                     "hooks-libraries": [{"library": "libdhcp_lease_cmds.so"}, {"library": "libdhcp_ha.so", "parameters": {
                         "high-availability": [{"this-server-name": "s1", "mode": "hot-standby", "peers": [
                             {"name": "s1", "url": "http://127.0.0.1:18761/", "role": "primary"},
                             {"name": "s2", "url": "http://127.0.0.1:18762/", "role": "standby"}]}]}}]}}
    p = tmp_path / "ha.json"
    p.write_text(json.dumps(cfg))
    assert check(NESTOR, p).returncode == 0
    proc = subprocess.Popen([NESTOR, "-c", str(p)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            cwd=str(tmp_path), env=dict(os.environ, KEA_PIDFILE_DIR=str(tmp_path)))
    try:
        assert wait_for(lambda: sock.exists() or proc.poll() is not None, timeout=10)
        assert proc.poll() is None, proc.stdout.read()
        st = wait_for(lambda: ask(str(sock), "status-get"), timeout=5)
        ha = st["arguments"]["high-availability"]
        assert ha[0]["ha-mode"] == "hot-standby"
        assert ha[0]["ha-servers"]["local"] == {"role": "primary", "scopes": [], "state": "waiting"}
        assert ha[0]["ha-servers"]["remote"]["last-state"] == ""
        assert ha[0]["ha-servers"]["remote"]["in-touch"] is False
    finally:
        proc.terminate()
        out = proc.communicate(timeout=10)[0]
    assert "HA_SERVICE_STARTED started high availability service in hot-standby mode as primary server" in out
    assert "HA_LOCAL_DHCP_DISABLE local DHCP service is disabled while the s1 is in the WAITING state" in out
