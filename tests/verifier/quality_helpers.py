"""Builders for the appeals, calibration, audit and pay tests: rulings made through the real queue."""
import itertools
from types import SimpleNamespace

import numpy as np
import pytest
from datetime import datetime, timedelta, timezone as dt_timezone
from decimal import Decimal

from tests.factories import ShardFactory, UserFactory, make_cases, verifier_in
from shards.services.pools import membership_set
from quality.models import GoldItem
from verifier.models import Ruling, User
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


STANDINS = {"PARAPHRASER": "verifier.hook_standins.LemmaSwapParaphraserStandIn",
            "TRANSLATOR": "verifier.hook_standins.TaggedTranslatorStandIn",
            "EMBEDDER": "verifier.hook_standins.HashingEmbedderStandIn"}


@pytest.fixture
def standin_hooks(settings):
    """Pin the model hooks to this app's deterministic stand-ins (whatever modelhooks provides)."""
    settings.VERIFIER_HOOKS = dict(STANDINS)


def fake_embed(texts):
    """An embedder shaped like modelhooks.hooks.embed: results carrying vector and embedder name."""
    return [SimpleNamespace(vector=np.full(4, 0.5, dtype=np.float32), embedder="fake-embedder") for _ in texts]
