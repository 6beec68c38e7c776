"""Throw-away PostgreSQL server for integration tests.

PgServer creates a cluster in a temporary directory, runs it on 127.0.0.1 at a chosen port (never the
default 5432) and removes everything on stop(). initdb refuses to run as root, so when we are root the
cluster files are owned by, and the server runs as, the `postgres` system user (Debian's
postgresql-common creates it). The superuser is reached over the cluster's private Unix socket with
trust auth; every other role must log in over TCP with a password (scram-sha-256), as Kea does.

Debian 12 packages relied on: postgresql-15 (server binaries in /usr/lib/postgresql/15/bin),
postgresql-client-15 (psql, pulled in by postgresql-15), libpq-dev (for building C clients only).
Only the Python standard library is used: SQL runs through psql.

Use from pytest:
    srv = PgServer(port=5501); srv.start(); srv.create_db("kea_a", "kea", "kea"); ...; srv.stop()
or as a context manager. From a shell:
    python3 tests/integration/pgsqlserver.py start --port 5501 --dir /tmp/pg --db kea --user kea --password kea
    python3 tests/integration/pgsqlserver.py stop --dir /tmp/pg
"""
import argparse
import csv
import glob
import io
import os
import pwd
import shutil
import subprocess
import sys
import tempfile

PG_BIN_GLOBS = ("/usr/lib/postgresql/*/bin",)


def find_pg_bindir():
    """Directory holding initdb/pg_ctl/postgres (newest version first), or None."""
    env = os.environ.get("PG_BINDIR")
    if env and os.path.exists(os.path.join(env, "initdb")):
        return env
    dirs = []
    for pat in PG_BIN_GLOBS:
        dirs += [d for d in glob.glob(pat) if os.path.exists(os.path.join(d, "initdb"))]

    def ver(d):
        try:
            return int(d.split("/")[-2])
        except ValueError:
            return 0
    dirs.sort(key=ver, reverse=True)
    if dirs:
        return dirs[0]
    found = shutil.which("initdb")
    return os.path.dirname(found) if found else None


def find_psql():
    bindir = find_pg_bindir()
    if bindir and os.path.exists(os.path.join(bindir, "psql")):
        return os.path.join(bindir, "psql")
    return shutil.which("psql")


def available():
    """(True, '') when a server can be started here, else (False, reason)."""
    if not find_pg_bindir():
        return False, "PostgreSQL server binaries (initdb) not installed"
    if not find_psql():
        return False, "psql not installed"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return False, "running as root but no 'postgres' user to own the cluster"
    return True, ""


def serve(port):
    """A module fixture's body: a started server (skips the test when none can run), stopped after."""
    import pytest
    ok, why = available()
    if not ok:
        pytest.skip(why)
    srv = PgServer(port=port).start()
    yield srv
    srv.stop()


class PgError(RuntimeError):
    """A psql invocation failed; .stderr holds the server's message."""

    def __init__(self, msg, stderr=""):
        super().__init__(msg)
        self.stderr = stderr


class PgServer:
    """One private PostgreSQL cluster. Not thread-safe; one instance per test session is typical."""

    def __init__(self, port=5501, basedir=None, keep=False):
        self.port = int(port)
        self.host = "127.0.0.1"
        self.bindir = find_pg_bindir()
        self.psql = find_psql()
        self.basedir = basedir
        self.keep = keep
        self._own_dir = basedir is None
        self.running = False
        self._uid = self._gid = None
        if os.geteuid() == 0:
            pw = pwd.getpwnam("postgres")
            self._uid, self._gid = pw.pw_uid, pw.pw_gid

    # -- paths -----------------------------------------------------------------
    @property
    def datadir(self):
        return os.path.join(self.basedir, "data")

    @property
    def sockdir(self):
        return os.path.join(self.basedir, "sock")

    @property
    def logfile(self):
        return os.path.join(self.basedir, "server.log")

    # -- process control -------------------------------------------------------
    def _demote(self):
        if self._uid is not None:
            os.setgid(self._gid)
            os.setuid(self._uid)

    def _run_as_owner(self, args, **kw):
        return subprocess.run(args, preexec_fn=self._demote, capture_output=True, text=True,
                              cwd=self.basedir, **kw)

    def start(self, timeout=30):
        """initdb + start; raises PgError on failure (with the server log) after removing a
        directory it created."""
        created = self.basedir is None
        if created:
            self.basedir = tempfile.mkdtemp(prefix="nestor-pg-")
        try:
            self._start(timeout)
        except Exception:
            if created and not self.keep:
                shutil.rmtree(self.basedir, ignore_errors=True)
                self.basedir = None
            raise
        return self

    def _start(self, timeout):
        os.makedirs(self.basedir, exist_ok=True)
        os.makedirs(self.sockdir, mode=0o700, exist_ok=True)
        if self._uid is not None:
            for d in (self.basedir, self.sockdir):
                os.chown(d, self._uid, self._gid)
        if not os.path.exists(os.path.join(self.datadir, "PG_VERSION")):
            r = self._run_as_owner([os.path.join(self.bindir, "initdb"), "-D", self.datadir,
                                    "-U", "postgres", "--auth-local=trust",
                                    "--auth-host=scram-sha-256", "-E", "UTF8",
                                    "--locale=C.UTF-8", "--no-sync"])
            if r.returncode != 0:
                raise PgError("initdb failed: " + r.stderr + r.stdout)
        opts = (f"-p {self.port} -k {self.sockdir} -c listen_addresses={self.host} "
                "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
                "-c max_connections=40 -c shared_buffers=16MB -c TimeZone=UTC")
        r = self._run_as_owner([os.path.join(self.bindir, "pg_ctl"), "-D", self.datadir,
                                "-l", self.logfile, "-o", opts, "-w", "-t", str(timeout), "start"])
        if r.returncode != 0:
            raise PgError(f"pg_ctl start on port {self.port} failed: " + r.stderr + r.stdout
                          + self.log_tail())
        self.running = True

    def log_tail(self, n=40):
        try:
            with open(self.logfile, encoding="utf-8", errors="replace") as f:
                return "".join(f.readlines()[-n:])
        except OSError:
            return ""

    def stop(self):
        """Stop the server (fast shutdown) and remove its directory unless keep=True."""
        if self.running:
            self._run_as_owner([os.path.join(self.bindir, "pg_ctl"), "-D", self.datadir,
                                "-m", "fast", "-w", "stop"])
            self.running = False
        if self.basedir and not self.keep and os.path.isdir(self.basedir):
            shutil.rmtree(self.basedir, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # -- SQL -------------------------------------------------------------------
    def _psql_args(self, db, user, password):
        if user is None:  # superuser over the private socket
            return [self.psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", self.sockdir,
                    "-p", str(self.port), "-U", "postgres", "-d", db or "postgres"], {}
        env = {"PGPASSWORD": password or ""}
        return [self.psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", self.host,
                "-p", str(self.port), "-U", user, "-d", db], env

    def _run(self, args, env, stdin=None):
        full_env = dict(os.environ)
        full_env.update(env)
        full_env.setdefault("PGCONNECT_TIMEOUT", "10")
        full_env["PGTZ"] = full_env.get("PGTZ", "UTC")
        r = subprocess.run(args, input=stdin, capture_output=True, text=True, env=full_env)
        if r.returncode != 0:
            raise PgError(f"psql failed ({r.returncode}): {r.stderr.strip()}", r.stderr)
        return r

    def sql(self, text, db="postgres", user=None, password=None):
        """Run SQL text (one psql session, stops at the first error); return the rows of every
        row-returning statement, concatenated, as lists of strings (NULL -> None).
        user=None runs as the superuser over the private socket."""
        args, env = self._psql_args(db, user, password)
        # CSV keeps embedded tabs/newlines intact; \pset null gives NULL a distinct marker.
        args += ["--csv", "-t", "-P", "null=\x01NULL\x01"]
        r = self._run(args, env, stdin=text)
        rows = []
        for row in csv.reader(io.StringIO(r.stdout)):
            if not row:  # psql writes a lone empty string as an empty line
                row = [""]
            rows.append([None if c == "\x01NULL\x01" else c for c in row])
        return rows

    def script(self, path, db="postgres", user=None, password=None):
        """Run an SQL file with ON_ERROR_STOP; returns psql's stdout."""
        args, env = self._psql_args(db, user, password)
        args += ["-A", "-t", "-f", path]
        return self._run(args, env).stdout

    def create_db(self, name, user="kea", password="kea"):
        """Create login role `user` (if missing) and database `name` owned by it."""
        exists = self.sql(f"SELECT 1 FROM pg_roles WHERE rolname = '{user}'")
        if not exists:
            self.sql(f"CREATE ROLE \"{user}\" LOGIN PASSWORD '{password}'")
        self.sql(f"CREATE DATABASE \"{name}\" OWNER \"{user}\"")

    def drop_db(self, name):
        self.sql(f"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")

    def kea_admin_args(self, db, user="kea", password="kea"):
        """Connection options for `kea-admin <cmd> pgsql ...`."""
        return ["-h", self.host, "-P", str(self.port), "-u", user, "-p", password, "-n", db]


def _main(argv):
    ap = argparse.ArgumentParser(description="private PostgreSQL server for tests")
    ap.add_argument("action", choices=["start", "stop", "sql"])
    ap.add_argument("--port", type=int, default=5501)
    ap.add_argument("--dir", required=True, help="base directory of the cluster")
    ap.add_argument("--db", default=None)
    ap.add_argument("--user", default="kea")
    ap.add_argument("--password", default="kea")
    ap.add_argument("text", nargs="?", help="SQL for the sql action")
    a = ap.parse_intermixed_args(argv)
    srv = PgServer(port=a.port, basedir=a.dir, keep=True)
    if a.action == "start":
        srv.start()
        if a.db:
            srv.create_db(a.db, a.user, a.password)
        print(f"postgresql://{a.user}:{a.password}@127.0.0.1:{a.port}/{a.db or ''}")
    elif a.action == "stop":
        srv.running = True
        srv.keep = False
        srv.stop()
    else:
        srv.running = True
        for row in srv.sql(a.text, db=a.db or "postgres"):
            print("\t".join("NULL" if c is None else c for c in row))
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
