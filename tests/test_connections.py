"""Issue 12: under daphne the web process holds at most DB_POOL_MAX_SIZE PostgreSQL connections,
during a burst of concurrent requests and after it (a persistent connection per request thread
used to outlive its thread and fill PostgreSQL's 100 connections)."""

import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from core.tokens import token_create
from tests.factories import UserFactory

POOL_MAX = 4
REQUESTS = 60
APP_NAME = "vo-connections-test"


@pytest.fixture
def pooled_server_env(monkeypatch):
    """Read by the asgi_server fixture when it starts daphne (it copies os.environ)."""
    monkeypatch.setenv("DB_POOL_MIN_SIZE", "1")
    monkeypatch.setenv("DB_POOL_MAX_SIZE", str(POOL_MAX))
    monkeypatch.setenv("DB_POOL_TIMEOUT", "30")
    monkeypatch.setenv("PGAPPNAME", APP_NAME)  # libpq tags the server's connections


def server_connections() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name = %s",
            [APP_NAME],
        )
        return cursor.fetchone()[0]


@pytest.mark.pg
def test_daphne_keeps_its_connections_within_the_pool_bound(pooled_server_env, asgi_server):
    user = UserFactory()
    token, _ = token_create(user=user)

    def fetch(_):
        request = urllib.request.Request(f"{asgi_server}/api/v1/me/", headers={"Authorization": f"Token {token}"})
        with urllib.request.urlopen(request, timeout=60) as response:  # 127.0.0.1 only
            return response.status

    seen, stop = [], threading.Event()

    def sample():
        while not stop.is_set():
            seen.append(server_connections())
            time.sleep(0.02)

    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        with ThreadPoolExecutor(max_workers=REQUESTS) as pool:  # bounded: one thread per request
            statuses = list(pool.map(fetch, range(REQUESTS)))
    finally:
        stop.set()
        sampler.join()
    connection.close()  # the sampler thread's connection

    assert statuses == [200] * REQUESTS
    assert max(seen) >= 1, "the sampler never saw the server's connections"
    assert max(seen) <= POOL_MAX, f"peak {max(seen)} connections, pool bound {POOL_MAX}"
    time.sleep(2)
    assert 1 <= server_connections() <= POOL_MAX  # after the burst: the pool's, not one per dead thread


# Issue 14: the pool lends a quiet connection without asking the server, and still never lends one the
# server ended (issue 12). A one-connection pool of the same kind as settings.DATABASES' makes the lent
# connection the one we watch.


def _one_connection_pool(check):
    from psycopg_pool import ConnectionPool

    params = connection.get_connection_params()
    params.pop("context", None)
    params["autocommit"] = True
    return ConnectionPool(kwargs=params, min_size=1, max_size=1, check=check, open=True)


def _last_statement(pid: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT query FROM pg_stat_activity WHERE pid = %s", [pid])
        return cursor.fetchone()[0]


@pytest.mark.pg
def test_the_django_pool_lends_through_the_socket_check(db):
    from core.postgresql.base import pool_connection_check

    connection.ensure_connection()
    assert connection.pool is not None, "the tests run with the pool on (DB_POOL_MAX_SIZE)"
    assert connection.pool._check is pool_connection_check


@pytest.mark.pg
def test_a_quiet_connection_is_lent_without_a_round_trip(db):
    from core.postgresql.base import pool_connection_check

    with _one_connection_pool(pool_connection_check) as pool:
        with pool.connection() as conn:
            pid = conn.info.backend_pid
            conn.execute("SELECT 'the last statement before the lend'")
        with pool.connection() as conn:
            assert conn.info.backend_pid == pid
            # psycopg_pool's own check would have run an empty statement on it first
            assert _last_statement(pid) == "SELECT 'the last statement before the lend'"
            assert conn.execute("SELECT 41 + 1").fetchone() == (42,)


@pytest.mark.pg
@pytest.mark.parametrize("checked", [True, False], ids=["socket check", "no check (control)"])
def test_a_connection_the_server_ended_is_never_lent(db, checked):
    import psycopg

    from core.postgresql.base import pool_connection_check

    with _one_connection_pool(pool_connection_check if checked else None) as pool:
        with pool.connection() as conn:
            pid = conn.info.backend_pid
        with connection.cursor() as cursor:  # as a restart would: the server ends the idle connection
            cursor.execute("SELECT pg_terminate_backend(%s, 5000)", [pid])
        if checked:
            with pool.connection() as conn:
                assert conn.info.backend_pid != pid
                assert conn.execute("SELECT 1").fetchone() == (1,)
        else:  # the control: unchecked, the pool lends the dead one and its first statement fails
            with pytest.raises(psycopg.OperationalError), pool.connection() as conn:
                conn.execute("SELECT 1")
