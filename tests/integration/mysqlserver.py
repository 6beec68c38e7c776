"""Throw-away MariaDB server for the schema tests.

MysqlServer initialises a private data directory (mariadb-install-db), runs mariadbd as the
`mysql` system user on 127.0.0.1:<port> with its socket, pid and log inside that directory,
and offers small helpers on top of the stock `mariadb` command-line client:

    srv = MysqlServer(port=3401)              # or, in pytest: from mysqlserver import mysql_server
    srv.start()
    srv.create_database("kea_a", "kea", "kea")     # kea/kea over TCP, all privileges on kea_a
    rows = srv.sql("SELECT version, minor FROM schema_version", db="kea_a")
    srv.script("src/admin/schema/mysql/create.sql", db="kea_a")
    srv.stop()                                      # kills the server, removes the directory

Administrative statements run as MariaDB root over the private socket (unix_socket
authentication: as OS root; a non-root caller gets an equivalent account of its own name and
the server runs as that user). `sql(..., user=..., password=...)` connects over TCP instead.
The base directory must be reachable by the `mysql` user (the default, a fresh directory in
/tmp, is).
Rows come back as lists of strings, None for SQL NULL (the client's XML output keeps the two
apart); select binary columns through HEX(). Errors raise MysqlError with the client's message.

Debian 12 packages relied on: mariadb-server (mariadbd, mariadb-install-db), mariadb-client
(mariadb). Nothing listens anywhere but 127.0.0.1.

From a shell:
    python3 mysqlserver.py start DIR [PORT]   # prints KEY=VALUE lines, leaves the server running
    python3 mysqlserver.py createdb DIR NAME [USER [PASSWORD]]   # default kea / kea
    python3 mysqlserver.py stop DIR           # stops the server and removes DIR
"""
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET

from workers import PORT_OFFSET

MARIADBD = shutil.which("mariadbd") or shutil.which("mysqld", path="/usr/sbin:/usr/bin") or "/usr/sbin/mariadbd"
INSTALL_DB = shutil.which("mariadb-install-db") or shutil.which("mysql_install_db") or "/usr/bin/mariadb-install-db"
CLIENT = shutil.which("mariadb") or shutil.which("mysql") or "/usr/bin/mariadb"
XSI_NIL = "{http://www.w3.org/2001/XMLSchema-instance}nil"


def default_run_user():
    """As root the server runs as the `mysql` system user; otherwise as the invoking user."""
    return "mysql" if os.geteuid() == 0 else pwd.getpwuid(os.geteuid()).pw_name


def binaries_missing():
    """Reason string when the server or client binaries are absent, else None."""
    for b in (MARIADBD, INSTALL_DB, CLIENT):
        if not os.access(b, os.X_OK):
            return f"{b} not installed (Debian packages mariadb-server, mariadb-client)"
    try:
        pwd.getpwnam(default_run_user())
    except KeyError:
        return "no 'mysql' system user (created by the mariadb-server package)"
    return None


class MysqlError(RuntimeError):
    pass


class MysqlServer:
    def __init__(self, port=3401, basedir=None, run_user=None):
        self.port = port
        self.run_user = run_user or default_run_user()
        # The MariaDB account that authenticates by the client's OS user over the socket.
        self.admin = "root" if os.geteuid() == 0 else pwd.getpwuid(os.geteuid()).pw_name
        self.own_dir = basedir is None
        self.base = basedir or tempfile.mkdtemp(prefix="nst-mysql-")
        self.datadir = os.path.join(self.base, "data")
        self.sock = os.path.join(self.base, "mysqld.sock")
        self.pidfile = os.path.join(self.base, "mysqld.pid")
        self.log = os.path.join(self.base, "mysqld.err")
        self.proc = None
        self.host = "127.0.0.1"

    # ---- lifecycle -----------------------------------------------------------------------
    def _server_args(self):
        return [MARIADBD, "--no-defaults", f"--user={self.run_user}",
                f"--datadir={self.datadir}", f"--socket={self.sock}",
                f"--pid-file={self.pidfile}", f"--log-error={self.log}",
                f"--port={self.port}", "--bind-address=127.0.0.1",
                "--skip-name-resolve", "--innodb-buffer-pool-size=32M",
                "--innodb-log-file-size=16M", "--skip-log-bin",
                "--character-set-server=utf8mb4", "--collation-server=utf8mb4_general_ci"]

    def start(self, timeout=60):
        pw = pwd.getpwnam(self.run_user)
        os.makedirs(self.base, exist_ok=True)
        os.chmod(self.base, 0o755)
        if os.geteuid() == 0:
            os.chown(self.base, pw.pw_uid, pw.pw_gid)
        if not os.path.isdir(os.path.join(self.datadir, "mysql")):
            r = subprocess.run([INSTALL_DB, "--no-defaults", f"--user={self.run_user}",
                                f"--datadir={self.datadir}", "--skip-test-db",
                                "--auth-root-authentication-method=socket",
                                f"--auth-root-socket-user={self.admin}", "--skip-name-resolve"],
                               capture_output=True, text=True)
            if r.returncode != 0:
                raise MysqlError(f"mariadb-install-db failed: {r.stdout}{r.stderr}")
        self.proc = subprocess.Popen(self._server_args(), stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     start_new_session=True)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise MysqlError(f"mariadbd exited ({self.proc.returncode}): {self._log_tail()}")
            if os.path.exists(self.sock):
                try:
                    self.sql("SELECT 1")
                    return self
                except MysqlError:
                    pass
            time.sleep(0.2)
        self.stop()
        raise MysqlError(f"mariadbd did not come up: {self._log_tail()}")

    def _log_tail(self):
        try:
            with open(self.log) as f:
                return f.read()[-2000:]
        except OSError:
            return "(no log)"

    def _pid(self):
        if self.proc is not None:
            return self.proc.pid
        try:
            with open(self.pidfile) as f:
                return int(f.read().strip())
        except (OSError, ValueError):
            return None

    def stop(self, cleanup=True):
        pid = self._pid()
        if pid is not None:
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pid = None
        if pid is not None:
            deadline = time.time() + 30
            while time.time() < deadline:
                if self.proc is not None:
                    if self.proc.poll() is not None:
                        break
                else:
                    try:
                        os.kill(pid, 0)
                    except ProcessLookupError:
                        break
                time.sleep(0.1)
            else:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                if self.proc is not None:
                    self.proc.wait()
        self.proc = None
        if cleanup:
            shutil.rmtree(self.base, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # ---- clients -------------------------------------------------------------------------
    def client_args(self, db=None, user=None, password=None):
        """Argument list for the mariadb client: root over the socket, or user/password over TCP."""
        if user is None:
            args = [CLIENT, "--no-defaults", f"--socket={self.sock}", f"--user={self.admin}"]
        else:
            args = [CLIENT, "--no-defaults", "--protocol=TCP", f"--host={self.host}",
                    f"--port={self.port}", f"--user={user}", f"--password={password}"]
        if db:
            args.append(f"--database={db}")
        return args

    def sql_sets(self, text, db=None, user=None, password=None):
        """Runs statements; returns every result set as (column names, rows)."""
        r = subprocess.run(self.client_args(db, user, password) + ["--xml", "--batch"],
                           input=text, capture_output=True, text=True, errors="replace")
        if r.returncode != 0:
            raise MysqlError(r.stderr.strip() or f"client exit {r.returncode}")
        sets = []
        # One XML document per result set; split at the declarations.
        for doc in r.stdout.split("<?xml")[1:]:
            doc = "<?xml" + doc
            root = ET.fromstring(doc)
            cols, rows = None, []
            for row in root.iter("row"):
                fields = row.findall("field")
                if cols is None:
                    cols = [f.get("name") for f in fields]
                rows.append([None if f.get(XSI_NIL) == "true" else (f.text or "")
                             for f in fields])
            sets.append((cols or [], rows))
        return sets

    def sql(self, text, db=None, user=None, password=None):
        """Runs statements; returns the rows of the last result set (lists of str/None)."""
        sets = self.sql_sets(text, db, user, password)
        return sets[-1][1] if sets else []

    def script(self, path, db=None, user=None, password=None):
        """Feeds a script file to the client (DELIMITER handling is the client's); returns stdout."""
        with open(path) as f:
            r = subprocess.run(self.client_args(db, user, password) + ["--batch"],
                               stdin=f, capture_output=True, text=True, errors="replace")
        if r.returncode != 0:
            raise MysqlError(r.stderr.strip() or f"client exit {r.returncode}")
        return r.stdout

    def create_database(self, name, user="kea", password="kea"):
        """Creates database `name` and grants user@127.0.0.1 / user@localhost all on it."""
        stmts = [f"CREATE DATABASE `{name}`;"]
        for h in ("127.0.0.1", "localhost"):
            stmts.append(f"CREATE USER IF NOT EXISTS '{user}'@'{h}' IDENTIFIED BY '{password}';")
            stmts.append(f"GRANT ALL PRIVILEGES ON `{name}`.* TO '{user}'@'{h}';")
        self.sql("\n".join(stmts))
        return name

    def drop_database(self, name):
        self.sql(f"DROP DATABASE IF EXISTS `{name}`;")

    def kea_admin_args(self, db, user="kea", password="kea"):
        """The connection options of `kea-admin ... mysql` for database db."""
        return ["-h", self.host, "-P", str(self.port), "-u", user, "-p", password, "-n", db]


def serve(port):
    """A module fixture's body: a started server (skips the test when none can run), stopped after."""
    import pytest
    why = binaries_missing()
    if why:
        pytest.skip(why)
    srv = MysqlServer(port=port)
    srv.start()
    yield srv
    srv.stop()


def free_port(ports=range(3401 + PORT_OFFSET, 3411 + PORT_OFFSET)):
    """First port of `ports` nothing listens on at 127.0.0.1, else None."""
    import socket
    for port in ports:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
                return port
            except OSError:
                continue
    return None


try:
    import pytest

    @pytest.fixture(scope="module")
    def mysql_server():
        """pytest fixture (import it into a test module): a started MysqlServer on a free port
        in 3401-3410, skipped when MariaDB is not installed; stopped and removed afterwards."""
        reason = binaries_missing()
        if reason:
            pytest.skip(reason)
        port = free_port()
        if port is None:
            pytest.fail(f"no free port in {3401 + PORT_OFFSET}-{3410 + PORT_OFFSET}")
        srv = MysqlServer(port=port)
        srv.start()
        yield srv
        srv.stop()
except ImportError:  # used from a shell without pytest
    pass


def _main(argv):
    if len(argv) >= 2 and argv[0] == "start":
        port = int(argv[2]) if len(argv) > 2 else 3401
        srv = MysqlServer(port=port, basedir=argv[1])
        srv.start()
        srv.proc = None  # leave it running; stop finds it by the pid file
        print(f"MYSQL_HOST=127.0.0.1\nMYSQL_PORT={port}\nMYSQL_SOCKET={srv.sock}")
        return 0
    if len(argv) >= 3 and argv[0] == "createdb":
        srv = MysqlServer(basedir=argv[1])
        user, password = (argv[3:] + ["kea", "kea"])[:2] if len(argv) > 3 else ("kea", "kea")
        srv.create_database(argv[2], user, password)
        return 0
    if len(argv) == 2 and argv[0] == "stop":
        MysqlServer(basedir=argv[1]).stop(cleanup=True)
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
