"""The doors (issue 11): the secret key a server needs, the answer to a locked-out login, the CSP header.

Settings are in the "Security" block of config/settings.py and in config/settings_production.py.
"""

import functools

from csp import constants as csp_constants
from csp import middleware as csp_middleware
from csp import utils as csp_utils
from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver
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


# ---- The Content-Security-Policy header, built once (issue 13) -----------------------------------

_PER_VIEW_POLICY = tuple(f"_csp_{kind}{ro}" for kind in ("config", "update", "replace") for ro in ("", "_ro"))


@functools.cache
def _static_policies() -> tuple[tuple[str, str, tuple[str, ...], str], ...]:
    """(header, policy, excluded path prefixes, exempt attribute) for the policy and the report-only one, as
    django-csp builds them from the settings for a response with no per-view policy and no nonce."""
    out = []
    for header, setting, report_only, exempt in (
        (csp_constants.HEADER, "CONTENT_SECURITY_POLICY", False, "_csp_exempt"),
        (csp_constants.HEADER_REPORT_ONLY, "CONTENT_SECURITY_POLICY_REPORT_ONLY", True, "_csp_exempt_ro"),
    ):
        policy = csp_utils.build_policy(report_only=report_only)
        excluded = tuple((getattr(settings, setting, None) or {}).get("EXCLUDE_URL_PREFIXES", None) or ())
        if policy:
            out.append((header, policy, excluded, exempt))
    return tuple(out)


@receiver(setting_changed)
def _policies_forget(*, setting, **kwargs):
    if setting.startswith("CONTENT_SECURITY_POLICY"):
        _static_policies.cache_clear()


class CSPMiddleware(csp_middleware.CSPMiddleware):
    """django-csp's middleware (settings.CONTENT_SECURITY_POLICY), with the header of a response that has no
    per-view policy (`csp_update` and the like) and whose request used no nonce built once per process, not on
    every response: building it took 8 % of a live filter request's time (issue 13). Such a response gets the
    same header, by the same rules (exempt, excluded prefixes, an error page under DEBUG); anything else takes
    django-csp's own path."""

    def process_response(self, request, response):
        if getattr(request, "_csp_nonce", None) is not None or any(hasattr(response, a) for a in _PER_VIEW_POLICY):
            return super().process_response(request, response)
        if settings.DEBUG and response.status_code in (500, 404):
            return response
        for header, policy, excluded, exempt in _static_policies():
            if (
                header not in response
                and not getattr(response, exempt, False)
                and not request.path_info.startswith(excluded)
            ):
                response[header] = policy
        request.csp_nonce = csp_middleware.CheckableLazyObject(self._csp_nonce_post_response)
        return response
