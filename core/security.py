"""The doors (issue 11): the secret key a server needs, and the answer to a locked-out login.

Settings are in the "Security" block of config/settings.py and in config/settings_production.py.
"""

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from core.api import error_response

API_PREFIX = "/api/"  # as core.api


def secret_key_require() -> None:
    """A server (ASGI, WSGI) refuses to start with DEBUG off and no DJANGO_SECRET_KEY: sessions, CSRF
    tokens and signed values would be signed with a key of this process only, or a known one."""
    if getattr(settings, "SECRET_KEY_EPHEMERAL", False):
        raise ImproperlyConfigured(
            "DEBUG is off and DJANGO_SECRET_KEY is not set: refusing to start. Set DJANGO_SECRET_KEY to a long "
            'random value kept out of the repo (python -c "import secrets; print(secrets.token_urlsafe(50))"), '
            "or DJANGO_DEBUG=1 for development."
        )


@checks.register(checks.Tags.security, deploy=True)
def secret_key_check(app_configs, **kwargs):
    if getattr(settings, "SECRET_KEY_EPHEMERAL", False):
        return [
            checks.Error(
                "DJANGO_SECRET_KEY is not set: this process uses a random key of its own.",
                hint="Set DJANGO_SECRET_KEY; the servers refuse to start without it when DEBUG is off.",
                id="core.E001",
            )
        ]
    return []


def lockout_response(request, *args) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: 429, in the API error shape on /api/ and as the login page elsewhere.
    (axes calls it as (request, response, credentials) or, on its async path, (request, credentials).)"""
    minutes = max(1, int(settings.AXES_COOLOFF_TIME.total_seconds() // 60))
    detail = _("Too many failed logins for this account from your address. Try again in %(minutes)d minute(s).") % {
        "minutes": minutes
    }
    seconds = str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    if request.path.startswith(API_PREFIX):
        response = error_response(429, "locked_out", detail)
    else:
        response = render(request, "registration/login.html", {"form": None, "locked_out": detail}, status=429)
    response["Retry-After"] = seconds
    return response
