"""The model hooks the risk DB calls (MH-6): the embedder (RK-3) and sentiment (RK-6).

Each is resolved lazily from a dotted path in settings.RISK_DB (the modelhooks app provides the real
ones). Where that path cannot be imported, a clearly named deterministic stand-in from this module is
used instead, and its name is recorded with the result, so nobody mistakes it for the model.
"""
import logging
import math
import re
import unicodedata
from dataclasses import dataclass
from importlib import import_module
from typing import Callable

from django.conf import settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Embedded:
    vectors: list[list[float]]
    embedder: str  # recorded on the rule version (MH-2)


class CharNgramEmbedderStandIn:
    """Deterministic, model-free character n-gram embedding (scikit-learn HashingVectorizer, 3-5 grams
    within word boundaries, L2-normalised). Works for every script; used when the embedder hook is missing."""

    name = "char-ngram"
    dims = 384

    def __init__(self):
        from sklearn.feature_extraction.text import HashingVectorizer

        self._vectorizer = HashingVectorizer(analyzer="char_wb", ngram_range=(3, 5), n_features=self.dims,
                                             alternate_sign=False, norm="l2")

    def __call__(self, texts: list[str]) -> Embedded:
        matrix = self._vectorizer.transform(texts)
        return Embedded(vectors=[[round(float(x), 6) for x in row] for row in matrix.toarray()], embedder=self.name)


class LexiconSentimentStandIn:
    """Deterministic word-list sentiment in [-1, 1]: (positive - negative) / (positive + negative).
    Not a model; used when the sentiment hook is missing. Covers a few English, Thai and Arabic words."""

    name = "lexicon-stand-in"
    POSITIVE = {"good", "great", "love", "glory", "praise", "best", "wonderful", "proud", "hail", "long live",
                "ดี", "รัก", "ทรงพระเจริญ", "جميل", "رائع", "عاش", "نحب"}
    NEGATIVE = {"bad", "hate", "corrupt", "wrong", "unfair", "protest", "stop", "shame", "abuse", "worst",
                "เลว", "โกง", "ไม่ยุติธรรม", "فاسد", "ظلم", "سيء"}

    def __call__(self, texts: list[str]) -> list[float]:
        scores = []
        for text in texts:
            low = unicodedata.normalize("NFKC", text).casefold()
            words = set(re.findall(r"\w+", low))
            pos = sum(1 for w in self.POSITIVE if (w in words if w.isascii() and " " not in w else w in low))
            neg = sum(1 for w in self.NEGATIVE if (w in words if w.isascii() else w in low))
            scores.append(0.0 if pos + neg == 0 else (pos - neg) / (pos + neg))
        return scores


_stand_ins: dict[str, object] = {}


def _resolve(setting: str) -> Callable | None:
    path = settings.RISK_DB.get(setting) or ""
    if not path:
        return None
    module_name, _, attr = path.rpartition(".")
    try:
        return getattr(import_module(module_name), attr)
    except (ImportError, AttributeError):
        log.info("risk_db: hook %s=%r not available; using the stand-in", setting, path)
        return None


def embed(texts: list[str]) -> Embedded:
    """RK-3: embed texts with the embedder hook, or the CharNgramEmbedderStandIn.

    The hook is modelhooks' `embed(texts) -> list[EmbeddingResult]` (each with `.vector` and `.embedder`);
    an object with `.vectors`/`.embedder` or a bare list of vectors is accepted too. Where the texts got
    different embedders the names are joined with "+"."""
    hook = _resolve("EMBEDDER_HOOK")
    if hook is None:
        stand_in = _stand_ins.setdefault("embed", CharNgramEmbedderStandIn())
        return stand_in(texts)
    result = hook(texts)
    if isinstance(result, Embedded):
        return result
    if hasattr(result, "vectors"):
        return Embedded(vectors=_as_lists(result.vectors), embedder=str(getattr(result, "embedder", "")))
    rows = list(result)
    if rows and hasattr(rows[0], "vector"):
        names = "+".join(dict.fromkeys(str(r.embedder) for r in rows))
        return Embedded(vectors=_as_lists([r.vector for r in rows]), embedder=names)
    return Embedded(vectors=_as_lists(rows), embedder=settings.RISK_DB["EMBEDDER_HOOK"].rpartition(".")[0])


def sentiment(texts: list[str]) -> tuple[list[float], str]:
    """RK-6: sentiment in [-1, 1] per text, and the name of what produced it. The hook is modelhooks'
    `sentiment(text) -> float`, called once per text."""
    hook = _resolve("SENTIMENT_HOOK")
    if hook is None:
        stand_in = _stand_ins.setdefault("sentiment", LexiconSentimentStandIn())
        return stand_in(texts), LexiconSentimentStandIn.name
    return [float(hook(text)) for text in texts], settings.RISK_DB["SENTIMENT_HOOK"]


def _as_lists(vectors) -> list[list[float]]:
    rows = vectors.tolist() if hasattr(vectors, "tolist") else vectors
    out = []
    for row in rows:
        norm = math.sqrt(sum(float(x) * float(x) for x in row)) or 1.0
        out.append([round(float(x) / norm, 6) for x in row])
    return out
