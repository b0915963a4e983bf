"""RK-4: regex safety with RE2: refusals with the reason, the too-broad check, linear time, scripts."""

import time
from datetime import timedelta

import pytest
import re2

from risk_db.services import PatternRejected, PatternTooBroad, rule_pattern_check, rule_pattern_compile, taboo_nominate
from tests.base import RISK_T0 as T0
from tests.base import build_world, handed_case

pytestmark = pytest.mark.django_db


def test_backreference_is_rejected_with_the_engines_reason():
    with pytest.raises(PatternRejected) as refused:
        rule_pattern_check(pattern=r"(ab)\1")
    assert refused.value.code == "pattern_rejected" and "RE2" in str(refused.value)


def test_lookahead_is_rejected():
    with pytest.raises(PatternRejected):
        rule_pattern_compile(r"foo(?=bar)")


def test_a_pattern_over_the_memory_budget_is_rejected(settings):
    settings.RISK_DB = {**settings.RISK_DB, "RE2_MAX_MEM": 1 << 20}
    rule_pattern_compile.cache_clear()
    with pytest.raises(PatternRejected):
        rule_pattern_compile(r"((((a{100}){100}){100}){100})")
    rule_pattern_compile.cache_clear()


def test_a_pattern_matching_most_of_the_sample_corpus_is_too_broad():
    with pytest.raises(PatternTooBroad) as refused:
        rule_pattern_check(pattern=r"[aeiou]")
    assert refused.value.code == "pattern_too_broad" and "sample posts" in str(refused.value)


def test_a_pattern_matching_the_empty_text_is_too_broad():
    with pytest.raises(PatternTooBroad):
        rule_pattern_check(pattern=r"x*")


def test_breadth_limit_is_a_share_of_the_corpus(settings):
    corpus = ["alpha"] * 5 + ["beta"] * 95
    assert rule_pattern_check(pattern="alpha", corpus=corpus)["share"] == 0.05  # at the limit: allowed
    with pytest.raises(PatternTooBroad):
        rule_pattern_check(pattern="alpha", corpus=corpus[:5] + ["alpha"] + corpus[5:94])  # 6 %


def test_catastrophic_pattern_runs_in_linear_time():
    compiled = rule_pattern_compile(r"(a+)+$")
    text = "a" * 200_000 + "!"
    started = time.perf_counter()
    assert compiled.search(text) is None
    assert time.perf_counter() - started < 1.0  # backtracking engines take longer than the universe here


def test_catastrophic_pattern_through_the_approval_api_cannot_hang(api):
    world = build_world()
    for user, shard, h in ((world.th_v[0], world.th, 0), (world.ar_v[0], world.ar, 1)):
        n = taboo_nominate(
            user=user, case=handed_case(user, shard), term="aaaa", context="", now=T0 + timedelta(hours=h)
        )
    api.force_authenticate(world.senior)
    started = time.perf_counter()
    response = api.post(
        f"/api/v1/taboo-candidates/{n.candidate_id}/approve/", {"pattern": "(a+)+$", "intent_class": "x"}, format="json"
    )
    assert time.perf_counter() - started < 10
    # It is refused as too broad by the corpus check (it matches every post ending in "a"), or accepted
    # and harmless: either way it answered promptly and the reason is named.
    assert response.status_code in (201, 400)
    if response.status_code == 400:
        assert response.json()["code"] in ("pattern_too_broad", "pattern_rejected")
    bad = api.post(
        f"/api/v1/taboo-candidates/{n.candidate_id}/approve/", {"pattern": r"(a)\1", "intent_class": "x"}, format="json"
    )
    assert bad.status_code in (400, 409)


@pytest.mark.worker
@pytest.mark.pg
@pytest.mark.redis
def test_catastrophic_pattern_on_a_real_worker_answers_promptly(celery_worker_process):
    from risk_db.tasks import rule_pattern_probe

    started = time.perf_counter()
    result = rule_pattern_probe.delay(r"(a+)+$", "a" * 100_000 + "!").get(timeout=30)
    assert result == {"matched": False} and time.perf_counter() - started < 30
    assert "refused" in rule_pattern_probe.delay(r"(a)\1", "aa").get(timeout=30)


def test_documented_script_semantics_hold():
    """What the seniors' help text (docs/patterns.md) says about \\b and \\w holds in this app's RE2 path,
    the same meaning the shadow scorer uses; plain RE2 alone would be ASCII-only."""
    arabic = "قال الملك اليوم"
    assert re2.search(r"\bالملك\b", arabic) is None  # what plain RE2 would do: ASCII-only \b
    assert rule_pattern_compile(r"\bالملك\b").search(arabic)  # ours: a Unicode word boundary
    assert not rule_pattern_compile(r"\bالملك\b").search("قال الملكية")  # not inside a longer word
    assert rule_pattern_compile(r"\w+").search("ملك")  # \w covers every script
    assert rule_pattern_compile(r"\bล้มเจ้า\b").search("วันนี้ล้มเจ้าแล้ว")  # Thai: \b dropped, substring match
    assert rule_pattern_compile("ล้มเจ้า").search("วันนี้ล้มเจ้าแล้ว")
    with pytest.raises(PatternRejected, match="only allowed at the start or end"):
        rule_pattern_compile(r"foo\bbar")
