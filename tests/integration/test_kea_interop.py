"""Side by side with Debian's Kea 2.2: the same configuration file serves both, and each reads the
other's memfile lease file, so an operator can switch in either direction and clients keep their
addresses."""
import glob
import os
import shutil
import subprocess
import tempfile

import pytest

from conftest import KEA, Server, basic_config
from test_protocol import dora

HOOK = (glob.glob("/usr/lib/*/kea/hooks/libdhcp_lease_cmds.so") or ["libdhcp_lease_cmds.so"])[0]


def shared_config():
    cfg = basic_config()
    cfg["Dhcp4"]["hooks-libraries"] = [{"library": HOOK}]
    return cfg


@pytest.fixture
def workdir():
    d = tempfile.mkdtemp(prefix="nestor-kea-")
    yield d
    shutil.rmtree(d, ignore_errors=True)


def leases_of(srv):
    r = srv.cmd("lease4-get-all")
    return {(l["ip-address"], l["hw-address"], l.get("client-id", ""), l["valid-lft"], l["cltt"],
             l["subnet-id"], l["hostname"]) for l in r.get("arguments", {}).get("leases", [])}


@pytest.mark.skipif(not os.path.exists(KEA), reason="kea-dhcp4 is not installed")
def test_kea_lease_file_is_served_by_nestor(lan, workdir):
    kea = Server(lan, shared_config(), binary=KEA, workdir=workdir, name="kea")
    kea.config["Dhcp4"]["loggers"][0]["severity"] = "INFO"
    kea.start()
    try:
        acks = [dora(lan, mac=f"02:00:00:00:a0:{i:02x}", xid=0xe000 + 16 * i,
                     options=[["hostname", f"kea-client-{i}"]])[1] for i in range(5)]
        kea_leases = leases_of(kea)
    finally:
        kea.stop()
    assert len(kea_leases) == 5
    nestor = Server(lan, shared_config(), workdir=workdir)
    nestor.start()
    try:
        assert leases_of(nestor) == kea_leases
        # a client of Kea's keeps its address with Nestor
        _, again = dora(lan, mac="02:00:00:00:a0:03", xid=0xe100)
        assert again["yiaddr"] == acks[3]["yiaddr"]
    finally:
        nestor.stop()


@pytest.mark.skipif(not os.path.exists(KEA), reason="kea-dhcp4 is not installed")
def test_nestor_lease_file_is_served_by_kea(lan, workdir):
    nestor = Server(lan, shared_config(), workdir=workdir)
    nestor.start()
    try:
        acks = [dora(lan, mac=f"02:00:00:00:b0:{i:02x}", xid=0xe200 + 16 * i,
                     options=[["client_id", "hex:01" + f"020000b0{i:02x}00"]])[1] for i in range(5)]
        nestor.cmd("lease4-add", {"ip-address": "192.0.2.50", "hw-address": "02:00:00:00:b0:ff",
                                  "hostname": "with,comma", "user-context": {"note": "x,y"}})
        nestor.cmd("lease4-del", {"ip-address": acks[0]["yiaddr"]})
        ours = leases_of(nestor)
    finally:
        nestor.stop()
    kea = Server(lan, shared_config(), binary=KEA, workdir=workdir, name="kea")
    kea.config["Dhcp4"]["loggers"][0]["severity"] = "INFO"
    kea.start()
    try:
        assert leases_of(kea) == ours
        assert len(ours) == 5
        _, again = dora(lan, mac="02:00:00:00:b0:02", xid=0xe300,
                        options=[["client_id", "hex:01020000b00200"]])
        assert again["yiaddr"] == acks[2]["yiaddr"]
    finally:
        kea.stop()
