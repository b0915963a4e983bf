"""API tokens (issue 11), on django-rest-knox: only a SHA-512 digest is stored, every token expires
after `REST_KNOX["TOKEN_TTL"]`, and a revoked token is gone. Clients send `Authorization: Token <key>`."""

import binascii
import functools
import time
from datetime import datetime
from hmac import compare_digest

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from knox import auth as knox_auth
from knox.crypto import hash_token
from knox.models import AuthToken
from rest_framework.exceptions import AuthenticationFailed

from core.models import User
from core.sql import model_from_row, sql_hot_path, sql_run


def token_create(*, user: User) -> tuple[str, datetime | None]:
    """A new token for `user`; returns the key (shown once, never stored) and when it expires."""
    instance, key = AuthToken.objects.create(user=user)
    return key, instance.expiry


def token_revoke(*, token: AuthToken) -> None:
    token.delete()


def tokens_revoke_all(*, user: User) -> int:
    """Every token of `user` (logout everywhere, or a password change). Returns how many."""
    deleted, _ = AuthToken.objects.filter(user=user).delete()
    return deleted


def user_language_activate(*, request, user) -> None:
    """VQ-9 (issue 11): a token-authenticated API answer (its `detail` strings) is in the user's own
    `ui_language`, as a session page is (core.i18n.UserLanguageMiddleware runs before DRF knows the
    token's user, so the token authentication does it); without a setting, Accept-Language decides."""
    language = getattr(user, "ui_language", "")
    if language:
        translation.activate(language)
        request.LANGUAGE_CODE = language
        getattr(request, "_request", request).LANGUAGE_CODE = language


class TokenAuthentication(knox_auth.TokenAuthentication):
    """knox's `Authorization: Token <key>`, one statement per request: knox itself also reads every
    token of the user on each request to delete the expired ones (a second statement on the hot pair,
    issue 14). Here only the token presented is checked: an expired one is deleted and refused (401);
    other expired tokens of the user fail the same way when presented, and are deleted then."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None:
            user_language_activate(request=request, user=result[0])
        return result

    def _cleanup_token(self, auth_token) -> bool:
        if auth_token.expiry is not None and auth_token.expiry < timezone.now():
            auth_token.delete()
            return True
        return False

    def authenticate_credentials(self, token):
        """knox's check, with the token rows and their users read by one prepared statement on PostgreSQL
        (core.sql; every API request runs it). The same steps after: expired ones deleted and skipped, the
        digest compared in constant time, auto-refresh, the inactive user refused."""
        if not sql_hot_path():
            return super().authenticate_credentials(token)
        key = token.decode("utf-8")[: knox_auth.CONSTANTS.TOKEN_KEY_LENGTH]
        n = len(AuthToken._meta.concrete_fields)
        for row in sql_run(_token_sql(), [key]):
            auth_token, user = model_from_row(AuthToken, row[:n]), model_from_row(User, row[n:])
            AuthToken.user.field.set_cached_value(auth_token, user)
            if self._cleanup_token(auth_token):
                continue
            try:
                digest = hash_token(token.decode("utf-8"))
            except (TypeError, binascii.Error):
                raise AuthenticationFailed(_("Invalid token.")) from None
            if compare_digest(digest, auth_token.digest):
                if knox_auth.knox_settings.AUTO_REFRESH and auth_token.expiry:
                    self.renew_token(auth_token)
                return self.validate_user(auth_token)
        raise AuthenticationFailed(_("Invalid token."))


@functools.cache
def _token_sql() -> str:
    cols = [f't."{f.column}"' for f in AuthToken._meta.concrete_fields]
    cols += [f'u."{f.column}"' for f in User._meta.concrete_fields]
    return (
        f'SELECT {", ".join(cols)} FROM "{AuthToken._meta.db_table}" t '
        f'JOIN "{User._meta.db_table}" u ON u.id = t.user_id WHERE t.token_key = %s'
    )


class CachedTokenAuthentication(TokenAuthentication):
    """Issue 13, for a hot service route (the live filter): a token this process checked less than
    `ttl_seconds` ago is trusted again without the statement. The bound, stated: a revoked token (logout,
    deletion) or a deactivated account keeps working on this route for at most `ttl_seconds` in each server
    process that checked it just before; an expiry is checked on every use (from the cached row). Keyed by the
    token's SHA-512 digest, so no key is held in memory. Subclasses set `ttl_seconds`."""

    ttl_seconds: float = 0.0
    max_entries = 10_000
    _checked: dict = {}  # digest -> (user, auth_token, monotonic time checked); shared by the process's threads

    def authenticate_credentials(self, token):
        if self.ttl_seconds <= 0:
            return super().authenticate_credentials(token)
        try:
            digest = hash_token(token.decode("utf-8"))
        except (TypeError, UnicodeDecodeError, ValueError):
            return super().authenticate_credentials(token)  # refused there, with knox's message
        now = time.monotonic()
        hit = self._checked.get(digest)
        if hit is not None and now - hit[2] < self.ttl_seconds:
            expiry = hit[1].expiry
            if expiry is None or expiry >= timezone.now():
                return hit[0], hit[1]
        self._checked.pop(digest, None)
        user, auth_token = super().authenticate_credentials(token)
        if len(self._checked) >= self.max_entries:
            self._checked.clear()
        self._checked[digest] = (user, auth_token, now)
        return user, auth_token


class TokenScheme(KnoxTokenScheme):
    """The OpenAPI security scheme of `TokenAuthentication` (drf-spectacular knows only knox's own class)."""

    target_class = "core.tokens.TokenAuthentication"
    match_subclasses = True
    name = "tokenAuth"


class CachedTokenScheme(TokenScheme):
    """The same `Authorization: Token ...` header, as its own scheme: drf-spectacular keys a security scheme by
    the authentication class, so a subclass under the name "tokenAuth" would clash (and fail `check --deploy`)."""

    target_class = "core.tokens.CachedTokenAuthentication"
    match_subclasses = True
    priority = 1  # before TokenScheme, which matches this class too
    name = "cachedTokenAuth"
