"""What verifier asks of the quality app above it, without importing it (quality sits above verifier
in the layers). The quality app fills these in from its AppConfig.ready(). Asking before it has
raises, so a missing registration fails loudly instead of, say, letting a blind-audit flip reach
training."""
from collections.abc import Callable

from django.core.exceptions import ImproperlyConfigured

_provided: dict[str, Callable] = {}
_demo_loaders: list[Callable] = []


def provide(*, case_is_blind_flip: Callable, verifier_kappa_latest: Callable) -> None:
    """Called once by the quality app: the CA-3 flip test and the CA-2 latest kappa."""
    _provided.update(case_is_blind_flip=case_is_blind_flip, verifier_kappa_latest=verifier_kappa_latest)


def _get(name: str) -> Callable:
    try:
        return _provided[name]
    except KeyError:
        raise ImproperlyConfigured(f"verifier.extensions.{name} is provided by the quality app; "
                                   "is 'quality' in INSTALLED_APPS?") from None


def case_is_blind_flip(*, case) -> bool:
    """CA-3: is this case a blind-audit paraphrase (ruled like any case, never training data)?"""
    return _get("case_is_blind_flip")(case=case)


def verifier_kappa_latest(*, user):
    """CA-2: the user's latest kappa score (with `.effective`), or None."""
    return _get("verifier_kappa_latest")(user=user)


def demo_loader_register(loader: Callable) -> None:
    """`load_demo` calls each registered loader with `admin=` after verifier's own demo data."""
    if loader not in _demo_loaders:
        _demo_loaders.append(loader)


def demo_loaders() -> list[Callable]:
    return list(_demo_loaders)
