"""CA-1 calibration sets and the 90 % line, CA-2 kappa against scikit-learn, CA-4 cross-lingual sets."""

from datetime import timedelta
from decimal import Decimal

import pytest
from sklearn.metrics import cohen_kappa_score

from core.errors import Refused
from quality.models import CalibrationSet, CulturalNote, KappaScore
from quality.services.calibration import (
    calibration_answers_submit,
    calibration_result,
    calibration_set_build,
    crosslingual_set_build,
    kappa_compute,
    kappa_compute_month,
    kappa_of,
    verifier_calibration_month,
)
from shards.models import Locale
from tests.base import QUALITY_T0 as T0
from tests.base import gold_items, login_as, pool, rule
from tests.factories import make_cases

pytestmark = pytest.mark.django_db
MONTH = T0.date().replace(day=1)


def answer_set(user, cset, n_wrong: int, *, note: str = ""):
    items = list(cset.items.select_related("gold"))
    answers = {}
    for i, item in enumerate(items):
        right = item.gold.expected
        answers[item.pk] = right if i >= n_wrong else ("no" if right == "yes" else "yes")
    return calibration_answers_submit(user=user, calibration_set=cset, answers=answers, note=note, now=T0)


def test_monthly_set_has_fifty_gold_items_and_is_built_once():
    pool()
    gold_items("en-US", 60)
    first = calibration_set_build(locale="en-US", month=MONTH)
    again = calibration_set_build(locale="en-US", month=MONTH)
    assert first.pk == again.pk and first.items.count() == 50
    assert CalibrationSet.objects.count() == 1


def test_set_without_enough_gold_is_refused():
    gold_items("en-US", 49)
    with pytest.raises(Refused) as refused:
        calibration_set_build(locale="en-US", month=MONTH)
    assert refused.value.code == "not_enough_gold" and not CalibrationSet.objects.exists()


@pytest.mark.parametrize(
    "correct,total,passes", [(899, 1000, False), (900, 1000, True), (44, 50, False), (45, 50, True)]
)
def test_accuracy_of_89_9_percent_fails_and_90_percent_passes(correct, total, passes):
    accuracy, passed = calibration_result(correct=correct, total=total)
    assert passed is passes and accuracy == Decimal(correct) / Decimal(total)


def test_month_accuracy_counts_unanswered_items_as_wrong():
    shard, users, _ = pool()
    gold_items("en-US", 50)
    cset = calibration_set_build(locale="en-US", month=MONTH)
    assert verifier_calibration_month(user=users[1], month=MONTH)["accuracy"] == 0
    answer_set(users[0], cset, n_wrong=5)
    result = verifier_calibration_month(user=users[0], month=MONTH)
    assert (result["correct"], result["total"], result["passed"]) == (45, 50, True)


def test_every_item_must_be_answered_and_only_once():
    shard, users, _ = pool()
    gold_items("en-US", 50)
    cset = calibration_set_build(locale="en-US", month=MONTH)
    first = cset.items.first()
    with pytest.raises(Refused) as partial:
        calibration_answers_submit(user=users[0], calibration_set=cset, answers={first.pk: "yes"}, now=T0)
    assert partial.value.field == "answers" and "49 missing" in partial.value.detail
    answer_set(users[0], cset, 0)
    with pytest.raises(Refused) as twice:
        answer_set(users[0], cset, 0)
    assert twice.value.code == "already_submitted"


def test_crosslingual_divergence_over_ten_percent_requires_a_cultural_note(standin_hooks):
    nv = Locale.objects.create(code="nv-US", name="Navajo", language="nv", is_rare=True)
    chr_ = Locale.objects.create(code="chr-US", name="Cherokee", language="chr", is_rare=True)
    nv.adjacent = chr_
    nv.save()
    from tests.factories import ShardFactory, verifier_in

    rare = ShardFactory(code="rare", kind="rare")
    user = verifier_in(rare, username="rare_1")
    gold_items("chr-US", 25)
    cset = crosslingual_set_build(locale=nv, month=MONTH)
    assert cset.items.count() == 20 and cset.items.first().gold.source == "translated"
    assert cset.items.first().gold.translator == "mt-stand-in"
    with pytest.raises(Refused) as refused:
        answer_set(user, cset, n_wrong=3)  # 15 % divergence
    assert refused.value.code == "cultural_note_required"
    assert not cset.items.first().answers.exists()
    answer_set(user, cset, n_wrong=3, note="Kinship terms are used differently in Diné speech.")
    assert CulturalNote.objects.get(verifier=user).divergence == Decimal("0.1500")


def test_crosslingual_divergence_of_exactly_ten_percent_needs_no_note():
    nv = Locale.objects.create(code="nv-US", name="Navajo", language="nv", is_rare=True)
    nv.adjacent = Locale.objects.create(code="chr-US", name="Cherokee", language="chr", is_rare=True)
    nv.save()
    from tests.factories import ShardFactory, verifier_in

    user = verifier_in(ShardFactory(code="rare", kind="rare"), username="rare_2")
    gold_items("chr-US", 20)
    answer_set(user, crosslingual_set_build(locale=nv, month=MONTH), n_wrong=2)
    assert not CulturalNote.objects.exists()


def test_kappa_equals_scikit_learn_on_the_same_overlap_and_gold_pairs(settings):
    settings.VERIFIER = {**settings.VERIFIER, "OVERLAP_RATE": 1.0}
    shard, users, _ = pool()
    a, b = users[0], users[1]
    pattern = [
        ("yes", "yes"),
        ("yes", "no"),
        ("no", "no"),
        ("yes", "yes"),
        ("no", "yes"),
        ("no", "no"),
        ("yes", "yes"),
        ("yes", "yes"),
    ]
    for i, (x, y) in enumerate(pattern):
        at = T0 + timedelta(minutes=i)
        make_cases(shard, 1, at=at, text=f"overlap {i}")
        rule(a, x, now=at)
        rule(b, y, now=at)
    gold_items("en-US", 50)
    cset = calibration_set_build(locale="en-US", month=MONTH)
    answer_set(a, cset, n_wrong=7)
    score = kappa_compute(user=a, month=MONTH, now=T0)
    gold = [
        (ans.answer, ans.item.gold.expected)
        for ans in a.calibration_answers.select_related("item__gold").order_by("id")
    ]
    ours = [x for x, _ in pattern] + [g[0] for g in gold]
    theirs = [y for _, y in pattern] + [g[1] for g in gold]
    expected = cohen_kappa_score(ours, theirs)
    assert (score.overlap_pairs, score.gold_pairs) == (8, 50)
    assert abs(float(score.kappa) - expected) < 0.00005
    assert KappaScore.objects.get(verifier=a, month=MONTH).kappa == score.kappa
    # The month-wide batch (the pay run's path) gives every verifier the same figure as one at a time.
    batch = {s.verifier_id: s.kappa for s in kappa_compute_month(month=MONTH, now=T0)}
    assert batch[a.pk] == score.kappa
    assert batch[b.pk] == kappa_compute(user=b, month=MONTH, now=T0).kappa
    assert abs(float(batch[b.pk]) - cohen_kappa_score([y for _, y in pattern], [x for x, _ in pattern])) < 0.00005


@pytest.mark.parametrize(
    "ours,theirs",
    [
        (["yes", "no", "yes", "yes", "no"], ["yes", "no", "no", "yes", "yes"]),
        (["no", "no", "no", "yes"], ["yes", "no", "no", "yes"]),
        (["yes"] * 9 + ["no"], ["yes"] * 10),
    ],
)
def test_kappa_of_matches_scikit_learn(ours, theirs):
    assert abs(float(kappa_of(ours, theirs)) - cohen_kappa_score(ours, theirs)) < 0.00005


def test_kappa_of_one_label_only_is_one_when_everyone_agrees():
    assert kappa_of(["yes", "yes"], ["yes", "yes"]) == Decimal("1.0000")


def test_calibration_api_lists_and_takes_answers(api):
    from django.utils import timezone

    shard, users, _ = pool()
    gold_items("en-US", 50)
    cset = calibration_set_build(locale="en-US", month=timezone.now().date())
    login_as(api, users[0])
    listed = api.get("/api/v1/calibration/").json()
    assert len(listed) == 1 and len(listed[0]["items"]) == 50 and "expected" not in str(listed)
    bad = api.post(
        f"/api/v1/calibration/{cset.public_id}/answers/",
        {"answers": [{"item_id": listed[0]["items"][0]["item_id"], "answer": "maybe"}]},
        format="json",
    )
    assert bad.status_code == 400 and bad.json()["code"] == "invalid"
    answers = [{"item_id": i["item_id"], "answer": "yes"} for i in listed[0]["items"]]
    ok = api.post(f"/api/v1/calibration/{cset.public_id}/answers/", {"answers": answers}, format="json")
    assert ok.status_code == 201 and ok.json()["correct"] == 50
    assert api.get("/api/v1/calibration/").json() == []
