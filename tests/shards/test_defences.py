"""IN-2 language, IN-3 rate limits, IN-4 block-list, IN-8 topic freeze, IN-9 geo-spoofing."""

import pytest

from shards.models import Alert, BlockListEntry, Correction, TopicFreeze
from shards.services import ratelimit
from tests.base import INTAKE_T0 as T0
from tests.base import hours, item, run

pytestmark = pytest.mark.django_db


# ---- IN-3 ---------------------------------------------------------------------------------


@pytest.fixture(params=["db", pytest.param("redis", marks=pytest.mark.redis)])
def backend(request, settings):
    settings.INTAKE = {**settings.INTAKE, "RATE_LIMIT_BACKEND": request.param}
    return request.param


def same_key(i, at, **over):
    return item(post_id=f"rl{i}", submitter_id=f"s{i}", ip="2001:db8:aa:bb::1", at=at, **over)


def test_third_correction_in_a_day_passes_and_the_fourth_is_rate_limited(world, backend):
    first3 = run([same_key(i, T0 + hours(i)) for i in range(3)])
    assert [i.outcome for i in first3] == ["queued"] * 3
    [fourth] = run([same_key(3, T0 + hours(3))])
    assert fourth.outcome == "rate_limited" and fourth.decided_by == "rate_limit"
    assert "cooling off until 2026-11-27T01:00:00+00:00" in fourth.reason


def test_a_fourth_correction_after_the_day_has_passed_is_admitted(world, backend):
    run([same_key(i, T0 + hours(i)) for i in range(3)])
    [later] = run([same_key(3, T0 + hours(24))])  # the first one left the window
    assert later.outcome == "queued"


def test_cool_off_holds_for_twelve_hours_then_ends(world, backend):
    run([same_key(i, T0 + hours(i)) for i in range(4)])  # 4th at T0+3h starts the cool-off to T0+15h
    [inside] = run([same_key(4, T0 + hours(15) - hours(1 / 3600))])
    [after] = run([same_key(5, T0 + hours(15) + hours(1 / 3600))])
    assert inside.outcome == "rate_limited" and after.outcome == "queued"


def test_an_ipv6_64_is_one_key_and_the_country_is_part_of_it(world, backend):
    items = [item(post_id=f"n{i}", submitter_id=f"n{i}", ip=f"2001:db8:1:2::{i + 1}") for i in range(4)]
    assert [i.outcome for i in run(items)][-1] == "rate_limited"
    other_net = [item(post_id=f"o{i}", submitter_id=f"o{i}", ip=f"2001:db8:1:{i + 3}::1") for i in range(4)]
    assert "rate_limited" not in [i.outcome for i in run(other_net)]
    ipv4 = [item(post_id=f"v{i}", submitter_id=f"v{i}", ip=f"198.51.100.{i}") for i in range(4)]
    assert "rate_limited" not in [i.outcome for i in run(ipv4)]  # IPv4 /32: each address its own key


def test_a_redelivered_item_is_not_counted_twice(world, backend):
    one = same_key(0, T0)
    for _ in range(5):
        assert run([one])[0].outcome == "queued"
    assert Correction.objects.count() == 1
    assert [i.outcome for i in run([same_key(i, T0) for i in range(1, 3)])] == ["queued", "queued"]


@pytest.mark.redis
def test_unreachable_redis_fails_the_request_loudly_and_stores_nothing(intake_api, settings):
    settings.INTAKE = {**settings.INTAKE, "RATE_LIMIT_BACKEND": "redis"}
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    ratelimit.rate_limits_reset_connection()
    try:
        response = intake_api.post("/api/v1/corrections/", item(), format="json")
    finally:
        ratelimit.rate_limits_reset_connection()
    assert response.status_code == 503 and response.json()["code"] == "rate_limit_unavailable"
    assert Correction.objects.count() == 0


# ---- IN-4 ---------------------------------------------------------------------------------


def test_block_list_rejects_overlap_in_its_locale_and_everywhere_for_global_terms(world):
    BlockListEntry.objects.create(locale_code="en-US", term="dimwits")
    BlockListEntry.objects.create(locale_code="", term="asdfgh", kind="gibberish")
    result = run(
        [
            item(submitter_id="a", reply_text="@grok correct only Dimwits marched"),
            item(submitter_id="b", post_id="p2", reply_text="@grok correct asdfgh 200"),
            item(
                submitter_id="c",
                post_id="p3",
                declared_locale="fr-FR",
                billing_country="FR",
                reply_text="@grok correct dimwits",
            ),
            item(submitter_id="d", post_id="p4", reply_text="@grok correct dimwitsville"),
        ]
    )
    assert [i.outcome for i in result] == ["blocked_list", "blocked_list", "global_queue", "queued"]
    assert "gibberish" in result[1].reason


# ---- IN-2 ---------------------------------------------------------------------------------


def test_thai_correction_is_detected_and_its_number_read_for_conflicts(world):
    [thai] = run(
        [
            item(
                declared_locale="th-TH",
                billing_country="TH",
                post_text="มีคน 100 คน",
                reply_text="@grok correct มีผู้ชุมนุม ๒๐๐ คนในกรุงเทพมหานคร",
            )
        ]
    )
    stored = Correction.objects.get()
    assert stored.language == "th" and stored.numeric_value == 200
    assert "200" in stored.english_text and stored.corrected_text.startswith("มีผู้ชุมนุม ๒๐๐")
    assert thai.outcome == "queued"


# ---- IN-8 ---------------------------------------------------------------------------------


def test_one_dominating_hashtag_is_frozen_for_three_days(world, settings):
    settings.INTAKE = {**settings.INTAKE, "TOPIC_MIN_MENTIONS": 20}
    spread = [item(post_id=f"s{i}", submitter_id=f"s{i}", hashtags=[f"#t{i}"]) for i in range(5)]
    assert "frozen_topic" not in [i.outcome for i in run(spread)]
    wave = [item(post_id=f"w{i}", submitter_id=f"w{i}", hashtags=["#Wave"]) for i in range(40)]
    assert {i.outcome for i in run(wave)} == {"frozen_topic"}
    freeze = TopicFreeze.objects.get()
    assert freeze.hashtag == "wave" and freeze.entropy_bits < 1.0
    [still] = run([item(post_id="x", submitter_id="x", hashtags=["#wave"], at=T0 + hours(71))])
    [thawed] = run([item(post_id="y", submitter_id="y", hashtags=["#wave"], at=T0 + hours(72))])
    assert still.outcome == "frozen_topic" and thawed.outcome != "frozen_topic"


def test_varied_hashtags_never_freeze(world, settings):
    settings.INTAKE = {**settings.INTAKE, "TOPIC_MIN_MENTIONS": 20}
    run([item(post_id=f"w{i}", submitter_id=f"w{i}", hashtags=[f"#t{i % 10}"]) for i in range(40)])
    assert not TopicFreeze.objects.exists()


# ---- IN-9 ---------------------------------------------------------------------------------


def _traffic(n_ok, n_bad):
    return [item(post_id=f"g{i}", submitter_id=f"g{i}", hashtags=[f"#g{i}"]) for i in range(n_ok)] + [
        item(post_id=f"b{i}", submitter_id=f"b{i}", billing_country="TH", hashtags=[f"#b{i}"]) for i in range(n_bad)
    ]


def test_mismatched_billing_country_goes_to_the_global_queue(world):
    [spoof] = run([item(billing_country="TH")])
    assert spoof.outcome == "global_queue" and spoof.shard.code == "global"
    assert "no local shield" in spoof.reason


def test_one_percent_mismatch_raises_no_alert(world):
    run(_traffic(99, 1))
    assert not Alert.objects.filter(kind="x_shard_anomaly").exists()


def test_over_one_percent_mismatch_raises_one_x_shard_alert(world):
    run(_traffic(98, 2))
    run([item(post_id="more", submitter_id="more", billing_country="TH", hashtags=["#more"])])
    alert = Alert.objects.get(kind="x_shard_anomaly")
    assert alert.shard.code == "en-US" and "3 of 101" not in alert.message and "2 of 100" in alert.message
