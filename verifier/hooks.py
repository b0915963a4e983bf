"""Resolve the model hooks named in settings.VERIFIER_HOOKS (MH-6).

A dotted path that does not import falls back to this app's default: the clearly named stand-in for
the paraphraser and MT (no such model ships offline), the real MiniLM model for embeddings.
Each call returns (function, name) so what produced an item is recorded with it.
"""
import logging
from collections.abc import Callable

from django.conf import settings
from django.utils.module_loading import import_string

from verifier import hook_standins

log = logging.getLogger(__name__)
_warned: set[str] = set()
_DEFAULTS = {
    "PARAPHRASER": hook_standins.LemmaSwapParaphraserStandIn,
    "TRANSLATOR": hook_standins.TaggedTranslatorStandIn,
    "EMBEDDER": hook_standins.MiniLMEmbedder,
}


def hook_get(name: str) -> tuple[Callable, str]:
    path = settings.VERIFIER_HOOKS.get(name, "")
    try:
        target = import_string(path)
    except ImportError:
        target = _DEFAULTS[name]
        fallback = getattr(target, "name", f"{target.__module__}.{target.__qualname__}")
        if path not in _warned:  # said once per process, and the name used is recorded on every item
            _warned.add(path)
            log.warning("model hook %s: %r does not import; using %s", name, path, fallback)
        path = fallback
    if isinstance(target, type):
        target = target()
    return target, getattr(target, "name", path)
