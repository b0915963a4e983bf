"""MH-6: the model hooks intake calls, resolved from settings with a deterministic fallback.

`mt()` returns an object with `translate(text, *, source, target="en")` and
`back_translate(english, *, native, language)`; `oracle()` one with
`lookup(*, post_id, post_text, at, window_hours) -> float | None`. The real ones live in the
model-hooks app (settings.INTAKE["MT_HOOK"], ["ORACLE_HOOK"]: a dotted path to such an object or to
a callable returning it); until it provides them, shards.hooks_fallback's stand-ins answer.
"""
from functools import lru_cache

from django.conf import settings
from django.utils.module_loading import import_string

from shards import hooks_fallback


def _resolve(dotted: str, fallback):
    try:
        hook = import_string(dotted)
    except ImportError:
        return fallback
    return hook() if isinstance(hook, type) or (callable(hook) and not hasattr(hook, "translate")
                                                 and not hasattr(hook, "lookup")) else hook


@lru_cache(maxsize=4)
def _cached(dotted: str, which: str):
    return _resolve(dotted, hooks_fallback.stand_in_translator if which == "mt" else hooks_fallback.stand_in_oracle)


def mt():
    return _cached(settings.INTAKE["MT_HOOK"], "mt")


def oracle():
    return _cached(settings.INTAKE["ORACLE_HOOK"], "oracle")
