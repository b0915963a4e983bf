"""Issue 11, the doors: no start without a secret key when DEBUG is off, `check --deploy` clean under
the production settings, password validators, cookies and the Content-Security-Policy."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client

from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parents[2]


def _python(code: str, **env: str) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SECRET_KEY", "DJANGO_DEBUG")}
    base.update({"DATABASE_URL": "", "REDIS_URL": "", "CELERY_BROKER_URL": "", **env})
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=base, capture_output=True, text=True, timeout=180)


@pytest.mark.parametrize("entry", ["config.asgi", "config.wsgi"])
def test_server_refuses_to_start_with_debug_off_and_no_secret_key(entry):
    proc = _python(f"import {entry}", DJANGO_DEBUG="0")
    assert proc.returncode != 0
    assert "ImproperlyConfigured" in proc.stderr and "DJANGO_SECRET_KEY is not set" in proc.stderr


def test_server_starts_with_a_secret_key():
    proc = _python("import config.asgi; print('up')", DJANGO_DEBUG="0", DJANGO_SECRET_KEY="k" * 60)
    assert proc.returncode == 0 and "up" in proc.stdout, proc.stderr


def test_production_settings_refuse_to_load_without_a_key():
    proc = _python(
        "import django; django.setup()", DJANGO_SETTINGS_MODULE="config.settings_production", DJANGO_DEBUG="0"
    )
    assert proc.returncode != 0 and "needs DJANGO_SECRET_KEY" in proc.stderr


def test_check_deploy_under_production_settings_gives_no_warning():
    proc = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={
            **{k: v for k, v in os.environ.items() if k != "DJANGO_DEBUG"},
            "DJANGO_SETTINGS_MODULE": "config.settings_production",
            "DJANGO_SECRET_KEY": "a-long-random-production-key-kept-out-of-the-repo-0123456789abcdef",
            "ALLOWED_HOSTS": "verifier.example.org",
            "DATABASE_URL": "",
            "REDIS_URL": "",
            "CELERY_BROKER_URL": "",
        },
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "System check identified no issues (0 silenced)." in proc.stdout


def test_check_deploy_without_a_key_fails():
    proc = _python(
        "import sys; from django.core.management import execute_from_command_line; "
        "execute_from_command_line(['manage.py', 'check', '--deploy'])",
        DJANGO_SETTINGS_MODULE="config.settings",
        DJANGO_DEBUG="0",
    )
    assert proc.returncode != 0 and "core.E001" in proc.stderr


@pytest.mark.parametrize("password", ["demo", "password123", "12345678901234", "short"])
def test_weak_passwords_are_refused(password):
    with pytest.raises(ValidationError):
        validate_password(password)


def test_a_long_unusual_password_passes():
    validate_password("correct horse battery staple 7")


@pytest.mark.django_db
def test_pages_carry_the_csp_and_httponly_cookies():
    user = UserFactory(username="en_v1")
    client = Client()
    response = client.get("/login/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy and "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
    assert response.cookies["csrftoken"]["httponly"]
    client.post("/login/", {"username": user.username, "password": "demo"})
    assert client.cookies["sessionid"]["httponly"]


def test_no_template_has_inline_script_style_or_handler():
    """The CSP forbids them; data blocks (json_script) are fine: browsers never execute them."""
    import re

    offenders = []
    for path in (ROOT / "templates").rglob("*.html"):
        text = path.read_text()
        for pattern in (
            r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>",
            r"<style\b",
            r"\son[a-z]+=",
            r"\sstyle=",
        ):
            if re.search(pattern, text):
                offenders.append(f"{path.relative_to(ROOT)}: {pattern}")
    assert not offenders


@pytest.mark.parametrize("entry", ["config.asgi", "config.wsgi"])
def test_server_entry_opens_no_connection_and_no_thread_before_the_first_request(entry):
    """`gunicorn --preload` imports the entry in the master and then forks: a poll thread or a pooled
    connection opened at import would be shared by every worker (the queue benchmark's corrupted answers)."""
    code = (
        f"import os, {entry}\n"
        "from django.core.signals import request_started\n"
        "from django.db import connection\n"
        "from modelhooks.tasks import _worker\n"
        "assert connection.connection is None, 'a database connection is open at import'\n"
        "assert not _worker.get('thread'), 'the poll thread started at import'\n"
        "request_started.send(sender=None)\n"
        "assert _worker['thread'].is_alive() and _worker['pid'] == os.getpid()\n"
        "print('ok')\n"
    )
    proc = _python(code, DJANGO_DEBUG="0", DJANGO_SECRET_KEY="k" * 60, FILTER_POLL_SECONDS="3600")
    assert proc.returncode == 0 and "ok" in proc.stdout, proc.stderr
