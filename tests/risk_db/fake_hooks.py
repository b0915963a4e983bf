"""Hooks shaped like modelhooks' entry points, for the adapter tests (risk_db.hooks)."""
from dataclasses import dataclass

import numpy as np

calls: list = []


@dataclass(frozen=True)
class FakeResult:
    vector: np.ndarray
    embedder: str
    device: str = "cpu"


def embed(texts: list[str]) -> list[FakeResult]:
    calls.append(("embed", list(texts)))
    return [FakeResult(vector=np.array([3.0, 4.0], dtype=np.float32), embedder="fake-model") for _ in texts]


def sentiment(text: str) -> float:
    calls.append(("sentiment", text))
    return 0.9 if "praise" in text else -0.5
