"""Issue 12: /healthz (process up) and /readyz (database, Redis, broker, rule index freshness) for
a load balancer: anonymous, 503 naming what is down, no secrets in the body."""

import json
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
from django.conf import settings

from risk_db.services import rules_index_rebuild
from tests.conftest import ROOT, _child_env, free_port, stop_process_group


def assert_no_secrets(response):
    text = response.content.decode()
    for secret in (settings.SECRET_KEY, settings.DATABASES["default"].get("PASSWORD") or settings.SECRET_KEY):
        assert secret not in text
    assert "postgres://" not in text and "redis://" not in text


def test_healthz_answers_anonymously_without_touching_the_database(client):
    response = client.get("/healthz")  # no db fixture: pytest-django raises on any database access
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_is_200_with_each_check_when_all_is_up(client):
    rules_index_rebuild()
    response = client.get("/readyz")
    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "ok" and body["down"] == []
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["rule_index"]["ok"] is True
    assert ("redis" in body["checks"]) == bool(settings.REDIS_URL)
    assert ("broker" in body["checks"]) == (not settings.CELERY_TASK_ALWAYS_EAGER)
    assert all(check["ok"] for check in body["checks"].values())
    assert_no_secrets(response)


@pytest.mark.django_db
def test_readyz_names_the_rule_index_when_there_is_none_or_it_is_stale(client, settings):
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["down"] == ["rule_index"]
    assert "no live index" in response.json()["checks"]["rule_index"]["reason"]

    rules_index_rebuild()
    settings.RISK_DB = {**settings.RISK_DB, "INDEX_STALE_HOURS": 0}  # the last rebuild is now too old
    response = client.get("/readyz")
    body = response.json()
    assert response.status_code == 503
    assert body["status"] == "unavailable" and body["down"] == ["rule_index"]
    assert "nightly rebuild last ran" in body["checks"]["rule_index"]["reason"]
    assert body["checks"]["database"]["ok"] is True


@pytest.mark.django_db
@pytest.mark.redis
def test_readyz_names_redis_when_it_is_unreachable(client, settings):
    rules_index_rebuild()
    settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"  # a closed port
    response = client.get("/readyz")
    body = response.json()
    assert response.status_code == 503
    assert "redis" in body["down"] and "database" not in body["down"]
    assert body["checks"]["redis"]["ok"] is False
    assert_no_secrets(response)


def get(url):
    try:
        with urllib.request.urlopen(url, timeout=30) as response:  # 127.0.0.1 only
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.mark.pg
def test_readyz_names_the_database_when_it_is_unreachable(tmp_path):
    """A real daphne whose DATABASE_URL points at a closed port: /healthz stays 200, /readyz says 503
    and names the database, within the check's timeout."""
    closed = free_port()
    port = free_port()
    log = tmp_path / "daphne.log"
    env = _child_env(DATABASE_URL=f"postgres://postgres:s3cret-pw@127.0.0.1:{closed}/nowhere", DJANGO_DEBUG="0")
    proc = subprocess.Popen(
        [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "config.asgi:application"],
        cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.time() + 30
        while True:
            try:
                status, body = get(f"{base}/healthz")
                break
            except OSError:
                if proc.poll() is not None or time.time() > deadline:
                    raise RuntimeError("daphne did not start:\n" + log.read_text()) from None
                time.sleep(0.2)
        assert (status, body) == (200, {"status": "ok"})

        started = time.monotonic()
        status, body = get(f"{base}/readyz")
        assert time.monotonic() - started < 15
        assert status == 503, body
        assert body["status"] == "unavailable"
        assert "database" in body["down"]
        assert body["checks"]["database"]["ok"] is False
        text = json.dumps(body)
        assert "s3cret-pw" not in text and str(closed) not in text
    finally:
        stop_process_group(proc)
