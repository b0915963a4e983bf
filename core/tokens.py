"""API tokens (issue 11), on django-rest-knox: only a SHA-512 digest is stored, every token expires
after `REST_KNOX["TOKEN_TTL"]`, and a revoked token is gone. Clients send `Authorization: Token <key>`."""

from datetime import datetime

from knox.models import AuthToken

from core.models import User


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
