"""What verifier asks of the apps above it (quality, risk_db), without importing them: they sit above
verifier in the layers (docs/architecture.md). Each fills in its part from its AppConfig.ready().
Asking before it has raises, so a missing registration fails loudly instead of, say, letting a
blind-audit flip reach training or a taboo case skip its rule check."""

from collections.abc import Callable

from django.core.exceptions import ImproperlyConfigured

_provided: dict[str, Callable] = {}
_demo_loaders: list[tuple[bool, Callable]] = []
_PROVIDERS = {
    "case_is_blind_flip": "quality",
    "case_is_blind_flip_part": "quality",
    "verifier_kappa_latest": "quality",
    "rules_matching_text": "risk_db",
}


def provide(**functions: Callable) -> None:
    """Called once by each app above: quality gives the CA-3 flip test and the CA-2 latest kappa,
    risk_db the rule matcher (VQ-3, SH-1)."""
    unknown = set(functions) - set(_PROVIDERS)
    if unknown:
        raise ImproperlyConfigured(f"verifier.extensions has no slot {sorted(unknown)}")
    _provided.update(functions)


def _get(name: str) -> Callable:
    try:
        return _provided[name]
    except KeyError:
        raise ImproperlyConfigured(
            f"verifier.extensions.{name} is provided by the {_PROVIDERS[name]} app; "
            f"is {_PROVIDERS[name]!r} in INSTALLED_APPS?"
        ) from None


def case_is_blind_flip(*, case) -> bool:
    """CA-3: is this case a blind-audit paraphrase (ruled like any case, never training data)?"""
    return _get("case_is_blind_flip")(case=case)


def case_is_blind_flip_part(*, case_sql: str):
    """Issue 14: the same test as a `core.sql.SqlPart` (an EXISTS on the column `case_sql`), read with the
    ruling's seat lock on PostgreSQL."""
    return _get("case_is_blind_flip_part")(case_sql=case_sql)


def verifier_kappa_latest(*, user):
    """CA-2: the user's latest kappa score (with `.effective`), or None."""
    return _get("verifier_kappa_latest")(user=user)


def rules_matching_text(*, text: str, locale: str) -> list:
    """VQ-3 / SH-1: the blocking rules of `locale`'s shard whose current version matches `text`."""
    return _get("rules_matching_text")(text=text, locale=locale)


def demo_loader_register(loader: Callable, *, before_intake: bool = False) -> None:
    """`load_demo` calls each registered loader with `admin=`: those `before_intake` once the people
    and shards exist (rules the demo intake should meet), the others after the demo intake."""
    if (before_intake, loader) not in _demo_loaders:
        _demo_loaders.append((before_intake, loader))


def demo_loaders(*, before_intake: bool = False) -> list[Callable]:
    return [loader for before, loader in _demo_loaders if before == before_intake]
