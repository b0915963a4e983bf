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
