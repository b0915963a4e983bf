"""Production settings (issue 11): `DJANGO_SETTINGS_MODULE=config.settings_production`.

Everything of `config.settings`, plus HTTPS: Secure session and CSRF cookies, the redirect to HTTPS,
HSTS, websockets over TLS only. It refuses to load with DEBUG on or without DJANGO_SECRET_KEY, and
`manage.py check --deploy` gives no warning under it (tests/core/test_security.py runs it).
Behind a TLS-terminating proxy set DJANGO_BEHIND_PROXY=1 (trusts X-Forwarded-Proto).
"""

import os

from django.core.exceptions import ImproperlyConfigured

from config.settings import *  # noqa: F403
from config.settings import CONTENT_SECURITY_POLICY, DEBUG, SECRET_KEY_EPHEMERAL, env_bool

if DEBUG:
    raise ImproperlyConfigured("config.settings_production runs with DEBUG off: unset DJANGO_DEBUG.")
if SECRET_KEY_EPHEMERAL:
    raise ImproperlyConfigured(
        "config.settings_production needs DJANGO_SECRET_KEY: set it to a long random value kept out of the repo "
        '(python -c "import secrets; print(secrets.token_urlsafe(50))").'
    )

SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_SSL_REDIRECT = True
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]  # probes speak plain HTTP inside the cluster
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(365 * 24 * 3600)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
if env_bool("DJANGO_BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CONTENT_SECURITY_POLICY = {
    **CONTENT_SECURITY_POLICY,
    "DIRECTIVES": {**CONTENT_SECURITY_POLICY["DIRECTIVES"], "connect-src": ["'self'", "wss:"]},
}
