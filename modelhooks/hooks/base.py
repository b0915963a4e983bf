"""MH-6: the interfaces, one small Protocol per model kind."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, runtime_checkable

import numpy as np


@dataclass(frozen=True)
class EmbeddingResult:
    vector: np.ndarray  # float32, unit length
    embedder: str  # recorded per rule / per cached post vector (MH-2)
    device: str  # "cuda" or "cpu", recorded per result


@runtime_checkable
class Embedder(Protocol):
    name: str
    dim: int

    @property
    def device(self) -> str: ...

    def encode(self, texts: list[str]) -> np.ndarray:
        """(len(texts), dim) float32, rows of unit length."""


@runtime_checkable
class MachineTranslator(Protocol):
    name: str

    def translate(self, text: str, *, source: str, target: str) -> str: ...


@dataclass(frozen=True)
class OracleAnswer:
    value: str | None  # the public-record value, None when the oracle knows nothing
    source: str
    at: datetime | None = None


@runtime_checkable
class Oracle(Protocol):
    name: str

    def lookup(self, query: str, *, at: datetime | None = None, window_hours: float | None = None) -> OracleAnswer: ...


@runtime_checkable
class SentimentScorer(Protocol):
    name: str
    # ISO 639 languages it reads (RK-6: softening is refused elsewhere); None = every language.
    languages: tuple[str, ...] | None

    def score(self, text: str) -> float:
        """Compound sentiment in [-1, 1]."""


@runtime_checkable
class Paraphraser(Protocol):
    name: str

    def paraphrase(self, text: str, *, locale: str) -> str: ...


@runtime_checkable
class OcrReader(Protocol):
    name: str

    def read(self, image: bytes, *, locale: str = "en") -> str: ...


@runtime_checkable
class CanaryTarget(Protocol):
    """MH-4 / MH-5: the model release under test. `weights` is the path of the release's weights file,
    "" for the shipped model."""

    name: str

    def answer(self, prompt: str, *, weights: str = "") -> str: ...

    def layer_states(self, texts: list[str], *, weights: str = "") -> np.ndarray:
        """MH-5: (len(texts), layers, dim): every layer's hidden states, mean-pooled per text."""
