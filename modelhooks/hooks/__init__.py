"""MH-6: the one model-hook registry. Every model sits behind a small interface (`base.py`); the
implementation of each kind is named in `settings.MODELHOOKS["HOOKS"]` (docs/hooks.md).

`settings.MODELHOOKS["HOOKS"]` maps a kind (see KINDS) to a dotted class path. Real defaults where a
package ships the model offline (all-MiniLM-L6-v2, also as the canary target, scikit-learn char
n-grams, VADER's lexicon); classes whose names end in `StandIn` are deterministic stand-ins for what
cannot be had offline (MT, oracle); OCR is Tesseract, the paraphraser rules over PyThaiNLP segmentation. A path that does not import falls back, with a warning, to
the kind's default in DEFAULT_HOOKS. Every app calls the module-level entry points (`embed`, `mt`,
`oracle` / `public_record_oracle`, `paraphrase`, `sentiment`, `ocr`, `hook(kind).name`).

This package is the lowest app layer above core: it imports no other app, and models load lazily, so
`import modelhooks.hooks` is cheap.
"""

from __future__ import annotations

import logging
from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string

from modelhooks.hooks.base import (
    CanaryTarget,
    Embedder,
    EmbeddingResult,
    MachineTranslator,
    OcrReader,
    Oracle,
    OracleAnswer,
    Paraphraser,
    SentimentScorer,
)
from modelhooks.hooks.scripts import covered_by_model

log = logging.getLogger(__name__)

# The kind's default implementation: what config/settings.py names, and the fallback for a path that does not import.
DEFAULT_HOOKS = {
    "EMBEDDER": "modelhooks.hooks.embedders.MiniLMEmbedder",
    "CHAR_EMBEDDER": "modelhooks.hooks.embedders.CharNgramEmbedder",
    "SENTIMENT": "modelhooks.hooks.others.VaderSentiment",
    "MT": "modelhooks.hooks.others.MachineTranslatorStandIn",
    "ORACLE": "modelhooks.hooks.others.OracleStandIn",
    "PARAPHRASER": "modelhooks.hooks.paraphrasers.RuleParaphraser",
    "OCR": "modelhooks.hooks.tesseract.TesseractOcr",
    "CANARY_TARGET": "modelhooks.hooks.canary.MiniLMCanaryTarget",
}
KINDS = tuple(DEFAULT_HOOKS)
EMBEDDER_KINDS = ("EMBEDDER", "CHAR_EMBEDDER")

__all__ = [
    "CanaryTarget",
    "Embedder",
    "EmbeddingResult",
    "MachineTranslator",
    "OcrReader",
    "Oracle",
    "OracleAnswer",
    "Paraphraser",
    "SentimentScorer",
    "hook",
    "embed",
    "embed_with",
    "embedder_for_text",
    "mt",
    "oracle",
    "paraphrase",
    "sentiment",
    "ocr",
    "public_record_oracle",
    "KINDS",
    "DEFAULT_HOOKS",
]


@cache
def _hook(kind: str, path: str):
    try:
        target = import_string(path)
    except ImportError:
        # said once per process and path (the cache); the name of what ran is recorded with each result
        log.warning("model hook %s: %r does not import; using the default %s", kind, path, DEFAULT_HOOKS[kind])
        target = import_string(DEFAULT_HOOKS[kind])
    return target()


def hook(kind: str):
    """The configured implementation of `kind` (one instance per process and path; models load lazily)."""
    kind = kind.upper()
    try:
        path = settings.MODELHOOKS["HOOKS"][kind]
    except KeyError:
        raise LookupError(f"no model hook configured for kind {kind!r}; known kinds: {', '.join(KINDS)}") from None
    return _hook(kind, path)


def embedder_for_text(text: str) -> Embedder:
    """MH-2: the sentence model for scripts it covers, the char n-gram embedder for the rest."""
    return hook("EMBEDDER") if covered_by_model(text) else hook("CHAR_EMBEDDER")


def embed_with(name: str) -> Embedder:
    """The embedder whose `name` is recorded on a rule or a cached vector."""
    for kind in EMBEDDER_KINDS:
        e = hook(kind)
        if e.name == name:
            return e
    raise LookupError(f"no configured embedder is named {name!r}")


def embed(texts: list[str]) -> list[EmbeddingResult]:
    """MH-2 entry point: one unit vector per text, each with the embedder and device that made it."""
    groups: dict[str, list[int]] = {}
    chosen: dict[str, Embedder] = {}
    for i, t in enumerate(texts):
        e = embedder_for_text(t)
        chosen[e.name] = e
        groups.setdefault(e.name, []).append(i)
    out: list[EmbeddingResult | None] = [None] * len(texts)
    for name, idx in groups.items():
        e = chosen[name]
        vectors = e.encode([texts[i] for i in idx])
        for i, v in zip(idx, vectors):
            out[i] = EmbeddingResult(vector=v, embedder=e.name, device=e.device)
    return out  # type: ignore[return-value]


def mt(text: str | None = None, source: str | None = None, target: str | None = None):
    """IN-2 / CA-4 / MH-6: machine translation. `mt(text, source, target)` returns the translation.
    `mt()` with no arguments returns intake's translator object (`translate(text, *, source,
    target="en")`, `back_translate(english, *, native, language)`): the MT hook's own intake face
    where it has one (the stand-in does: it only makes numbers comparable), else an adapter."""
    if text is None:
        impl = hook("MT")
        face = getattr(impl, "intake_translator", None)
        return face() if face is not None else _IntakeTranslator(impl)
    return hook("MT").translate(text, source=source, target=target)


class _IntakeTranslator:
    def __init__(self, impl):
        self.impl = impl
        self.name = impl.name

    def translate(self, text: str, *, source: str, target: str = "en") -> str:
        return self.impl.translate(text, source=source, target=target)

    def back_translate(self, english: str, *, native: str, language: str) -> str:
        return self.impl.translate(english, source="en", target=language)


def public_record_oracle():
    """IN-6 / MH-6 for intake: `lookup(*, post_id, post_text, at, window_hours) -> float | None`, over
    the configured oracle (asked with the post text)."""
    return _IntakeOracle(hook("ORACLE"))


class _IntakeOracle:
    def __init__(self, impl):
        self.impl = impl
        self.name = impl.name

    def lookup(self, *, post_id: str, post_text: str, at, window_hours: float) -> float | None:
        answer = self.impl.lookup(post_text, at=at, window_hours=window_hours)
        try:
            return float(answer.value) if answer.value is not None else None
        except ValueError:
            return None


def oracle(query: str, *, at=None, window_hours: float | None = None) -> OracleAnswer:
    """IN-6 / MH-6: the public-record oracle."""
    return hook("ORACLE").lookup(query, at=at, window_hours=window_hours)


def paraphrase(text: str, locale: str) -> str:
    """CA-3 / MH-6: lemma-level paraphrase."""
    return hook("PARAPHRASER").paraphrase(text, locale=locale)


def sentiment(text: str) -> float:
    """RK-6 / MH-6: sentiment in [-1, 1]."""
    return hook("SENTIMENT").score(text)


def sentiment_covers(language: str) -> bool:
    """RK-6: whether the sentiment hook reads `language` (ISO 639); a hook that names none reads every one."""
    languages = getattr(hook("SENTIMENT"), "languages", None)
    return languages is None or language in languages


def ocr(image: bytes, *, locale: str = "en") -> str:
    """MH-6: text of an image, read with the locale's language data. Raises
    `modelhooks.hooks.tesseract.OcrUnavailable` (a clear message) where the engine cannot run."""
    return hook("OCR").read(image, locale=locale)
