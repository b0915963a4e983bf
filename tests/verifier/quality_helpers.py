"""Builders for the appeals, calibration, audit and pay tests: rulings made through the real queue."""
import hashlib
import itertools
import re

import numpy as np
import pytest
from datetime import datetime, timedelta, timezone as dt_timezone
from decimal import Decimal

from tests.factories import ShardFactory, UserFactory, make_cases, verifier_in
from tests.hook_overrides import hooks_install
from shards.services.pools import membership_set
from quality.models import GoldItem
from verifier.models import Ruling
from core.models import User
from verifier.services.queue import case_next
from verifier.services.rulings import ruling_record

_counter = itertools.count(1)
T0 = datetime(2026, 10, 5, 9, 0, tzinfo=dt_timezone.utc)


def rule(user: User, answer: str, *, now: datetime = T0) -> Ruling:
    """The verifier takes the next case from the queue and rules on it."""
    lease = case_next(user=user, now=now)
    assert lease is not None, f"{user.username} got no case"
    return ruling_record(user=user, case=lease.case, answer=answer, now=now + timedelta(seconds=30))


def pool(code: str = "en-US", subs: tuple[str, ...] = ("urban", "rural", "rural", "suburb", "coast")):
    """A shard whose verifiers sit in the given sub-locales, plus one senior of the locale."""
    shard = ShardFactory(code=code)
    users = [verifier_in(shard, username=f"{code}_{i}_{sub}", sub_locale=f"{code}:{sub}") for i, sub in enumerate(subs)]
    senior = UserFactory(username=f"senior_{code}", role=User.Role.SENIOR)
    membership_set(user=senior, shard=shard, native=True)
    return shard, users, senior


def ruled_case(shard, user: User, answer: str = "yes", *, now: datetime = T0, kind: str = "correction") -> Ruling:
    make_cases(shard, 1, at=now, kind=kind, text=f"post number {next(_counter)}")
    return rule(user, answer, now=now)


def gold_items(locale: str, n: int, *, expected: str = "yes") -> list[GoldItem]:
    return GoldItem.objects.bulk_create([GoldItem(locale=locale, post_text=f"gold {locale} {i}", proposal=f"fix {i}",
                                                  expected=expected) for i in range(n)])


def d(value: str) -> Decimal:
    return Decimal(value)


# Deterministic implementations for the checks that read their output, installed through the model-hook
# registry (tests.hook_overrides); MT is the product's own stand-in.
_LEMMAS = {
    "people": "persons", "persons": "people", "shows": "depicts", "depicts": "shows",
    "opened": "started", "started": "opened", "marched": "walked", "walked": "marched",
    "photo": "picture", "picture": "photo", "over": "more than", "night": "nighttime",
    "meeting": "gathering", "gathering": "meeting", "big": "large", "large": "big",
    "small": "little", "little": "small", "said": "stated", "stated": "said",
}
_WORD = re.compile(r"\w+", re.UNICODE)


class LemmaSwapParaphraserStandIn:
    """CA-3: swaps words for same-meaning lemmas from a fixed table (deterministic)."""

    name = "tests.verifier.quality_helpers.LemmaSwapParaphraserStandIn"

    def paraphrase(self, text: str, *, locale: str) -> str:
        swapped = _WORD.sub(lambda m: _match_case(m.group(0), _LEMMAS.get(m.group(0).lower())), text)
        return swapped if swapped != text else f"{text} (paraphrased)"


def _match_case(word: str, lemma: str | None) -> str:
    if lemma is None:
        return word
    return lemma.capitalize() if word[:1].isupper() else lemma


class HashingEmbedderStandIn:
    """CA-8: a 384-dimension unit vector from a hash of character trigrams (no model load)."""

    name = "tests.verifier.quality_helpers.HashingEmbedderStandIn"
    dim = 384
    device = "cpu"

    def encode(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            padded = f"  {text.lower()}  "
            for i in range(len(padded) - 2):
                h = int.from_bytes(hashlib.blake2b(padded[i:i + 3].encode(), digest_size=4).digest(), "big")
                out[row, h % self.dim] += 1.0
            out[row] /= float(np.linalg.norm(out[row])) or 1.0
        return out


STANDINS = {"PARAPHRASER": "tests.verifier.quality_helpers.LemmaSwapParaphraserStandIn",
            "EMBEDDER": "tests.verifier.quality_helpers.HashingEmbedderStandIn"}


@pytest.fixture
def standin_hooks(settings):
    """Pin the paraphraser and embedder to deterministic implementations (whatever the defaults are)."""
    hooks_install(settings, **STANDINS)


class FakeEmbedder:
    """An Embedder whose vectors show they came from here."""

    name = "fake-embedder"
    dim = 4
    device = "cpu"

    def encode(self, texts: list[str]) -> np.ndarray:
        return np.full((len(texts), self.dim), 0.5, dtype=np.float32)
