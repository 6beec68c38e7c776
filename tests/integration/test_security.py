"""What a configuration received through the control API may do (Kea 2.6.3's path rules,
CVE-2025-32801; docs/SECURITY.md): config-write only into the configuration file's directory;
config-set / config-test only with lease files, log files and control sockets in the allowed
directories (Kea's environment variables override them); files read from disk keep Kea 2.2's
freedom; hook libraries only by the names of built-in features."""
import copy
import json
import os

import pytest

from conftest import basic_config


@pytest.fixture
def elsewhere(tmp_path):
    """A directory outside every allowed one."""
    return str(tmp_path)


def running(srv):
    return srv.cmd("config-get")["arguments"]


def test_config_write_only_into_the_config_files_directory(lan, server, elsewhere):
    srv = server(basic_config())
    other = os.path.join(elsewhere, "x.json")
    dotdot = os.path.join(srv.dir, "..", os.path.basename(elsewhere), "y.json")
    os.symlink(elsewhere, os.path.join(srv.dir, "link"))
    os.symlink(os.path.join(elsewhere, "t.json"), os.path.join(srv.dir, "t.json"))
    for name in (other, dotdot, os.path.join(srv.dir, "link", "z.json"), os.path.join(srv.dir, "t.json"),
                 "/etc/nestor-test.json", srv.dir + "/"):
        r = srv.cmd("config-write", {"filename": name})
        assert r["result"] == 1 and "'filename'" in r["text"] and srv.conf_path in r["text"], (name, r)
    assert os.listdir(elsewhere) == [] and not os.path.exists("/etc/nestor-test.json")
    # into the directory: absolute, bare name (put there, as Kea 2.6.3 does), or the file itself
    w = srv.cmd("config-write", {"filename": os.path.join(srv.dir, "w.json")})
    assert w["result"] == 0 and json.load(open(os.path.join(srv.dir, "w.json")))["Dhcp4"]["valid-lifetime"] == 600
    w = srv.cmd("config-write", {"filename": "bare.json"})
    assert w["result"] == 0 and w["arguments"]["filename"] == os.path.join(srv.dir, "bare.json"), w
    assert os.path.exists(os.path.join(srv.dir, "bare.json"))
    w = srv.cmd("config-write")
    assert w["result"] == 0 and w["arguments"]["filename"] == srv.conf_path
    assert os.stat(srv.conf_path).st_mode & 0o777 == 0o640  # it may hold database passwords


def set_lease(d, where):
    d["lease-database"]["name"] = os.path.join(where, "leases4.csv")


def add_log(d, where):
    d["loggers"][0]["output_options"].append({"output": os.path.join(where, "n.log")})


def set_socket(d, where):
    d["control-socket"]["socket-name"] = os.path.join(where, "ctrl.sock")


def set_sockets(d, where):
    d["control-sockets"] = [{"socket-type": "unix", "socket-name": os.path.join(where, "c2.sock")}]
    del d["control-socket"]


# (field named in the error, change, allowed directory by default)
CHANGES = [("'lease-database.name'", set_lease, "/var/lib/kea"),
           ("'loggers[0].output_options[1].output'", add_log, "/var/log/kea"),
           ("'control-socket.socket-name'", set_socket, "/run/kea"),
           ("'control-sockets[0].socket-name'", set_sockets, "/run/kea")]


def changed(srv, change, where):
    """The running configuration with one path moved to where."""
    cfg = running(srv)
    cfg["Dhcp4"]["valid-lifetime"] = 999
    change(cfg["Dhcp4"], where)
    return cfg


def socket_of(cfg):
    d = cfg["Dhcp4"]
    return d["control-sockets"][0]["socket-name"] if "control-sockets" in d else d["control-socket"]["socket-name"]


def test_config_set_refuses_paths_outside_the_allowed_directories(lan, server, elsewhere):
    srv = server(basic_config())
    before = running(srv)
    for field, change, allowed in CHANGES:
        cfg = changed(srv, change, elsewhere)
        for cmd in ("config-set", "config-test"):
            r = srv.cmd(cmd, cfg)
            assert r["result"] == 1 and field in r["text"] and allowed in r["text"], (cmd, r)
    # nothing was created there and the running configuration is unchanged
    assert os.listdir(elsewhere) == []
    assert running(srv) == before
    # a round trip keeps the running configuration's own places (in a temporary directory here)
    again = running(srv)
    again["Dhcp4"]["valid-lifetime"] = 777
    assert srv.cmd("config-set", again)["result"] == 0
    assert running(srv)["Dhcp4"]["valid-lifetime"] == 777


def test_the_same_paths_load_from_disk(lan, server, elsewhere):
    srv = server(basic_config())
    for field, change, _ in CHANGES:
        srv.config = changed(srv, change, elsewhere)
        srv.write_config()
        r = srv.cmd("config-reload")
        assert r["result"] == 0, (field, r)
        srv.sock = socket_of(srv.config)
    # (the first socket was removed when the second replaced it)
    assert {"c2.sock", "leases4.csv", "n.log"} <= set(os.listdir(elsewhere))
    assert srv.cmd("status-get")["result"] == 0


def test_environment_variables_move_the_allowed_directories(lan, server, elsewhere, monkeypatch):
    monkeypatch.setenv("KEA_DHCP_DATA_DIR", elsewhere + "/")
    monkeypatch.setenv("KEA_LOG_FILE_DIR", elsewhere)
    monkeypatch.setenv("KEA_CONTROL_SOCKET_DIR", elsewhere)
    srv = server(basic_config())
    for field, change, _ in CHANGES:
        cfg = changed(srv, change, elsewhere)
        r = srv.cmd("config-set", cfg)
        assert r["result"] == 0, (field, r)
        srv.sock = socket_of(cfg)
    assert {"c2.sock", "leases4.csv", "n.log"} <= set(os.listdir(elsewhere))
    # the default directories are no longer allowed
    cfg = running(srv)
    cfg["Dhcp4"]["lease-database"]["name"] = "/var/lib/kea/nestor-test.csv"
    r = srv.cmd("config-set", cfg)
    assert r["result"] == 1 and elsewhere in r["text"] and "KEA_DHCP_DATA_DIR" in r["text"]


def test_hook_libraries_only_by_built_in_names(lan, server):
    srv = server(basic_config())
    bad = running(srv)
    bad["Dhcp4"]["hooks-libraries"] = [{"library": "/tmp/libevil.so"}]
    r = srv.cmd("config-set", bad)
    assert r["result"] == 1 and "'library'" in r["text"] and "/tmp/libevil.so" in r["text"], r
    good = running(srv)
    good["Dhcp4"]["hooks-libraries"] = [{"library": "/usr/lib/x86_64-linux-gnu/kea/hooks/libdhcp_lease_cmds.so"}]
    assert srv.cmd("config-set", good)["result"] == 0
    srv.config = bad
    srv.write_config()
    r = srv.cmd("config-reload")
    assert r["result"] == 1 and "/tmp/libevil.so" in r["text"], r
