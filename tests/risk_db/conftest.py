import pytest

from tests.base import hooks_install


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Each test world has ten accounts; PBKDF2 on a shared 2-core box made setup the slowest part."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _deterministic_hooks(settings):
    """No model load per test: the char n-gram embedder for every script, word-list sentiment.
    test_hooks.py exercises the registry's defaults and fallbacks."""
    hooks_install(
        settings,
        EMBEDDER="modelhooks.hooks.embedders.CharNgramEmbedder",
        SENTIMENT="tests.risk_db.fake_hooks.LexiconSentiment",
    )
