"""Logging sinks through the real daemon: syslog (captured on a private /dev/log) and files."""
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time

import pytest

from conftest import NESTOR


@pytest.fixture
def workdir():
    d = tempfile.mkdtemp(prefix="nestor-log-")
    yield d
    shutil.rmtree(d, ignore_errors=True)


def config(workdir, output, severity="INFO"):
    return {"Dhcp4": {
        "interfaces-config": {"interfaces": []},
        "control-socket": {"socket-type": "unix", "socket-name": os.path.join(workdir, "ctrl.sock")},
        "lease-database": {"type": "memfile", "name": os.path.join(workdir, "leases4.csv")},
        "loggers": [{"name": "kea-dhcp4", "severity": severity, "output_options": [{"output": output}]}],
    }}


def cmd(workdir, command):
    s = socket.socket(socket.AF_UNIX)
    s.connect(os.path.join(workdir, "ctrl.sock"))
    s.sendall(json.dumps({"command": command}).encode())
    data = b""
    while chunk := s.recv(65536):
        data += chunk
    return json.loads(data)


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("unshare"), reason="needs root and unshare")
def test_syslog_output_reaches_dev_log(workdir):
    # A private /dev for the daemon only: the host's /dev is untouched.
    dev = os.path.join(workdir, "dev")
    os.makedirs(dev)
    log_sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    log_sock.bind(os.path.join(dev, "log"))
    log_sock.settimeout(10)
    conf = os.path.join(workdir, "dhcp4.json")
    json.dump(config(workdir, "syslog:local3"), open(conf, "w"))
    script = (f"set -e; mount --make-rprivate /; "
              f"for d in null zero urandom random; do touch {dev}/$d; mount --bind /dev/$d {dev}/$d; done; "
              f"mount --bind {dev} /dev; exec {NESTOR} -c {conf}")
    env = dict(os.environ, KEA_PIDFILE_DIR=workdir)
    p = subprocess.Popen(["unshare", "-m", "sh", "-c", script], env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        lines = []
        deadline = time.time() + 10
        while time.time() < deadline and not any("DHCP4_STARTED" in l for l in lines):
            lines.append(log_sock.recv(65536).decode(errors="replace"))
        started = [l for l in lines if "DHCP4_STARTED" in l]
        assert started, lines
        # <PRI> = facility local3 (19) * 8 + severity info (6) = 158; Kea's syslog pattern, no timestamp
        assert started[0].startswith("<158>"), started[0]
        assert "INFO  [kea-dhcp4." in started[0]
    finally:
        p.terminate()
        p.wait(10)
        log_sock.close()


def test_file_output_with_debug_level_filtering(workdir):
    log = os.path.join(workdir, "nestor.log")
    conf = os.path.join(workdir, "dhcp4.json")
    cfg = config(workdir, log, severity="DEBUG")
    cfg["Dhcp4"]["loggers"][0]["debuglevel"] = 10  # commands (level 10) yes, data (20+) no
    json.dump(cfg, open(conf, "w"))
    p = subprocess.Popen([NESTOR, "-c", conf], env=dict(os.environ, KEA_PIDFILE_DIR=workdir),
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            if os.path.exists(os.path.join(workdir, "ctrl.sock")):
                break
            time.sleep(0.05)
        time.sleep(0.1)
        assert cmd(workdir, "version-get")["result"] == 0
    finally:
        p.terminate()
        p.wait(10)
    text = open(log).read()
    assert "DHCP4_STARTED" in text
    assert "COMMAND_RECEIVED" in text
    first = text.splitlines()[0]
    # "YYYY-MM-DD HH:MM:SS.mmm SEVERITY [kea-dhcp4.<logger>/<pid>.<tid>] ID text"
    assert first[4] == "-" and first[10] == " " and first[19] == "."
    assert "[kea-dhcp4." in first
