import pytest


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Each test world has ten accounts; PBKDF2 on a shared 2-core box made setup the slowest part."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _stand_in_hooks(settings):
    """Deterministic stand-ins by default (no model load per test); test_hooks.py exercises the adapters."""
    settings.RISK_DB = {**settings.RISK_DB, "EMBEDDER_HOOK": "", "SENTIMENT_HOOK": ""}
