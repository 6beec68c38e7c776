"""Kea 2.2's lease6 memfile, written by Debian's kea-dhcp6, read by csv6 (src/lease/csv6.h).

Kea serves perfdhcp -6 clients in the LAN's namespaces (IA_NA; then IA_NA + IA_PD with
releases), takes lease6-add/-update/-del commands (escaped hostname and user context, infinite
lifetimes, a lease left to expire and be reclaimed), and a client's Decline
(dhcp6client.py). Then every row of the file it wrote must parse and format again byte for byte
(tests/unit/lease/csv6_kea_check), the leases left must be those Kea's lease6-get-all shows,
field for field, and their compacted file must be kea-lfc's output, byte for byte.

NESTOR_UPDATE_FIXTURES=1 copies both files to tests/unit/lease/fixtures/, where the unit test
test_csv6.c checks them on every build."""
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile

import pytest

from conftest import BUILD, HERE, Server, sh, wait_for

KEA6 = shutil.which("kea-dhcp6") or "/usr/sbin/kea-dhcp6"
PERFDHCP = shutil.which("perfdhcp") or "/usr/sbin/perfdhcp"
LFC = shutil.which("kea-lfc") or "/usr/sbin/kea-lfc"
HOOK = (glob.glob("/usr/lib/*/kea/hooks/libdhcp_lease_cmds.so") or ["libdhcp_lease_cmds.so"])[0]
CHECK = os.path.join(BUILD, "tests", "unit", "lease", "csv6_kea_check")
FIXTURES = os.path.join(HERE, "..", "unit", "lease", "fixtures")

pytestmark = pytest.mark.skipif(not all(os.path.exists(p) for p in (KEA6, PERFDHCP, LFC)),
                                reason="kea-dhcp6, perfdhcp and kea-lfc are needed")


class Kea6(Server):
    """kea-dhcp6 in the server namespace, on memfile, with the lease commands hook."""

    def __init__(self, lan, workdir):
        super().__init__(lan, {}, binary=KEA6, workdir=workdir, name="kea6")

    def complete(self, config):
        self.lease_file = os.path.join(self.dir, "leases6.csv")
        config.pop("Dhcp4", None)
        config["Dhcp6"] = {
            "data-directory": self.dir,
            "interfaces-config": {"interfaces": [self.lan.srv_if]},
            "control-socket": {"socket-type": "unix", "socket-name": self.sock},
            "lease-database": {"type": "memfile", "name": self.lease_file, "lfc-interval": 0},
            "hooks-libraries": [{"library": HOOK}],
            # reclaimed leases are kept (state 2) while flush-reclaimed-timer-wait-time is not 0
            "expired-leases-processing": {"reclaim-timer-wait-time": 1},
            "preferred-lifetime": 3000, "valid-lifetime": 4000,
            "renew-timer": 1000, "rebind-timer": 2000,
            "subnet6": [{"id": 7, "subnet": "2001:db8:1::/64", "interface": self.lan.srv_if,
                         "rapid-commit": True,
                         "pools": [{"pool": "2001:db8:1::100 - 2001:db8:1::1ff"}],
                         "pd-pools": [{"prefix": "2001:db8:8000::", "prefix-len": 48,
                                       "delegated-len": 64}]}],
            "loggers": [{"name": "kea-dhcp6", "severity": "INFO",
                         "output_options": [{"output": "stdout"}]}]}
        return config


def ipv6_up(lan):
    """Link-local addresses usable at once on both ends (no duplicate address detection)."""
    for ns, ifname in ((lan.srv_ns, lan.srv_if), (lan.cli_ns, lan.cli_if)):
        sh("ip", "netns", "exec", ns, "sysctl", "-qw", f"net.ipv6.conf.{ifname}.accept_dad=0")
        ok = wait_for(lambda: "scope link" in (out := sh("ip", "-n", ns, "-6", "addr", "show", "dev", ifname).stdout)
                      and "tentative" not in out, timeout=10)
        assert ok, f"no link-local address on {ifname}"


def perfdhcp(lan, *args):
    return subprocess.run(lan.in_cli(PERFDHCP, "-6", "-l", lan.cli_if, *args),
                          capture_output=True, text=True, timeout=60)


def rows(path):
    with open(path) as f:
        return f.read().splitlines()[1:]


def check(path, *args):
    r = subprocess.run([CHECK, path, *args], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return r.stdout


def kea_lfc(workdir, path):
    """The file kea-lfc 2.2 makes of path (its copy of the lease file)."""
    d = tempfile.mkdtemp(dir=workdir)
    shutil.copy(path, os.path.join(d, "copy.csv"))
    open(os.path.join(d, "prev.csv"), "w").close()
    env = dict(os.environ, KEA_LOCKFILE_DIR="none", KEA_PIDFILE_DIR=d)
    sh(LFC, "-6", "-p", f"{d}/pid", "-x", f"{d}/prev.csv", "-i", f"{d}/copy.csv",
       "-o", f"{d}/out.csv", "-f", f"{d}/finish.csv", "-c", "/dev/null", env=env)
    return open(os.path.join(d, "prev.csv")).read()  # kea-lfc ends by renaming finish to prev


def as_kea_shows(lease):
    """A lease6-get-all entry with the keys Kea leaves out when empty filled in."""
    l = dict(lease)
    l.setdefault("hw-address", "")
    l.setdefault("prefix-len", 128)
    return {k: l.get(k) for k in ("ip-address", "type", "prefix-len", "duid", "iaid", "valid-lft",
                                  "cltt", "subnet-id", "preferred-lft", "hostname", "hw-address",
                                  "state", "fqdn-fwd", "fqdn-rev", "user-context")}


@pytest.fixture
def workdir():
    d = tempfile.mkdtemp(prefix="nestor-csv6-")
    yield d
    shutil.rmtree(d, ignore_errors=True)


def test_kea_lease6_file_round_trips(lan, workdir):
    assert os.path.exists(CHECK), f"build csv6_kea_check first ({CHECK})"
    ipv6_up(lan)
    kea = Kea6(lan, workdir)
    kea.start()
    try:
        # IA_NA, then IA_NA + IA_PD for other clients, who release a few of them.
        perfdhcp(lan, "-r", "50", "-n", "20", "-R", "20")
        perfdhcp(lan, "-e", "address-and-prefix", "-r", "50", "-n", "12", "-R", "12", "-F", "10",
                 "-b", "mac=00:0c:01:02:0a:00")
        for cmd, args in (
                ("lease6-add", {"ip-address": "2001:db8:1::50", "duid": "01:02:03:04", "iaid": 5,
                                "subnet-id": 7, "hostname": "Host,One&Two.Example",
                                "hw-address": "aa:bb:cc:dd:ee:ff", "fqdn-fwd": True,
                                "user-context": {"a": "x,y", "b": [1, {"c": True}]}}),
                ("lease6-add", {"ip-address": "2001:db8:8001::", "type": "IA_PD", "prefix-len": 56,
                                "duid": "0a:0b", "iaid": 4294967295, "subnet-id": 7,
                                "valid-lft": 4294967295, "preferred-lft": 4294967295}),
                ("lease6-add", {"ip-address": "2001:db8:1::51", "duid": "01:02:03:05", "iaid": 6,
                                "subnet-id": 7, "valid-lft": 2}),
                ("lease6-update", {"ip-address": "2001:db8:1::100", "iaid": 1, "subnet-id": 7,
                                   "duid": "00:01:02:03:04:05:06:07", "hostname": "renamed.example",
                                   "user-context": {}}),
                ("lease6-del", {"ip-address": "2001:db8:1::101"})):
            r = kea.cmd(cmd, args)
            assert r["result"] == 0, (cmd, r)
        declined = json.loads(sh(*lan.in_cli(sys.executable, os.path.join(HERE, "dhcp6client.py"),
                                             lan.cli_if, "00:03:00:01:02:00:00:00:00:99", "77")).stdout)
        assert declined["declined"], declined
        # reclaimed when it expires: the same lease again in state 2
        assert wait_for(lambda: any(r.startswith("2001:db8:1::51,") and r.split(",")[13] == "2"
                                    for r in rows(kea.lease_file)), timeout=20), rows(kea.lease_file)
        shown = kea.cmd("lease6-get-all")["arguments"]["leases"]
    finally:
        kea.stop()

    summary = json.loads(check(kea.lease_file))
    st = summary["stats"]
    assert st["rows"] == len(rows(kea.lease_file))
    assert st["na"] >= 30 and st["pd"] >= 10 and st["deletes"] >= 3, st
    assert st["declined"] >= 1 and st["reclaimed"] >= 1 and st["escaped"] >= 1, st
    assert st["contexts"] >= 2 and st["hwaddrs"] >= 30 and st["warnings"] == 0, st
    assert any(r.split(",")[1] == "00" and r.split(",")[13] == "1" for r in rows(kea.lease_file))
    ours = sorted((as_kea_shows(l) for l in summary["leases"]), key=lambda l: l["ip-address"])
    theirs = sorted((as_kea_shows(l) for l in shown), key=lambda l: l["ip-address"])
    assert ours == theirs

    compact = check(kea.lease_file, "--compact")
    lfc = kea_lfc(workdir, kea.lease_file)
    assert compact == lfc

    if os.environ.get("NESTOR_UPDATE_FIXTURES"):
        shutil.copy(kea.lease_file, os.path.join(FIXTURES, "kea-2.2-leases6.csv"))
        with open(os.path.join(FIXTURES, "kea-2.2-leases6-lfc.csv"), "w") as f:
            f.write(lfc)
