"""The PostgreSQL lease store over TLS: trust-anchor makes libpq verify the server's certificate
(sslmode verify-full); the connection is encrypted (pg_stat_ssl); a wrong trust anchor is refused
with a clear error. nestor-dhcp4 runs without DHCP interfaces here and is driven by lease commands."""
import json
import os
import socket
import subprocess
import tempfile
import time

import pytest
from workers import PORT_OFFSET

import pgsqlserver
from conftest import NESTOR

PORT = 5535 + PORT_OFFSET


def openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def make_pki(d):
    """A CA, a server certificate for 127.0.0.1 signed by it, and an unrelated second CA."""
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=nestor test CA",
            "-keyout", "ca.key", "-out", "ca.pem", cwd=d)
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout", "server.key",
            "-out", "server.csr", cwd=d)
    with open(os.path.join(d, "ext.cnf"), "w") as f:
        f.write("subjectAltName = IP:127.0.0.1\n")
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
            "-days", "2", "-extfile", "ext.cnf", "-out", "server.pem", cwd=d)
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=other CA",
            "-keyout", "other.key", "-out", "other.pem", cwd=d)


@pytest.fixture(scope="module")
def pg():
    ok, why = pgsqlserver.available()
    if not ok:
        pytest.skip(why)
    srv = pgsqlserver.PgServer(port=PORT).start()
    pki = os.path.join(srv.basedir, "pki")
    os.makedirs(pki)
    make_pki(pki)
    import pwd
    pw = pwd.getpwnam("postgres") if os.geteuid() == 0 else None
    for f in ("server.pem", "server.key"):
        p = os.path.join(pki, f)
        os.chmod(p, 0o600)
        if pw:
            os.chown(p, pw.pw_uid, pw.pw_gid)
    if pw:
        os.chown(pki, pw.pw_uid, pw.pw_gid)
    srv.sql(f"ALTER SYSTEM SET ssl_cert_file = '{pki}/server.pem'")
    srv.sql(f"ALTER SYSTEM SET ssl_key_file = '{pki}/server.key'")
    srv.sql("ALTER SYSTEM SET ssl = on")
    srv.sql("SELECT pg_reload_conf()")
    time.sleep(0.5)
    srv.create_db("kea")
    r = subprocess.run(["kea-admin", "db-init", "pgsql", *srv.kea_admin_args("kea")], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    srv.pki = pki
    yield srv
    srv.stop()


class Nestor:
    def __init__(self, db):
        self.dir = tempfile.mkdtemp(prefix="nestor-tls-")
        self.sock = os.path.join(self.dir, "ctrl.sock")
        cfg = {"Dhcp4": {"interfaces-config": {"interfaces": []},
                         "control-socket": {"socket-type": "unix", "socket-name": self.sock},
                         "lease-database": db,
                         "subnet4": [{"id": 1, "subnet": "192.0.2.0/24", "pools": [{"pool": "192.0.2.10-192.0.2.20"}]}],
                         "loggers": [{"name": "kea-dhcp4", "severity": "INFO", "output_options": [{"output": "stdout"}]}]}}
        self.conf = os.path.join(self.dir, "c.json")
        json.dump(cfg, open(self.conf, "w"))
        self.log = os.path.join(self.dir, "out.log")
        env = dict(os.environ, KEA_PIDFILE_DIR=self.dir, KEA_LOCKFILE_DIR=self.dir)
        self.proc = subprocess.Popen([NESTOR, "-c", self.conf], stdout=open(self.log, "w"), stderr=subprocess.STDOUT,
                                     env=env)

    def wait(self):
        for _ in range(100):
            if self.proc.poll() is not None or os.path.exists(self.sock):
                return self.proc.poll() is None
            time.sleep(0.05)
        return False

    def cmd(self, command, args=None):
        s = socket.socket(socket.AF_UNIX)
        s.connect(self.sock)
        s.sendall(json.dumps({"command": command, "arguments": args or {}}).encode())
        data = b""
        while chunk := s.recv(65536):
            data += chunk
        return json.loads(data)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
        return open(self.log).read()


def db(pg, **extra):
    d = {"type": "postgresql", "name": "kea", "host": "127.0.0.1", "port": PORT, "user": "kea", "password": "kea"}
    d.update(extra)
    return d


def test_tls_connection_verified_and_encrypted(pg):
    n = Nestor(db(pg, **{"trust-anchor": os.path.join(pg.pki, "ca.pem")}))
    try:
        assert n.wait(), open(n.log).read()
        r = n.cmd("lease4-add", {"ip-address": "192.0.2.11", "hw-address": "01:02:03:04:05:06"})
        assert r["result"] == 0, r
        rows = pg.sql("SELECT count(*), bool_and(s.ssl) FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) "
                      "WHERE a.application_name = 'nestor'")
        assert int(rows[0][0]) >= 1 and rows[0][1] == "t", rows
        assert pg.sql("SELECT count(*) FROM lease4", db="kea") == [["1"]]
    finally:
        n.stop()


def test_wrong_trust_anchor_is_refused(pg):
    n = Nestor(db(pg, **{"trust-anchor": os.path.join(pg.pki, "other.pem"), "connect-timeout": 2}))
    n.proc.wait(20)
    log = n.stop()
    assert n.proc.returncode != 0
    assert "certificate verify failed" in log or "certificate" in log, log
