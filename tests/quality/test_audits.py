"""CA-3 blind audits, CA-5 external audits, CA-7 subgroup drift, CA-8 rationales."""

from datetime import timedelta
from decimal import Decimal

import pytest

from core.errors import Refused
from core.models import User
from quality.models import ExternalAudit, KappaScore, Rationale, RetrainFlag
from quality.services.audits import (
    blind_audit_edit_flip,
    blind_audit_evaluate,
    blind_audit_start,
    drift_report_build,
    external_audit_answer,
    external_audit_evaluate,
    external_audit_start,
    flip_delta,
    rationale_campaign_start,
    rationale_write,
)
from quality.services.calibration import calibration_answers_submit, calibration_set_build
from shards.models import Locale
from shards.services.pools import membership_set
from tests.base import QUALITY_T0 as T0
from tests.base import gold_items, hooks_install, pool, rule
from tests.factories import ShardFactory, UserFactory, make_cases
from training.models import TrainingSample
from verifier.models import Case

pytestmark = pytest.mark.django_db
MONTH = T0.date().replace(day=1)


def decided(shard, user, n, answer="yes"):
    for i in range(n):
        at = T0 + timedelta(minutes=i)
        make_cases(shard, 1, at=at, text=f"The big meeting opened with over {i} people")
        rule(user, answer, now=at)


def test_blind_audit_reinjects_twenty_paraphrased_flips_under_fake_post_ids(standin_hooks):
    shard, users, _ = pool()
    decided(shard, users[0], 25)
    audit = blind_audit_start(shard=shard, month=MONTH, now=T0 + timedelta(days=1))
    assert blind_audit_start(shard=shard, month=MONTH).pk == audit.pk  # once a month
    items = list(audit.items.select_related("original_case", "flip_case"))
    assert len(items) == 20 and audit.paraphraser == "rule-paraphraser"
    for item in items:
        assert item.flip_case.post_id == item.fake_post_id != item.original_case.post_id
        assert item.fake_post_id.isdigit()  # looks like any post id
        assert item.flip_case.post_text != item.original_case.post_text
        assert "gathering" in item.flip_case.post_text and item.flip_case.status == Case.Status.QUEUED
    samples = TrainingSample.objects.count()
    rule(users[1], "yes", now=T0 + timedelta(days=1, hours=1))
    assert TrainingSample.objects.count() == samples  # a flip never becomes training data


def test_blind_audit_passes_over_a_post_the_paraphraser_cannot_change():
    """A post no rule changes would be offered again as itself: it is not sampled, never flipped to a copy."""
    shard, users, _ = pool()
    for i, text in enumerate(["Cats nap 1", "The big meeting opened", "Cats nap 2"]):
        at = T0 + timedelta(minutes=i)
        make_cases(shard, 1, at=at, text=text)
        rule(users[0], "yes", now=at)
    audit = blind_audit_start(shard=shard, month=MONTH, now=T0 + timedelta(days=1))
    items = list(audit.items.select_related("original_case", "flip_case"))
    assert [(i.original_case.post_text, i.flip_case.post_text) for i in items] == [
        ("The big meeting opened 0", "The large gathering opened 0")  # make_cases numbers its posts
    ]


def test_flip_pair_delta_of_exactly_five_percent_docks_kappa_and_cuts_the_bonus():
    shard, users, _ = pool()
    a, b = users[0], users[1]
    decided(shard, a, 20, "yes")
    audit = blind_audit_start(shard=shard, month=MONTH, now=T0 + timedelta(days=1))
    for i in range(20):  # b approves 19 of the 20 flips of approved originals: delta 1/20 = 5 %
        rule(b, "no" if i == 0 else "yes", now=T0 + timedelta(days=1, minutes=i))
    KappaScore.objects.create(verifier=b, month=MONTH, kappa=Decimal("0.9000"), pairs=30, computed_at=T0)
    report = blind_audit_evaluate(audit=audit, now=T0 + timedelta(days=30))
    assert report[b.username]["delta"] == Decimal("0.0500") and report[b.username]["docked"]
    score = KappaScore.objects.get(verifier=b, month=MONTH)
    assert score.bonus_cut and score.effective == Decimal("0.8000") and "5.0%" in score.bonus_cut_reason
    assert not RetrainFlag.objects.filter(verifier=b).exists()  # b did not rule the originals


def test_flip_delta_just_under_five_percent_does_not_dock():
    pairs = [{"original_approved": True, "flip_approved": i != 0} for i in range(21)]
    assert flip_delta(pairs=pairs) == Decimal("0.0476")
    assert flip_delta(pairs=pairs) < Decimal("0.05")


def test_approving_the_original_but_rejecting_its_flip_flags_retraining():
    shard, users, _ = pool(subs=("urban",))
    a = users[0]
    decided(shard, a, 20, "yes")
    audit = blind_audit_start(shard=shard, month=MONTH, now=T0 + timedelta(days=1))
    for i in range(20):
        rule(a, "no" if i < 3 else "yes", now=T0 + timedelta(days=1, minutes=i))
    report = blind_audit_evaluate(audit=audit, now=T0 + timedelta(days=30))
    assert report[a.username]["retrain"] and report[a.username]["docked"]
    flag = RetrainFlag.objects.get(verifier=a)
    assert flag.source == "blind_audit" and "rejected the paraphrase" in flag.reason


def test_senior_edits_a_flip_until_someone_rules_on_it():
    shard, users, senior = pool()
    decided(shard, users[0], 1)
    item = blind_audit_start(shard=shard, month=MONTH, now=T0 + timedelta(days=1)).items.get()
    blind_audit_edit_flip(user=senior, item=item, post_text="A different wording of the same post", proposal="fixed")
    item.flip_case.refresh_from_db()
    assert item.flip_case.post_text == "A different wording of the same post" and item.edited_by == senior
    rule(users[1], "yes", now=T0 + timedelta(days=1, hours=1))
    with pytest.raises(Refused) as refused:
        blind_audit_edit_flip(user=senior, item=item, post_text="too late")
    assert refused.value.code == "flip_in_use"


def test_external_audit_by_adjacent_senior_with_low_kappa_flags_the_pool():
    shard, users, _ = pool(code="nv-US")
    other = ShardFactory(code="chr-US")
    Locale.objects.filter(code="nv-US").update(adjacent=other.locale)
    shard.refresh_from_db()
    outsider = UserFactory(username="senior_chr", role=User.Role.SENIOR)
    membership_set(user=outsider, shard=other, native=True)
    make_cases(shard, 20, at=T0)
    audit = external_audit_start(shard=shard, quarter=T0.date(), now=T0)
    assert audit.auditor == outsider and audit.items.count() == 2  # 10 % of 20 pending cases
    for item in audit.items.all():
        external_audit_answer(user=outsider, item=item, answer="no")
    with pytest.raises(Refused):
        external_audit_answer(user=users[0], item=audit.items.first(), answer="yes")
    Case.objects.filter(pk__in=audit.items.values("case_id")).update(decision="yes", status="decided")
    kappa = external_audit_evaluate(audit=audit, now=T0 + timedelta(days=5))
    assert kappa < Decimal("0.7")
    assert RetrainFlag.objects.filter(shard=shard, source="external_audit").count() == 1
    assert ExternalAudit.objects.get().evaluated_at is not None


def test_subgroup_delta_over_threshold_suggests_a_mix_change():
    shard, users, _ = pool(subs=("urban", "urban", "rural", "rural"))
    gold_items("en-US", 50)
    cset = calibration_set_build(locale="en-US", month=MONTH)
    items = list(cset.items.all())
    for user in users:
        rejects = 1 if user.sub_locale.endswith("urban") else 8  # urban approves 98 %, rural 84 %
        calibration_answers_submit(
            user=user,
            calibration_set=cset,
            now=T0,
            answers={it.pk: ("no" if i < rejects else "yes") for i, it in enumerate(items)},
        )
    report = drift_report_build(shard=shard, month=MONTH, now=T0)
    assert report.over_threshold and report.delta == Decimal("0.1400")
    assert report.suggested_ratio == 0.6 and "from 70% to 60%" in report.suggestion
    assert report.rates["en-US:rural"]["rate"] == 0.84


def test_rationale_campaign_three_verifiers_write_one_sentence_each_and_get_embeddings(settings, standin_hooks):
    settings.AUDITS = {**settings.AUDITS, "RATIONALE_CASES": 6}
    shard, users, _ = pool()
    decided(shard, users[0], 8)
    campaign = rationale_campaign_start(shard=shard, quarter=T0.date(), now=T0)
    assert campaign.rationales.values("verifier").distinct().count() == 3
    assert campaign.rationales.values("case").distinct().count() == 6
    mine = Rationale.objects.filter(verifier__in=users[:5]).first()
    with pytest.raises(Refused) as two:
        rationale_write(user=mine.verifier, rationale=mine, sentence="It is right. It is also fine.")
    assert two.value.field == "sentence"
    rationale_write(user=mine.verifier, rationale=mine, sentence="The crowd count matched the police report.")
    from quality.tasks import embed_rationales

    embed_rationales([mine.pk])
    mine.refresh_from_db()
    assert len(mine.embedding) == 384 and mine.embedder.endswith("HashingEmbedderStandIn")
    with pytest.raises(Refused) as twice:
        rationale_write(user=mine.verifier, rationale=mine, sentence="Again.")
    assert twice.value.code == "already_written"


def _two_written_rationales():
    shard, users, _ = pool()
    decided(shard, users[0], 2)
    campaign = rationale_campaign_start(shard=shard, quarter=T0.date(), now=T0)
    rows = list(campaign.rationales.all()[:2])
    Rationale.objects.filter(pk=rows[0].pk).update(sentence="The crowd count matched the police report.", written_at=T0)
    Rationale.objects.filter(pk=rows[1].pk).update(
        sentence="The police report confirmed the crowd size.", written_at=T0
    )
    return rows


def test_rationale_embeddings_default_to_the_real_minilm_model():
    """With the default hook (the registry's EMBEDDER) the sentences are embedded by all-MiniLM-L6-v2
    from its package (MH-2)."""
    from quality.services.audits import rationales_embed

    rows = _two_written_rationales()
    assert rationales_embed(ids=[r.pk for r in rows]) == 2
    a, b = (Rationale.objects.get(pk=r.pk) for r in rows)
    assert "MiniLM" in a.embedder and len(a.embedding) == 384
    assert abs(sum(x * x for x in a.embedding) - 1) < 1e-3
    assert sum(x * y for x, y in zip(a.embedding, b.embedding)) > 0.6  # paraphrases sit close together
    assert rationales_embed(ids=[r.pk for r in rows]) == 0  # idempotent


def test_rationale_embeddings_take_modelhooks_shaped_results(settings):
    from quality.services.audits import rationales_embed

    hooks_install(settings, EMBEDDER="tests.base.FakeEmbedder")
    rows = _two_written_rationales()
    rationales_embed(ids=[r.pk for r in rows])
    stored = Rationale.objects.get(pk=rows[0].pk)
    assert stored.embedder == "fake-embedder" and stored.embedding == [0.5, 0.5, 0.5, 0.5]
