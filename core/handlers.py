"""The WSGI application: two middleware chains (issues 13 and 14, "serve the hot routes lean").

A request to `/api/` that carries `Authorization: Token ...` is a machine client's (the live filter's
caller, a verifier client, the bench): it has no session, no CSRF cookie, no flash messages, no htmx and
no static file to find. It runs `settings.API_TOKEN_MIDDLEWARE`, the full list without those. Everything
else (pages, the browser's own API calls on its session, login and logout under `/api/v1/auth/`) runs
`settings.MIDDLEWARE`. The view, its authentication (DRF's; the token class sets the user and the user's
language), its errors and its answer are the same on both: the lean chain keeps the security headers, the
body checks, the language of Accept-Language, the trailing-slash rule, X-Frame-Options and the CSP.

The lean handler is Django's own `WSGIHandler`, built from the other list: `load_middleware` reads
`settings.MIDDLEWARE` once, when the handler is made (process start), so it is given the lean list for
that call only.
"""

from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler

API_PREFIX = "/api/"  # as core.api
FULL_CHAIN_PREFIXES = ("/api/v1/auth/",)  # login, logout: django-axes and the session live there
TOKEN_SCHEME = "Token "


def request_is_token_api(environ) -> bool:
    """A token-authenticated API request, outside the login and logout routes (the lean chain's)."""
    path = environ.get("PATH_INFO", "")
    return (
        path.startswith(API_PREFIX)
        and not path.startswith(FULL_CHAIN_PREFIXES)
        and environ.get("HTTP_AUTHORIZATION", "").startswith(TOKEN_SCHEME)
    )


class LeanWSGIHandler(WSGIHandler):
    """Django's WSGI handler over `settings.API_TOKEN_MIDDLEWARE`."""

    def load_middleware(self, is_async=False):
        full = settings.MIDDLEWARE
        settings.MIDDLEWARE = settings.API_TOKEN_MIDDLEWARE
        try:
            super().load_middleware(is_async)
        finally:
            settings.MIDDLEWARE = full


class TwoChainApplication:
    """The WSGI callable: a token API request to the lean handler, anything else to the full one."""

    def __init__(self):
        self.full = WSGIHandler()
        self.lean = LeanWSGIHandler()

    def __call__(self, environ, start_response):
        handler = self.lean if request_is_token_api(environ) else self.full
        return handler(environ, start_response)


def wsgi_application() -> TwoChainApplication:
    """`get_wsgi_application()` with the lean chain beside the full one (config/wsgi.py)."""
    import django

    django.setup(set_prefix=False)
    return TwoChainApplication()
