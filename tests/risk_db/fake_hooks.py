"""Model-hook implementations for the risk DB tests, installed through the registry (tests.base.hooks_install)."""

import re
import unicodedata

import numpy as np

calls: list = []


class FakeEmbedder:
    """An Embedder whose vectors are not unit length, to show the risk DB stores unit vectors."""

    name = "fake-model"
    dim = 2
    device = "cpu"

    def encode(self, texts: list[str]) -> np.ndarray:
        calls.append(("embed", list(texts)))
        return np.array([[3.0, 4.0] for _ in texts], dtype=np.float32)


class FakeSentiment:
    name = "fake-sentiment"

    def score(self, text: str) -> float:
        calls.append(("sentiment", text))
        return 0.9 if "praise" in text else -0.5


class LexiconSentiment:
    """Deterministic word-list sentiment in [-1, 1]: (positive - negative) / (positive + negative), for
    tests that need no VADER and Thai and Arabic words (it was risk_db's fallback before the registry)."""

    name = "lexicon-test-double"
    POSITIVE = {
        "good",
        "great",
        "love",
        "glory",
        "praise",
        "best",
        "wonderful",
        "proud",
        "hail",
        "long live",
        "ดี",
        "รัก",
        "ทรงพระเจริญ",
        "جميل",
        "رائع",
        "عاش",
        "نحب",
    }
    NEGATIVE = {
        "bad",
        "hate",
        "corrupt",
        "wrong",
        "unfair",
        "protest",
        "stop",
        "shame",
        "abuse",
        "worst",
        "เลว",
        "โกง",
        "ไม่ยุติธรรม",
        "فاسد",
        "ظلم",
        "سيء",
    }

    def score(self, text: str) -> float:
        low = unicodedata.normalize("NFKC", text).casefold()
        words = set(re.findall(r"\w+", low))
        pos = sum(1 for w in self.POSITIVE if (w in words if w.isascii() and " " not in w else w in low))
        neg = sum(1 for w in self.NEGATIVE if (w in words if w.isascii() else w in low))
        return 0.0 if pos + neg == 0 else (pos - neg) / (pos + neg)
