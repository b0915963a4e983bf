"""CA-3 blind audits, CA-5 external audits, CA-7 subgroup drift, CA-8 the rationale campaign."""

import math
import random
from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal

from celery import shared_task
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit_record
from core.errors import Refused
from core.models import User
from core.sql import SqlPart
from modelhooks import hooks
from quality.models import (
    BlindAudit,
    BlindAuditItem,
    CalibrationAnswer,
    DriftReport,
    ExternalAudit,
    ExternalAuditItem,
    KappaScore,
    Rationale,
    RationaleCampaign,
    RetrainFlag,
)
from quality.services.calibration import kappa_compute, kappa_compute_month, kappa_of
from quality.services.periods import month_bounds, month_start, quarter_start
from shards.models import PoolMembership, Shard
from shards.selectors import taboo_fence
from verifier.models import Case, CaseTask, Ruling
from verifier.services.queue import NewCase, cases_create
from verifier.services.rulings import case_accepts_delta

_rng = random.SystemRandom()
FOUR = Decimal("0.0001")


def case_is_blind_flip(*, case: Case) -> bool:
    """A re-injected paraphrase (CA-3): it is ruled like any case but never becomes training data."""
    return BlindAuditItem.objects.filter(flip_case_id=case.pk).exists()


def case_is_blind_flip_part(*, case_sql: str) -> SqlPart:
    """Issue 14: `case_is_blind_flip` as an EXISTS on `case_sql` (a column of the caller's statement), so the
    ruling reads it with its seat lock (verifier.extensions)."""
    return SqlPart(f'EXISTS (SELECT 1 FROM "{BlindAuditItem._meta.db_table}" WHERE flip_case_id = {case_sql})')


def _fake_post_id() -> str:
    # Looks like any other post id so the verifier cannot tell the flip from live work.
    return str(_rng.randrange(10**17, 10**18))


# ---- CA-3 blind audit ---------------------------------------------------------------------


def _audits_shard(*, actor: User, shard: Shard) -> bool:
    """CA-3: a senior with an active membership of the shard, or an admin."""
    if actor.role == User.Role.ADMIN:
        return True
    return (
        actor.role == User.Role.SENIOR and PoolMembership.objects.filter(user=actor, shard=shard, active=True).exists()
    )


def _flippable(*, candidates: list[int], paraphrase) -> tuple[list[Case], dict[int, str]]:
    """CA-3: the month's sample, drawn at random from the candidates, of cases whose post the
    paraphraser changes: a post no rule changes would come back as itself, so a verifier would see
    the same post twice; it is passed over for the next candidate (a senior can still write a flip
    by hand for any case)."""
    want = settings.AUDITS["BLIND_CASES_PER_MONTH"]
    order = _rng.sample(candidates, len(candidates))
    chosen: list[Case] = []
    flips: dict[int, str] = {}
    for start in range(0, len(order), want * 2):
        batch = Case.objects.in_bulk(order[start : start + want * 2])
        for pk in order[start : start + want * 2]:
            c = batch[pk]
            if (flip := paraphrase(c.post_text, c.locale)) != c.post_text:
                chosen.append(c)
                flips[pk] = flip
                if len(chosen) == want:
                    return sorted(chosen, key=lambda c: c.pk), flips
    return sorted(chosen, key=lambda c: c.pk), flips


def blind_audit_start(
    *, shard: Shard, month: date, actor: User | None = None, now: datetime | None = None
) -> BlindAudit:
    """CA-3: 20 already-ruled cases of the shard, paraphrased at lemma level by the paraphraser
    hook and re-injected as new cases under fake post ids. Once per shard and month. Started by the
    monthly task (no actor), a senior of that shard or an admin (issue 11: no other senior; an
    admin's start is written to the audit log with the admin as actor)."""
    now = now or timezone.now()
    if actor is not None and not _audits_shard(actor=actor, shard=shard):
        raise Refused(
            "not_your_shard",
            _("shard: only seniors of %(shard)s (or an admin) may start its blind audit.") % {"shard": shard.code},
            403,
            field="shard",
        )
    month = month_start(month)
    existing = BlindAudit.objects.filter(shard=shard, month=month).first()
    if existing:
        return existing
    used = BlindAuditItem.objects.values_list("original_case_id", flat=True)
    flips = BlindAuditItem.objects.values_list("flip_case_id", flat=True)
    candidates = list(
        Case.objects.filter(shard=shard, status=Case.Status.DECIDED)
        .exclude(decision="")
        .exclude(pk__in=used)
        .exclude(pk__in=flips)
        .values_list("pk", flat=True)
    )
    paraphrase, paraphraser = hooks.paraphrase, hooks.hook("PARAPHRASER").name
    originals, flips_of = _flippable(candidates=candidates, paraphrase=paraphrase)
    try:
        with transaction.atomic():
            audit = BlindAudit.objects.create(shard=shard, month=month, paraphraser=paraphraser, created_at=now)
            fake_ids = [_fake_post_id() for _ in originals]
            new_cases = cases_create(
                new_cases=[
                    NewCase(
                        shard=shard,
                        kind=c.kind,
                        locale=c.locale,
                        sub_locale=c.sub_locale,
                        post_id=fid,
                        post_text=flips_of[c.pk],
                        ocr_text=c.ocr_text,
                        hashtags=c.hashtags,
                        proposal=paraphrase(c.proposal, c.locale) if c.proposal else "",
                        native_only=c.native_only,
                        risk_tags=c.risk_tags,
                        hard_block_locale=c.hard_block_locale,
                        at=now,
                    )
                    for c, fid in zip(originals, fake_ids)
                ]
            )
            BlindAuditItem.objects.bulk_create(
                [
                    BlindAuditItem(
                        audit=audit, original_case=o, flip_case=f, original_answer=o.decision, fake_post_id=fid
                    )
                    for o, f, fid in zip(originals, new_cases, fake_ids)
                ]
            )
            audit_record(
                actor=actor,
                action="blind_audit_start",
                obj=audit,
                after={
                    "shard": shard.code,
                    "month": month.isoformat(),
                    "items": len(originals),
                    "paraphraser": paraphraser,
                },
            )
    except IntegrityError:
        return BlindAudit.objects.get(shard=shard, month=month)
    return audit


def blind_audit_edit_flip(
    *, user: User, item: BlindAuditItem, post_text: str, proposal: str | None = None
) -> BlindAuditItem:
    """CA-3: a senior of the audited shard writes or edits the flip while nobody has ruled on it yet;
    a native-only flip only a native of the shard (SH-3)."""
    if not _audits_shard(actor=user, shard=item.audit.shard) or not taboo_fence(user=user).allows_case(item.flip_case):
        raise Refused("not_found", _("No such audit item."), 404)
    post_text = (post_text or "").strip()
    if not post_text:
        raise Refused("invalid", _("post_text: the flip needs a text."), 400, field="post_text")
    with transaction.atomic():
        flip = Case.objects.select_for_update().get(pk=item.flip_case_id)
        if (
            Ruling.objects.filter(case=flip).exists()
            or CaseTask.objects.filter(case=flip, status=CaseTask.Status.LEASED).exists()
        ):
            raise Refused(
                "flip_in_use", _("A verifier already holds or ruled on this flip; it can no longer be edited."), 409
            )
        before = {"post_text": flip.post_text, "proposal": flip.proposal}
        flip.post_text = post_text
        if proposal is not None:
            flip.proposal = proposal.strip()
        flip.save(update_fields=["post_text", "proposal"])
        BlindAuditItem.objects.filter(pk=item.pk).update(edited_by=user)
        audit_record(
            actor=user,
            action="blind_audit_edit_flip",
            obj=item,
            before=before,
            after={"post_text": flip.post_text, "proposal": flip.proposal},
        )
    item.refresh_from_db()
    return item


def blind_audit_pairs(*, audit: BlindAudit) -> dict[int, list[dict]]:
    """Per verifier, the flip pairs they ruled: the original decision, their answer on the flip,
    and whether they themselves ruled the original."""
    pairs: dict[int, list[dict]] = defaultdict(list)
    items = audit.items.select_related("original_case", "flip_case")
    for item in items:
        own_original = dict(Ruling.objects.filter(case=item.original_case).values_list("verifier_id", "answer"))
        for verifier_id, answer in Ruling.objects.filter(case=item.flip_case).values_list("verifier_id", "answer"):
            pairs[verifier_id].append(
                {
                    "item": item.pk,
                    "original_approved": case_accepts_delta(case=item.original_case, answer=item.original_answer),
                    "flip_approved": case_accepts_delta(case=item.flip_case, answer=answer),
                    "own_original_approved": (
                        case_accepts_delta(case=item.original_case, answer=own_original[verifier_id])
                        if verifier_id in own_original
                        else None
                    ),
                }
            )
    return pairs


def flip_delta(*, pairs: list[dict]) -> Decimal:
    """CA-3: |approval rate on the originals - approval rate on their flips| over the pairs."""
    n = Decimal(len(pairs))
    originals = sum(1 for p in pairs if p["original_approved"])
    flips = sum(1 for p in pairs if p["flip_approved"])
    return (abs(Decimal(originals - flips)) / n).quantize(FOUR) if pairs else Decimal(0)


def blind_audit_evaluate(*, audit: BlindAudit, now: datetime | None = None) -> dict[str, dict]:
    """CA-3: a verifier who approved the original but rejects its flip is flagged for retraining;
    an approval delta across their flip pairs >= 5 % docks their month's kappa and cuts the bonus."""
    now = now or timezone.now()
    report = {}
    threshold, dock = settings.AUDITS["FLIP_DELTA_THRESHOLD"], settings.AUDITS["FLIP_KAPPA_DOCK"]
    for verifier_id, pairs in blind_audit_pairs(audit=audit).items():
        user = User.objects.get(pk=verifier_id)
        delta = flip_delta(pairs=pairs)
        inconsistent = [p for p in pairs if p["own_original_approved"] and not p["flip_approved"]]
        docked = delta >= threshold
        with transaction.atomic():
            if (
                inconsistent
                and not RetrainFlag.objects.filter(
                    verifier=user, source="blind_audit", reason__contains=f"audit {audit.pk}"
                ).exists()
            ):
                RetrainFlag.objects.create(
                    verifier=user,
                    source="blind_audit",
                    created_at=now,
                    reason=f"Blind audit {audit.pk} ({audit.shard.code}, {audit.month:%Y-%m}): "
                    f"approved {len(inconsistent)} original(s) but rejected the paraphrase.",
                )
                audit_record(
                    actor=None, action="retrain_flag", obj=user, after={"source": "blind_audit", "audit": audit.pk}
                )
            if docked:
                score = KappaScore.objects.filter(verifier=user, month=audit.month).first() or kappa_compute(
                    user=user, month=audit.month, now=now
                )
                if score is None:
                    score = KappaScore.objects.create(
                        verifier=user, month=audit.month, kappa=Decimal(0), pairs=0, computed_at=now
                    )
                before = {"audit_dock": str(score.audit_dock), "bonus_cut": score.bonus_cut}
                score.audit_dock, score.bonus_cut = dock, True
                score.bonus_cut_reason = (
                    f"Blind audit: approval delta across {len(pairs)} flip pair(s) is "
                    f"{delta:.1%} (threshold {threshold:.0%})."
                )
                score.save(update_fields=["audit_dock", "bonus_cut", "bonus_cut_reason"])
                audit_record(
                    actor=None,
                    action="kappa_dock",
                    obj=score,
                    before=before,
                    after={"audit_dock": str(dock), "bonus_cut": True, "reason": score.bonus_cut_reason},
                )
        report[user.username] = {"pairs": len(pairs), "delta": delta, "docked": docked, "retrain": bool(inconsistent)}
    BlindAudit.objects.filter(pk=audit.pk).update(evaluated_at=now)
    return report


# ---- CA-5 external audit -------------------------------------------------------------------


def external_auditor_pick(*, shard: Shard) -> User | None:
    """A senior from an adjacent shard (the locale's adjacent locale); else any senior outside the pool."""
    outside = User.objects.filter(role=User.Role.SENIOR, is_active=True).exclude(
        memberships__shard=shard, memberships__active=True
    )
    if shard.locale_id and shard.locale.adjacent_id:
        adjacent = list(
            outside.filter(memberships__shard__locale_id=shard.locale.adjacent_id, memberships__active=True)
        )
        if adjacent:
            return _rng.choice(adjacent)
    rest = list(outside)
    return _rng.choice(rest) if rest else None


def external_audit_start(*, shard: Shard, quarter: date, now: datetime | None = None) -> ExternalAudit | None:
    """CA-5: quarterly, an adjacent-shard senior blind-reviews 10 % of the shard's pending cases."""
    now = now or timezone.now()
    quarter = quarter_start(quarter)
    existing = ExternalAudit.objects.filter(shard=shard, quarter=quarter).first()
    if existing:
        return existing
    auditor = external_auditor_pick(shard=shard)
    if auditor is None:
        return None
    # Only cases the auditor may see (issue 11): an outside senior never gets a native-only case.
    pending = list(
        Case.objects.filter(shard=shard, status=Case.Status.QUEUED)
        .filter(taboo_fence(user=auditor).cases_q())
        .values_list("pk", flat=True)
    )
    if not pending:
        return None
    n = max(1, math.ceil(len(pending) * settings.AUDITS["EXTERNAL_SHARE"]))
    with transaction.atomic():
        audit = ExternalAudit.objects.create(shard=shard, quarter=quarter, auditor=auditor, created_at=now)
        ExternalAuditItem.objects.bulk_create(
            [ExternalAuditItem(audit=audit, case_id=c) for c in _rng.sample(pending, n)]
        )
        audit_record(
            actor=None,
            action="external_audit_start",
            obj=audit,
            after={"shard": shard.code, "auditor": auditor.username, "items": n},
        )
    return audit


def external_audit_answer(
    *, user: User, item: ExternalAuditItem, answer: str, now: datetime | None = None
) -> ExternalAuditItem:
    now = now or timezone.now()
    if item.audit.auditor_id != user.pk or not taboo_fence(user=user).allows_case(item.case):
        raise Refused("not_found", _("No such audit item."), 404)
    if answer not in ("yes", "no"):
        raise Refused("invalid", _('answer: must be "yes" or "no".'), 400, field="answer")
    if not ExternalAuditItem.objects.filter(pk=item.pk, answer="").update(answer=answer, answered_at=now):
        raise Refused("already_answered", _("You have already answered this item."), 409)
    audit_record(
        actor=user, action="external_audit_answer", obj=item.case, after={"answer": answer, "audit": item.audit_id}
    )
    item.refresh_from_db()
    return item


def external_audit_evaluate(*, audit: ExternalAudit, now: datetime | None = None) -> Decimal | None:
    """CA-5: kappa between the auditor and the pool's decisions; once every item is answered and
    decided, kappa < 0.7 raises a pool-wide retrain flag."""
    now = now or timezone.now()
    items = list(audit.items.select_related("case"))
    pairs = [(i.answer, i.case.decision) for i in items if i.answer and i.case.decision]
    if not pairs:
        return None
    kappa = kappa_of([a for a, _ in pairs], [b for _, b in pairs])
    complete = len(pairs) == len(items)
    ExternalAudit.objects.filter(pk=audit.pk).update(
        kappa=kappa, pairs=len(pairs), evaluated_at=now if complete else None
    )
    if complete and audit.evaluated_at is None and kappa < settings.AUDITS["EXTERNAL_MIN_KAPPA"]:
        RetrainFlag.objects.create(
            shard=audit.shard,
            source="external_audit",
            created_at=now,
            reason=f"External audit {audit.quarter:%Y-%m} by {audit.auditor.username}: kappa "
            f"{kappa} against the pool (minimum {settings.AUDITS['EXTERNAL_MIN_KAPPA']}).",
        )
        audit_record(actor=None, action="retrain_flag_pool", obj=audit, after={"kappa": str(kappa)})
    return kappa


# ---- CA-7 subgroup drift -------------------------------------------------------------------


def subgroup_approval_rates(*, shard: Shard, month: date) -> dict[str, dict]:
    """Approval rate per sub-locale on items that more than one subgroup judged: the month's
    calibration items of the shard's locale and its overlap cases."""
    start, end = month_bounds(month)
    judged: dict[tuple, list[tuple[str, bool]]] = defaultdict(list)
    if shard.locale_id:
        answers = CalibrationAnswer.objects.filter(
            item__calibration_set__locale=shard.locale.code, item__calibration_set__month=month_start(month)
        ).values_list("item_id", "verifier__sub_locale", "answer", "item__gold__kind")
        for item_id, sub, answer, kind in answers:
            judged[("gold", item_id)].append((sub, answer == ("no" if kind == Case.Kind.TABOO else "yes")))
    rulings = Ruling.objects.filter(case__shard=shard, case__required_rulings=2, at__gte=start, at__lt=end).values_list(
        "case_id", "verifier__sub_locale", "answer", "case__kind"
    )
    for case_id, sub, answer, kind in rulings:
        judged[("case", case_id)].append((sub, answer == ("no" if kind == Case.Kind.TABOO else "yes")))
    tally: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for votes in judged.values():
        if len({sub for sub, _ in votes}) < 2:
            continue  # only items seen by more than one subgroup compare like with like
        for sub, approved in votes:
            tally[sub or "(none)"][0] += approved
            tally[sub or "(none)"][1] += 1
    return {sub: {"approved": a, "total": t, "rate": round(a / t, 4)} for sub, (a, t) in sorted(tally.items())}


def drift_report_build(*, shard: Shard, month: date, now: datetime | None = None) -> DriftReport:
    """CA-7: compare subgroup approval rates; over the threshold, suggest a lower own-sub-locale share."""
    now = now or timezone.now()
    rates = subgroup_approval_rates(shard=shard, month=month)
    values = [Decimal(str(r["rate"])) for r in rates.values()]
    delta = (max(values) - min(values)).quantize(FOUR) if len(values) >= 2 else Decimal(0)
    over = delta > settings.AUDITS["DRIFT_THRESHOLD"]
    current = (
        shard.own_sublocale_ratio if shard.own_sublocale_ratio is not None else settings.SHARDS["OWN_SUBLOCALE_RATIO"]
    )
    suggested, text = None, ""
    if over:
        hi = max(rates, key=lambda s: rates[s]["rate"])
        lo = min(rates, key=lambda s: rates[s]["rate"])
        floor = settings.AUDITS["DRIFT_RATIO_FLOOR"]
        suggested = round(max(floor, current - settings.AUDITS["DRIFT_RATIO_STEP"]), 2)
        if suggested < current:
            text = (
                f"{hi} approves {rates[hi]['rate']:.0%} and {lo} {rates[lo]['rate']:.0%} of the same items "
                f"(delta {delta:.1%}). Lower the own-sub-locale share of {shard.code} from {current:.0%} to "
                f"{suggested:.0%} so each verifier sees more cases from other subgroups."
            )
        else:
            suggested = None
            text = (
                f"{hi} and {lo} differ by {delta:.1%}, and the mix is already at {current:.0%}; "
                "review both subgroups' calibration answers and consider retraining."
            )
    report, _ = DriftReport.objects.update_or_create(
        shard=shard,
        month=month_start(month),
        defaults={
            "rates": rates,
            "delta": delta,
            "over_threshold": over,
            "current_ratio": current,
            "suggested_ratio": suggested,
            "suggestion": text,
            "created_at": now,
        },
    )
    return report


# ---- CA-8 rationale campaign ------------------------------------------------------------------


def rationale_campaign_start(*, shard: Shard, quarter: date, now: datetime | None = None) -> RationaleCampaign | None:
    """CA-8: 3 verifiers each write a one-sentence reason for the same 200 random decided cases."""
    now = now or timezone.now()
    quarter = quarter_start(quarter)
    existing = RationaleCampaign.objects.filter(shard=shard, quarter=quarter).first()
    if existing:
        return existing
    verifiers = list(
        User.objects.filter(
            role=User.Role.VERIFIER, is_active=True, memberships__shard=shard, memberships__active=True
        ).distinct()
    )
    flips = BlindAuditItem.objects.values_list("flip_case_id", flat=True)
    if not verifiers:
        return None
    chosen_v = _rng.sample(verifiers, min(settings.AUDITS["RATIONALE_VERIFIERS"], len(verifiers)))
    cases = Case.objects.filter(shard=shard, status=Case.Status.DECIDED).exclude(pk__in=flips)
    for verifier in chosen_v:  # every chosen verifier reads every case: each must be allowed to (SH-3)
        cases = cases.filter(taboo_fence(user=verifier).cases_q())
    cases = list(cases.values_list("pk", flat=True))
    if not cases:
        return None
    chosen_c = _rng.sample(cases, min(settings.AUDITS["RATIONALE_CASES"], len(cases)))
    with transaction.atomic():
        campaign = RationaleCampaign.objects.create(shard=shard, quarter=quarter, created_at=now)
        Rationale.objects.bulk_create(
            [Rationale(campaign=campaign, verifier=v, case_id=c) for v in chosen_v for c in chosen_c]
        )
        audit_record(
            actor=None,
            action="rationale_campaign_start",
            obj=campaign,
            after={"verifiers": [v.username for v in chosen_v], "cases": len(chosen_c)},
        )
    return campaign


def rationale_write(*, user: User, rationale: Rationale, sentence: str, now: datetime | None = None) -> Rationale:
    """CA-8: one sentence, kept with its embedding as a soft prompt; it never labels the case."""
    now = now or timezone.now()
    if rationale.verifier_id != user.pk:
        raise Refused("not_found", _("No such rationale."), 404)
    sentence = " ".join((sentence or "").split())
    if not sentence:
        raise Refused("invalid", _("sentence: write one sentence saying why."), 400, field="sentence")
    if len(sentence) > 500:
        raise Refused(
            "invalid", _("sentence: keep it to one sentence (at most 500 characters)."), 400, field="sentence"
        )
    inner = sentence.rstrip(".!?。؟ ")
    if any(f"{mark} " in inner for mark in (".", "!", "?")):
        raise Refused("invalid", _("sentence: write one sentence, not several."), 400, field="sentence")
    if rationale.written_at is not None:
        raise Refused("already_written", _("You have already written this rationale."), 409)
    Rationale.objects.filter(pk=rationale.pk).update(sentence=sentence, written_at=now)
    audit_record(actor=user, action="rationale_write", obj=rationale.case, after={"campaign": rationale.campaign_id})
    transaction.on_commit(lambda: embed_rationales.delay([rationale.pk]))
    rationale.refresh_from_db()
    return rationale


def rationales_embed(*, ids: list[int]) -> int:
    """CA-8 / MH-2: embed written rationales (idempotent: embedded ones are left alone)."""
    rows = list(Rationale.objects.filter(pk__in=ids, written_at__isnull=False, embedding__isnull=True))
    if not rows:
        return 0
    results = hooks.embed([r.sentence for r in rows])
    for row, result in zip(rows, results):  # each result carries the vector and the embedder that made it
        Rationale.objects.filter(pk=row.pk, embedding__isnull=True).update(
            embedding=[float(x) for x in result.vector], embedder=result.embedder
        )
    return len(rows)


@shared_task(name="verifier.tasks.embed_rationales")  # the name it had in verifier/tasks.py: queued messages use it
def embed_rationales(ids: list[int]) -> int:
    """CA-8 / MH-2: embeddings of written rationales (model hook), off the request that wrote them.
    Defined here, beside rationales_embed, because rationale_write enqueues it (quality.tasks re-exports it)."""
    return rationales_embed(ids=ids)


# ---- month close --------------------------------------------------------------------------------


def quality_month_close(*, month: date, now: datetime | None = None) -> dict:
    """CA-2 / CA-3: compute the month's kappa for everyone, then apply its blind audits' verdicts.
    Idempotent: a rerun recomputes kappa and keeps the docks, and flags nobody twice."""
    now = now or timezone.now()
    month = month_start(month)
    scores = kappa_compute_month(month=month, now=now)
    audits = {
        a.shard.code: blind_audit_evaluate(audit=a, now=now)
        for a in BlindAudit.objects.filter(month=month).select_related("shard")
    }
    return {"kappas": len(scores), "audits": {code: len(report) for code, report in audits.items()}}
