"""Integration-test harness: network namespaces joined by veth pairs, real nestor-dhcp4 (and
Kea) processes, real DHCP clients. All traffic stays inside namespaces created here.

Layout of a `lan`: namespace S (server) with interface sv<N> = 192.0.2.1/24, namespace C (clients)
with interface cv<N>, no address (clients get one by DHCP). A relay address 192.0.2.254 and a
remote link 10.10.10.1/24 can be added to C for relayed traffic (see Lan.add_relay()).

The suite runs in two pytest-xdist workers, one module at a time each (scripts/test-all.sh): name
namespaces with the process id (as Lan does), give a module's database servers ports no other
module uses, and add workers.PORT_OFFSET to them (two modules of different workers run at once).
"""
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
BUILD = os.environ.get("NESTOR_BUILD", os.path.join(HERE, "..", "..", "build"))
NESTOR = os.path.join(BUILD, "src", "dhcp4", "nestor-dhcp4")
KEA = shutil.which("kea-dhcp4") or "/usr/sbin/kea-dhcp4"


def sh(*args, check=True, **kw):
    return subprocess.run(list(args), check=check, capture_output=True, text=True, **kw)


class Lan:
    count = 0

    def __init__(self):
        Lan.count += 1
        tag = f"{os.getpid() % 10000}x{Lan.count}"
        self.srv_ns, self.cli_ns = f"nsts{tag}", f"nstc{tag}"
        self.srv_if, self.cli_if = f"sv{tag}", f"cv{tag}"
        self.server_ip = "192.0.2.1"
        sh("ip", "netns", "add", self.srv_ns)
        sh("ip", "netns", "add", self.cli_ns)
        sh("ip", "link", "add", self.srv_if, "type", "veth", "peer", "name", self.cli_if)
        sh("ip", "link", "set", self.srv_if, "netns", self.srv_ns)
        sh("ip", "link", "set", self.cli_if, "netns", self.cli_ns)
        for ns in (self.srv_ns, self.cli_ns):
            sh("ip", "-n", ns, "link", "set", "lo", "up")
        sh("ip", "-n", self.srv_ns, "addr", "add", "192.0.2.1/24", "dev", self.srv_if)
        sh("ip", "-n", self.srv_ns, "link", "set", self.srv_if, "up")
        sh("ip", "-n", self.cli_ns, "link", "set", self.cli_if, "up")
        self.cli_mac = sh("ip", "netns", "exec", self.cli_ns, "cat",
                          f"/sys/class/net/{self.cli_if}/address").stdout.strip()
        self.srv_mac = sh("ip", "netns", "exec", self.srv_ns, "cat",
                          f"/sys/class/net/{self.srv_if}/address").stdout.strip()
        self._pkt = None
        self.relay = False

    def add_relay(self):
        """Client namespace plays a relay agent: 192.0.2.254 on the LAN, 10.10.10.1 for a remote link, both on its LAN interface. Idempotent."""
        if self.relay:
            return
        self.relay = True
        sh("ip", "-n", self.cli_ns, "addr", "add", "192.0.2.254/24", "dev", self.cli_if)
        sh("ip", "-n", self.cli_ns, "addr", "add", "10.10.10.1/24", "dev", self.cli_if)
        sh("ip", "-n", self.srv_ns, "route", "add", "10.10.10.0/24", "via", "192.0.2.254")

    @contextlib.contextmanager
    def client_address(self, ip, plen=24):
        """The client namespace holds ip while the block runs, as a bound client does (replies
        to ciaddr are unicast through the server's IP stack, which resolves ciaddr by ARP)."""
        sh("ip", "-n", self.cli_ns, "addr", "add", f"{ip}/{plen}", "dev", self.cli_if)
        try:
            yield
        finally:
            sh("ip", "-n", self.cli_ns, "addr", "del", f"{ip}/{plen}", "dev", self.cli_if, check=False)

    def in_srv(self, *cmd):
        return ["ip", "netns", "exec", self.srv_ns, *cmd]

    def in_cli(self, *cmd):
        return ["ip", "netns", "exec", self.cli_ns, *cmd]

    @property
    def pkt(self):
        if self._pkt is None:
            self._pkt = PktHelper(self)
        return self._pkt

    def namespaces(self):
        return (self.srv_ns, self.cli_ns)

    def close(self):
        if self._pkt:
            self._pkt.close()
        for ns in self.namespaces():
            for pid in sh("ip", "netns", "pids", ns, check=False).stdout.split():
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except (ProcessLookupError, ValueError):
                    pass
            sh("ip", "netns", "del", ns, check=False)


class PktHelper:
    """The scapy helper (pktsrv.py) living in the client namespace."""

    def __init__(self, lan):
        self.lan = lan
        self.p = subprocess.Popen(lan.in_cli("/usr/bin/python3", "-u", os.path.join(HERE, "pktsrv.py")),
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert json.loads(self.p.stdout.readline()).get("ready")

    def call(self, **req):
        self.p.stdin.write(json.dumps(req) + "\n")
        self.p.stdin.flush()
        res = json.loads(self.p.stdout.readline())
        assert "error" not in res, res["error"]
        return res

    def dhcp(self, msg, **kw):
        kw.setdefault("iface", self.lan.cli_if)
        return self.call(op="dhcp", msg=msg, **kw)["replies"]

    def burst(self, msg, clients, **kw):
        """One msg per client ({"chaddr", "xid", "options"}), sent back to back; the replies."""
        kw.setdefault("iface", self.lan.cli_if)
        return self.call(op="burst", msg=msg, clients=clients, **kw)["replies"]

    def close(self):
        try:
            self.p.stdin.close()
            self.p.wait(5)
        except Exception:
            self.p.kill()


class Server:
    """A nestor-dhcp4 (or kea-dhcp4) process in the server namespace."""

    def __init__(self, lan, config, binary=None, workdir=None, name="nestor"):
        self.lan = lan
        self.dir = workdir or tempfile.mkdtemp(prefix="nestor-it-")
        self.sock = os.path.join(self.dir, "ctrl.sock")
        self.lease_file = os.path.join(self.dir, "leases4.csv")
        self.binary = binary or NESTOR
        self.name = name
        self.config = self.complete(config)
        self.conf_path = os.path.join(self.dir, "dhcp4.json")
        self.log_path = os.path.join(self.dir, f"{name}.log")
        self.proc = None

    def complete(self, config):
        d = config.setdefault("Dhcp4", {})
        d.setdefault("interfaces-config", {"interfaces": [self.lan.srv_if]})
        d.setdefault("control-socket", {"socket-type": "unix", "socket-name": self.sock})
        d.setdefault("lease-database", {"type": "memfile", "name": self.lease_file, "lfc-interval": 0})
        d.setdefault("loggers", [{"name": "kea-dhcp4", "severity": "DEBUG", "debuglevel": 99,
                                  "output_options": [{"output": "stdout"}]}])
        return config

    def write_config(self):
        with open(self.conf_path, "w") as f:
            json.dump(self.config, f, indent=2)

    def start(self, wait=True, extra_args=()):
        self.write_config()
        env = dict(os.environ, KEA_PIDFILE_DIR=self.dir, KEA_LOCKFILE_DIR=self.dir, **getattr(self, "extra_env", {}))
        self.out = open(self.log_path, "a")
        self.proc = subprocess.Popen(self.lan.in_srv(self.binary, "-c", self.conf_path, *extra_args),
                                     stdout=self.out, stderr=subprocess.STDOUT, env=env)
        if wait:
            self.wait_ready()
        return self

    def wait_ready(self, timeout=15):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"{self.name} exited with {self.proc.returncode}:\n{self.log()}")
            if os.path.exists(self.sock):
                try:
                    self.cmd("version-get")
                    return
                except OSError:
                    pass
            time.sleep(0.05)
        raise AssertionError(f"{self.name} did not open its control socket:\n{self.log()}")

    def cmd(self, command, arguments=None, raw=None):
        return ask(self.sock, command, arguments, raw)

    def cmd_later(self, command, arguments=None):
        """Sends a command now and returns what answers it later (.result()): a lease write
        answers once its row is committed, which a blocked database delays."""
        return PendingCommand(self, command, arguments)

    def stat(self, name):
        r = self.cmd("statistic-get", {"name": name})
        v = r.get("arguments", {}).get(name)
        return v[0][0] if v else None

    def log(self):
        try:
            return open(self.log_path).read()[-6000:]
        except OSError:
            return ""

    def signal(self, sig):
        self.proc.send_signal(sig)

    def stop(self, timeout=10):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        rc = self.proc.returncode if self.proc else None
        self.proc = None
        self.check_sanitizers()
        return rc

    def check_sanitizers(self):
        """With a sanitizer build, any report in the server's output fails the test."""
        try:
            text = open(self.log_path, errors="replace").read()
        except OSError:
            return
        for marker in ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:",
                       "WARNING: ThreadSanitizer"):
            if marker in text:
                i = text.index(marker)
                raise AssertionError(f"{self.name}: sanitizer report:\n{text[max(0, i - 200):i + 3000]}")


def ask(sock_path, command, arguments=None, raw=None, timeout=10):
    """One control command over the UNIX socket; the answer (the socket is closed after it)."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(sock_path)
    req = raw if raw is not None else json.dumps(
        {"command": command, **({"arguments": arguments} if arguments is not None else {})})
    s.sendall(req.encode() if isinstance(req, str) else req)
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    s.close()
    return json.loads(data)


class PendingCommand:
    def __init__(self, srv, command, arguments):
        self.answer = None
        self.thread = threading.Thread(target=self._ask, args=(srv, command, arguments), daemon=True)
        self.thread.start()

    def _ask(self, srv, command, arguments):
        self.answer = ask(srv.sock, command, arguments, timeout=60)

    def done(self):
        return not self.thread.is_alive()

    def result(self, timeout=30):
        self.thread.join(timeout)
        assert not self.thread.is_alive(), "no answer"
        return self.answer


def lan_of(cls):
    """A fixture's body: a cls (Lan or a kind of it) for the module, closed after it."""
    if os.geteuid() != 0:
        pytest.skip("network namespaces need root")
    assert os.path.exists(NESTOR), f"build nestor-dhcp4 first ({NESTOR})"
    n = cls()
    yield n
    n.close()


@pytest.fixture(scope="module")
def lan():
    yield from lan_of(Lan)


@pytest.fixture
def server(lan):
    """Factory: server(config) starts nestor-dhcp4 with that config in the LAN's server namespace."""
    started = []

    def make(config, binary=None, start=True, **kw):
        s = Server(lan, config, binary=binary, **kw)
        started.append(s)
        return s.start() if start else s
    yield make
    for s in started:
        s.stop()
        shutil.rmtree(s.dir, ignore_errors=True)


def subnet_config(**extra):
    """The LAN's standard subnet: 192.0.2.0/24, pool .100-.199."""
    s = {"id": 1, "subnet": "192.0.2.0/24", "pools": [{"pool": "192.0.2.100 - 192.0.2.199"}],
         "option-data": [{"name": "routers", "data": "192.0.2.1"},
                         {"name": "domain-name-servers", "data": "192.0.2.53, 192.0.2.54"},
                         {"name": "domain-name", "data": "example.org"}]}
    s.update(extra)
    return s


def wait_for(pred, timeout=15, step=0.1):
    """pred()'s first true value within timeout seconds, else None."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(step)
    return None


def basic_config(**dhcp4):
    d = {"valid-lifetime": 600, "renew-timer": 200, "rebind-timer": 400, "subnet4": [subnet_config()]}
    d.update(dhcp4)
    return {"Dhcp4": d}
