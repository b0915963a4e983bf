"""Shared fixtures. With REQUIRE_SERVICES=1 (CI) a missing PostgreSQL, Redis or Celery worker fails
the run instead of skipping the tests that need them."""

import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings as django_settings

from bench._procs import Daphne, free_port, stop_process_group  # noqa: F401 (tests import them from here)

ROOT = Path(__file__).resolve().parent.parent
# Test modules import the ASGI app in-process (tests/verifier/test_live*.py) with this run's random key;
# the refusal to start a server without DJANGO_SECRET_KEY is tested in subprocesses (tests/core/test_security.py).
django_settings.SECRET_KEY_EPHEMERAL = False
REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"
# Issue 13: no filter poll thread in the test process (some tests import config.asgi); tests refresh by hand.
django_settings.FILTER["POLL_SECONDS"] = 0


def _on_postgres() -> bool:
    return django_settings.DATABASES["default"]["ENGINE"].endswith("postgresql")


def _redis_ok() -> bool:
    if not django_settings.REDIS_URL:
        return False
    import redis

    try:
        return bool(redis.Redis.from_url(django_settings.REDIS_URL, socket_connect_timeout=2).ping())
    except redis.RedisError:
        return False


TEST_POOL_MAX_SIZE = 30  # the concurrency tests run 20 verifier threads in this process, each on a connection


def pytest_sessionstart(session):
    # The Thai and Arabic catalogues (VQ-9): `make install` compiles them; so does a bare pytest run.
    subprocess.run([sys.executable, str(ROOT / "scripts" / "compile_messages.py")], check=True, capture_output=True)
    pool = django_settings.DATABASES["default"].get("OPTIONS", {}).get("pool")
    if pool and "DB_POOL_MAX_SIZE" not in os.environ:  # before the pool opens (it opens on first use)
        pool["max_size"] = max(pool["max_size"], TEST_POOL_MAX_SIZE)
    if REQUIRE_SERVICES:
        problems = []
        if not _on_postgres():
            problems.append("DATABASE_URL does not point at PostgreSQL")
        if not _redis_ok():
            problems.append(f"Redis is not reachable at REDIS_URL={django_settings.REDIS_URL!r}")
        if problems:
            pytest.exit("REQUIRE_SERVICES=1 but " + "; ".join(problems), returncode=3)


def pytest_collection_modifyitems(config, items):
    """Skip (or, under REQUIRE_SERVICES, keep so they fail loudly) tests whose service is absent."""
    if REQUIRE_SERVICES:
        return
    missing = {"pg": not _on_postgres(), "redis": not _redis_ok(), "worker": not (_on_postgres() and _redis_ok())}
    for item in items:
        for mark, absent in missing.items():
            if absent and item.get_closest_marker(mark):
                item.add_marker(pytest.mark.skip(reason=f"needs {mark}; set REQUIRE_SERVICES=1 to make this an error"))


@pytest.fixture(scope="session", autouse=True)
def _end_stray_sessions_before_dropping_test_db(django_db_setup, django_db_blocker):
    """Thread pools (Channels' database_sync_to_async, test threads) may keep a connection open
    to the test database; end them so the database can be dropped at the end of the run."""
    yield
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


@pytest.fixture(autouse=True)
def _no_overlap_by_default(settings):
    """Overlap sampling (VQ-5) is random per case; tests about it turn it back on."""
    settings.VERIFIER = {**settings.VERIFIER, "OVERLAP_RATE": 0.0}


@pytest.fixture(autouse=True)
def _forget_checked_tokens():
    """The hot routes trust a token this process checked a few seconds ago (core.tokens.CachedTokenAuthentication):
    each test starts with none checked, so a token revoked or a user deactivated in one test is never trusted from
    an earlier one."""
    from core.tokens import CachedTokenAuthentication

    CachedTokenAuthentication._checked.clear()
    yield
    CachedTokenAuthentication._checked.clear()


@pytest.fixture(autouse=True)
def _reset_tagger():
    from shards.services.lexicons import tagger

    tagger._stamp = None
    yield


def child_database_url() -> str:
    """A DATABASE_URL for a child process (worker, server) that points at the test database."""
    from django.db import connection

    cfg = connection.settings_dict
    if cfg["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{cfg['NAME']}"
    auth = quote(cfg["USER"] or "postgres")
    if cfg.get("PASSWORD"):
        auth += ":" + quote(cfg["PASSWORD"])
    return f"postgres://{auth}@{cfg['HOST'] or '127.0.0.1'}:{cfg['PORT'] or 5432}/{cfg['NAME']}"


def _child_env(**extra) -> dict:
    env = dict(os.environ)
    # With DEBUG off a server refuses to start without DJANGO_SECRET_KEY (issue 11): hand it this run's key.
    env.setdefault("DJANGO_SECRET_KEY", django_settings.SECRET_KEY)
    env.update({"DATABASE_URL": child_database_url(), "DB_CONN_MAX_AGE": "0", "PYTHONUNBUFFERED": "1", **extra})
    return env


@pytest.fixture
def celery_worker_process(transactional_db, tmp_path):
    """A real Celery worker (prefork, 1 process) on the Redis broker, reading the test database."""
    log = tmp_path / "worker.log"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "-Q",
            "default,gpu",
            "-c",
            "1",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-l",
            "info",
            "-n",
            f"test-{os.getpid()}@%h",
        ],
        cwd=ROOT,
        env=_child_env(),
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.time() + 60
    while time.time() < deadline and "ready" not in log.read_text():
        if proc.poll() is not None:
            raise RuntimeError("Celery worker exited:\n" + log.read_text())
        time.sleep(0.2)
    else:
        if "ready" not in log.read_text():
            proc.kill()
            raise RuntimeError("Celery worker did not start in 60 s:\n" + log.read_text())
    yield proc
    stop_process_group(proc)


def asgi_server_start(tmp_path, **extra_env):
    """Start the real ASGI app under daphne on 127.0.0.1 against the test database (`extra_env` on
    top, e.g. a shorter product setting); returns (process, base URL) once it answers /healthz. Stop it
    with stop_process_group. The same starter as the benchmarks' (bench/_procs.py)."""
    server = Daphne(tmp_path / "daphne.log", _child_env(**extra_env))
    return server.proc, server.url


@pytest.fixture
def asgi_server(transactional_db, tmp_path):
    """The real ASGI app under daphne on 127.0.0.1, reading the test database. Yields its base URL."""
    proc, url = asgi_server_start(tmp_path)
    yield url
    stop_process_group(proc)
    # pytest shows a test's captured output only when it fails: the server's side of the failure.
    print("daphne log (last 60 lines):\n" + "\n".join((tmp_path / "daphne.log").read_text().splitlines()[-60:]))


@pytest.fixture
def api():
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture
def standin_hooks(settings):
    """Pin the paraphraser and embedder to deterministic implementations (whatever the defaults are);
    the stand-ins live in tests.base."""
    from tests.base import STANDINS, hooks_install

    hooks_install(settings, **STANDINS)


@pytest.fixture(autouse=True)
def _reset_rate_limits():
    """IN-3 keeps its counters in Redis, outside the test database: start each test clean."""
    from shards.intake import defences

    defences.block_list_cache.stamp = None
    if django_settings.REDIS_URL and _redis_ok():
        import redis

        client = redis.Redis.from_url(django_settings.REDIS_URL)
        keys = list(client.scan_iter("vo:rl:*", count=1000))
        if keys:
            client.delete(*keys)
    yield


@pytest.fixture
def intake_client(api):
    """The intake service account's API client, with an en-US shard and the global queue."""
    from shards.models import Shard
    from tests.base import login_as
    from tests.factories import ShardFactory, UserFactory, shard_with_pool

    shard_with_pool("en-US")
    ShardFactory(code="global", kind=Shard.Kind.GLOBAL)
    login_as(api, UserFactory(username="intake", role="intake"))
    return api
