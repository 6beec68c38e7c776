"""The lease-store conformance suite (tests/unit/lease/conformance.h) on the PostgreSQL and MySQL
lease stores, for lease4 and lease6: the same cases, through lease_store_ops_t only, that the
memfile store passes in the unit tests, on real databases with Kea 2.2's schema."""
import os
import subprocess

import pytest
from workers import PORT_OFFSET

import mysqlserver
import pgsqlserver
from conftest import BUILD

ADMIN = os.path.join(BUILD, "src", "admin", "nestor-admin")
SUITE = os.path.join(BUILD, "tests", "unit", "lease", "conformance_sql")
PG_PORT, MY_PORT = 5548 + PORT_OFFSET, 3448 + PORT_OFFSET

pytestmark = pytest.mark.skipif(not os.path.exists(SUITE), reason="built without the unit tests")


@pytest.fixture(scope="module")
def pg():
    yield from pgsqlserver.serve(PG_PORT)


@pytest.fixture(scope="module")
def my():
    yield from mysqlserver.serve(MY_PORT)


def run_suite(backend, port, db):
    r = subprocess.run([ADMIN, "db-init", backend, "-h", "127.0.0.1", "-P", str(port), "-u", "kea", "-p", "kea",
                        "-n", db], capture_output=True, text=True, stdin=subprocess.DEVNULL)
    assert r.returncode == 0, r.stdout + r.stderr
    env = dict(os.environ, NESTOR_CONF_DB="mysql" if backend == "mysql" else "postgresql",
               NESTOR_CONF_HOST="127.0.0.1", NESTOR_CONF_PORT=str(port), NESTOR_CONF_NAME=db,
               NESTOR_CONF_USER="kea", NESTOR_CONF_PASSWORD="kea", CMOCKA_MESSAGE_OUTPUT="stdout")
    r = subprocess.run([SUITE], capture_output=True, text=True, env=env, timeout=600)
    out = r.stdout + r.stderr
    assert "Sanitizer" not in out and "runtime error" not in out, out
    assert r.returncode == 0, out
    assert out.count("[  PASSED  ] 7 test(s).") == 2, out  # v4 and v6


def test_postgresql_store_passes_the_conformance_suite(pg):
    pg.create_db("conf")
    run_suite("pgsql", PG_PORT, "conf")


def test_mysql_store_passes_the_conformance_suite(my):
    run_suite("mysql", MY_PORT, my.create_database("conf"))
