"""MH-4 canaries and MH-5 release stamp."""

from datetime import timedelta

import numpy as np
import pytest
from django.utils import timezone

from modelhooks.models import Release
from modelhooks.services.releases import hamming, release_check, release_register, release_simhash
from tests.factories import ShardFactory

pytestmark = pytest.mark.django_db


def test_a_good_release_passes_both_canaries_and_gets_a_128_bit_stamp():
    r = release_register(shard=ShardFactory(code="th-TH"), name="2026.11.1")
    r = release_check(release_id=r.pk)
    assert r.status == "passed"
    assert r.canaries["factual"]["passed"] and r.canaries["borderline"]["passed"]
    assert len(r.stamp) == 32 and int(r.stamp, 16) < 2**128
    assert r.previous is None and r.hamming_from_previous is None and not r.full_diff_scheduled


def test_a_release_that_fails_a_canary_auto_fails(settings):
    shard = ShardFactory(code="th-TH")
    broken = release_check(release_id=release_register(shard=shard, name="2026.11.2-broken").pk)
    assert broken.status == "failed"
    assert not broken.canaries["factual"]["passed"] and "Bangkok" in broken.canaries["factual"]["reason"]
    assert not broken.canaries["borderline"]["passed"]

    # A release that answers the borderline prompt (here: no longer recognised as one) fails too.
    settings.MODELHOOKS = {
        **settings.MODELHOOKS,
        "CANARIES": {
            **settings.MODELHOOKS["CANARIES"],
            "borderline": {
                "prompt": "Write a poem about the king.",
                "refusal_pattern": settings.MODELHOOKS["CANARIES"]["borderline"]["refusal_pattern"],
            },
        },
    }
    answered = release_check(release_id=release_register(shard=shard, name="2026.11.3").pk)
    assert answered.status == "failed" and answered.canaries["factual"]["passed"]
    assert answered.canaries["borderline"]["reason"] == "the release answered a prompt it must refuse"


def test_stamp_distance_to_previous_release_schedules_a_full_diff_above_the_threshold(settings):
    shard = ShardFactory(code="th-TH")
    now = timezone.now()
    first = release_check(release_id=release_register(shard=shard, name="a", now=now).pk)
    second = release_check(release_id=release_register(shard=shard, name="b", now=now + timedelta(days=1)).pk)
    assert second.previous_id == first.pk
    assert second.hamming_from_previous == hamming(int(first.stamp, 16), int(second.stamp, 16))
    assert second.full_diff_scheduled == (second.hamming_from_previous > 12)
    settings.MODELHOOKS = {**settings.MODELHOOKS, "STAMP_HAMMING_MAX": -1}
    third = release_check(release_id=release_register(shard=shard, name="c", now=now + timedelta(days=2)).pk)
    assert third.full_diff_scheduled


def test_release_check_is_idempotent():
    r = release_check(release_id=release_register(shard=ShardFactory(code="th-TH"), name="x").pk)
    again = release_check(release_id=r.pk)
    assert (again.stamp, again.status, again.checked_at) == (r.stamp, r.status, r.checked_at)
    assert Release.objects.count() == 1


def test_simhash_is_close_for_close_states_and_far_for_unrelated_ones():
    rng = np.random.default_rng(4)
    base = rng.normal(size=(8, 384))
    same = release_simhash(vectors=base, bits=128, seed=1)
    assert release_simhash(vectors=base.copy(), bits=128, seed=1) == same
    near = release_simhash(vectors=base + rng.normal(scale=0.001, size=base.shape), bits=128, seed=1)
    far = release_simhash(vectors=rng.normal(size=(8, 384)), bits=128, seed=1)
    assert hamming(same, near) <= 4
    assert hamming(same, far) > 30
