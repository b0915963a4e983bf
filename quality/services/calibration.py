"""CA-1 calibration sets and accuracy, CA-2 Cohen's kappa, CA-4 cross-lingual calibration."""

import hashlib
import math
import random
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _
from sklearn.metrics import cohen_kappa_score

from core.audit import audit_record
from core.errors import Refused
from core.models import User
from modelhooks import hooks
from quality.models import CalibrationAnswer, CalibrationItem, CalibrationSet, CulturalNote, GoldItem, KappaScore
from quality.services.periods import month_bounds, month_start
from shards.models import Locale, Shard
from shards.selectors import TabooFence
from verifier.models import Case, Ruling

FOUR = Decimal("0.0001")


def _seeded(*parts) -> random.Random:
    """A draw that a replay of the same month repeats."""
    return random.Random(int.from_bytes(hashlib.sha256("|".join(map(str, parts)).encode()).digest()[:8], "big"))


def verifier_locales(*, user: User) -> list[str]:
    """The locales a verifier works in: their shards' locales; the rare pool covers every rare locale."""
    shards = Shard.objects.filter(memberships__user=user, memberships__active=True).select_related("locale")
    codes = {s.locale.code for s in shards if s.locale_id}
    if any(s.kind == Shard.Kind.RARE for s in shards):
        codes |= set(Locale.objects.filter(is_rare=True).values_list("code", flat=True))
    return sorted(codes)


# ---- CA-1 monthly calibration ----------------------------------------------------------------


def gold_item_create(
    *,
    actor: User | None,
    locale: str,
    post_text: str,
    expected: str,
    proposal: str = "",
    kind: str = Case.Kind.CORRECTION,
) -> GoldItem:
    """CA-1: an item with a known right answer, written by an admin or senior."""
    if expected not in ("yes", "no"):
        raise Refused("invalid", _('expected: must be "yes" or "no".'), 400, field="expected")
    if not post_text.strip():
        raise Refused("invalid", _("post_text: must not be empty."), 400, field="post_text")
    if kind not in Case.Kind.values:
        raise Refused(
            "invalid", _("kind: must be one of %(value)s.") % {"value": ", ".join(Case.Kind.values)}, 400, field="kind"
        )
    gold = GoldItem.objects.create(locale=locale, post_text=post_text, proposal=proposal, expected=expected, kind=kind)
    audit_record(actor=actor, action="gold_item_create", obj=gold, after={"locale": locale, "expected": expected})
    return gold


def calibration_set_build(*, locale: str, month: date, now: datetime | None = None) -> CalibrationSet:
    """CA-1: the month's 50 gold items for a locale, drawn once (a second call returns the same set)."""
    month = month_start(month)
    existing = CalibrationSet.objects.filter(locale=locale, month=month, kind=CalibrationSet.Kind.MONTHLY).first()
    if existing:
        return existing
    size = settings.CALIBRATION["SET_SIZE"]
    pool = list(
        GoldItem.objects.filter(locale=locale, active=True, source=GoldItem.Source.WRITTEN)
        .order_by("id")
        .values_list("id", flat=True)
    )
    if len(pool) < size:
        raise Refused(
            "not_enough_gold",
            _(
                "%(locale)s has %(count)s active gold items; a calibration set needs %(size)s. Write more gold items first."
            )
            % {"locale": locale, "count": len(pool), "size": size},
            409,
        )
    chosen = _seeded(locale, month).sample(pool, size)
    try:
        with transaction.atomic():
            cset = CalibrationSet.objects.create(locale=locale, month=month, kind=CalibrationSet.Kind.MONTHLY)
            CalibrationItem.objects.bulk_create(
                [CalibrationItem(calibration_set=cset, gold_id=g, position=i) for i, g in enumerate(chosen, start=1)]
            )
            audit_record(actor=None, action="calibration_set_build", obj=cset, after={"locale": locale, "items": size})
    except IntegrityError:  # built concurrently: the other one stands
        return CalibrationSet.objects.get(locale=locale, month=month, kind=CalibrationSet.Kind.MONTHLY)
    return cset


def calibration_answers_submit(
    *, user: User, calibration_set: CalibrationSet, answers: dict[int, str], note: str = "", now: datetime | None = None
) -> dict:
    """CA-1 / CA-4: a verifier answers every item of a set at once. For a cross-lingual set a
    divergence over 10 % from the adjacent locale's consensus needs a written cultural note;
    without one nothing is saved."""
    now = now or timezone.now()
    if calibration_set.locale not in verifier_locales(user=user):
        raise Refused("not_found", _("No such calibration set."), 404)
    if CalibrationAnswer.objects.filter(item__calibration_set=calibration_set, verifier=user).exists():
        raise Refused("already_submitted", _("You have already answered this calibration set."), 409)
    items = {i.pk: i for i in calibration_set.items.select_related("gold")}
    unknown = [k for k in answers if k not in items]
    missing = [k for k in items if k not in answers]
    bad = [k for k, v in answers.items() if v not in ("yes", "no")]
    if unknown or missing or bad:
        errors = {}
        if unknown:
            errors["unknown_items"] = sorted(unknown)
        if missing:
            errors["missing_items"] = sorted(missing)
        if bad:
            errors["bad_answers"] = sorted(bad)
        raise Refused(
            "invalid",
            _(
                "answers: answer every item of the set with yes or no (%(count)s missing, %(count2)s unknown, %(count3)s not yes/no)."
            )
            % {"count": len(missing), "count2": len(unknown), "count3": len(bad)},
            400,
            field="answers",
        )
    correct = sum(1 for k, v in answers.items() if items[k].gold.expected == v)
    divergence = (Decimal(len(items) - correct) / Decimal(len(items))).quantize(FOUR)
    crosslingual = calibration_set.kind == CalibrationSet.Kind.CROSSLINGUAL
    note = (note or "").strip()
    if crosslingual and divergence > settings.CALIBRATION["CROSSLINGUAL_MAX_DIVERGENCE"] and not note:
        raise Refused(
            "cultural_note_required",
            _(
                "Your answers differ from the adjacent locale's consensus on %(divergence)s of items (more than %(CROSSLINGUAL_MAX_DIVERGENCE)s). Write a note on the cultural difference and submit again."
            )
            % {
                "divergence": format(divergence, ".0%"),
                "CROSSLINGUAL_MAX_DIVERGENCE": format(settings.CALIBRATION["CROSSLINGUAL_MAX_DIVERGENCE"], ".0%"),
            },
            400,
            field="note",
        )
    with transaction.atomic():
        CalibrationAnswer.objects.bulk_create(
            [CalibrationAnswer(item=items[k], verifier=user, answer=v, at=now) for k, v in answers.items()]
        )
        if crosslingual and note:
            CulturalNote.objects.create(
                calibration_set=calibration_set, verifier=user, divergence=divergence, note=note, at=now
            )
        audit_record(
            actor=user,
            action="calibration_submit",
            obj=calibration_set,
            after={"correct": correct, "total": len(items), "divergence": str(divergence), "note": note},
        )
    return {"correct": correct, "total": len(items), "accuracy": Decimal(1) - divergence, "divergence": divergence}


def calibration_result(*, correct: int, total: int) -> tuple[Decimal, bool]:
    """CA-1: (accuracy, passed). Passing means accuracy >= 90 %, so 89.9 % holds the payout."""
    accuracy = (Decimal(correct) / Decimal(total)) if total else Decimal(0)
    return accuracy, accuracy >= settings.CALIBRATION["MIN_ACCURACY"]


def verifier_calibration_month(*, user: User, month: date) -> dict | None:
    """The verifier's score over the month's calibration sets of their locales; unanswered items
    count as wrong. None when no set exists for any of their locales (nothing to hold on)."""
    sets = CalibrationSet.objects.filter(
        locale__in=verifier_locales(user=user), month=month_start(month), kind=CalibrationSet.Kind.MONTHLY
    )
    total = CalibrationItem.objects.filter(calibration_set__in=sets).count()
    if not total:
        return None
    answered = CalibrationAnswer.objects.filter(item__calibration_set__in=sets, verifier=user).select_related(
        "item__gold"
    )
    n_answered = answered.count()
    correct = sum(1 for a in answered if a.answer == a.item.gold.expected)
    accuracy, passed = calibration_result(correct=correct, total=total)
    return {"correct": correct, "total": total, "answered": n_answered, "accuracy": accuracy, "passed": passed}


# ---- CA-2 kappa -----------------------------------------------------------------------------


def kappa_of(ours: list[str], theirs: list[str]) -> Decimal:
    """Cohen's kappa by scikit-learn's `cohen_kappa_score` over yes/no labels.

    When both sides use one label only the statistic is undefined (0/0): perfect agreement then
    counts as 1, anything else as 0."""
    if not ours:
        raise ValueError("kappa needs at least one pair")
    if len(set(ours) | set(theirs)) == 1:
        return Decimal("1.0000")  # one label on both sides: chance agreement is 1, kappa is 0/0
    value = cohen_kappa_score(ours, theirs, labels=["yes", "no"])
    if math.isnan(value):
        value = 0.0
    return Decimal(str(value)).quantize(FOUR, rounding=ROUND_HALF_UP)


def kappa_pairs_month(*, month: date, user_ids: list[int] | None = None) -> dict[int, tuple[list, list, int, int]]:
    """CA-2 pairs for one month, per verifier: (their answer, the other's) on every overlap case they
    ruled in the month (one pair per other ruling, in case order), then (their answer, the gold
    answer) on the month's calibration items. {user id: (ours, theirs, n_overlap, n_gold)}."""
    start, end = month_bounds(month)
    in_month = Ruling.objects.filter(at__gte=start, at__lt=end)
    if user_ids is not None:
        in_month = in_month.filter(verifier_id__in=user_ids)
    overlap_cases = (
        Ruling.objects.filter(case_id__in=in_month.values("case_id"))
        .values("case_id")
        .annotate(n=Count("id"))
        .filter(n__gte=2)
        .values("case_id")
    )
    by_case: dict[int, list[tuple[int, int, str, datetime]]] = {}
    for pk, case_id, verifier_id, answer, at in (
        Ruling.objects.filter(case_id__in=overlap_cases)
        .order_by("case_id", "id")
        .values_list("id", "case_id", "verifier_id", "answer", "at")
    ):
        by_case.setdefault(case_id, []).append((pk, verifier_id, answer, at))
    pairs: dict[int, tuple[list, list]] = {}
    for rulings in by_case.values():
        for _case, verifier_id, answer, at in rulings:
            if not (start <= at < end) or (user_ids is not None and verifier_id not in user_ids):
                continue
            ours, theirs = pairs.setdefault(verifier_id, ([], []))
            for _pk, other_id, other_answer, _at in rulings:
                if other_id != verifier_id:
                    ours.append(answer)
                    theirs.append(other_answer)
    n_overlap = {u: len(o) for u, (o, _) in pairs.items()}
    gold = (
        CalibrationAnswer.objects.filter(item__calibration_set__month=month_start(month))
        .order_by("id")
        .values_list("verifier_id", "answer", "item__gold__expected")
    )
    if user_ids is not None:
        gold = gold.filter(verifier_id__in=user_ids)
    for verifier_id, answer, expected in gold:
        ours, theirs = pairs.setdefault(verifier_id, ([], []))
        ours.append(answer)
        theirs.append(expected)
    return {u: (o, t, n_overlap.get(u, 0), len(o) - n_overlap.get(u, 0)) for u, (o, t) in pairs.items()}


def verifier_kappa_pairs(*, user: User, month: date) -> tuple[list[str], list[str], int, int]:
    return kappa_pairs_month(month=month, user_ids=[user.pk]).get(user.pk, ([], [], 0, 0))


def _kappa_store(*, user_id: int, month: date, pairs: tuple, now: datetime) -> KappaScore:
    ours, theirs, n_overlap, n_gold = pairs
    score, _ = KappaScore.objects.update_or_create(
        verifier_id=user_id,
        month=month_start(month),
        defaults={
            "kappa": kappa_of(ours, theirs),
            "pairs": len(ours),
            "overlap_pairs": n_overlap,
            "gold_pairs": n_gold,
            "computed_at": now,
        },
    )
    return score


def kappa_compute(*, user: User, month: date, now: datetime | None = None) -> KappaScore | None:
    """CA-2: store the verifier's kappa for the month. A blind-audit dock already recorded stays."""
    pairs = verifier_kappa_pairs(user=user, month=month)
    if not pairs[0]:
        return None
    return _kappa_store(user_id=user.pk, month=month, pairs=pairs, now=now or timezone.now())


def kappa_compute_month(*, month: date, now: datetime | None = None) -> list[KappaScore]:
    """CA-2 for every verifier who ruled on an overlap case or calibrated in the month."""
    now = now or timezone.now()
    return [
        _kappa_store(user_id=u, month=month, pairs=p, now=now)
        for u, p in sorted(kappa_pairs_month(month=month).items())
        if p[0]
    ]


def verifier_kappa_latest(*, user: User) -> KappaScore | None:
    return KappaScore.objects.filter(verifier=user).order_by("-month").first()


def kappa_bonus_eligible(*, kappa: Decimal | None) -> bool:
    """CA-2: the monthly bonus is paid when kappa > 0.8 (0.80 itself earns none)."""
    return kappa is not None and kappa > settings.KAPPA["BONUS_ABOVE"]


# ---- CA-4 cross-lingual calibration ------------------------------------------------------------


def high_agreement_items(*, locale: str, limit: int) -> list[dict]:
    """The adjacent locale's high-agreement set: decided overlap cases whose rulings all agree,
    then its gold items. Each with the consensus answer. The set goes to another locale, so nothing
    native-only or taboo of this locale is in it (SH-3, issue 11)."""
    agreed = (
        Case.objects.filter(locale=locale, status=Case.Status.DECIDED)
        .filter(TabooFence.outsider().cases_q())
        .exclude(kind=Case.Kind.TABOO)
        .annotate(n=Count("rulings"), answers=Count("rulings__answer", distinct=True))
        .filter(n__gte=2, answers=1)
        .order_by("-decided_at")
    )
    items = [
        {"post_text": c.post_text, "proposal": c.proposal, "kind": c.kind, "expected": c.decision}
        for c in agreed[:limit]
    ]
    written = GoldItem.objects.filter(locale=locale, active=True, source=GoldItem.Source.WRITTEN)
    for g in written.exclude(kind=Case.Kind.TABOO).order_by("id"):
        if len(items) >= limit:
            break
        items.append({"post_text": g.post_text, "proposal": g.proposal, "kind": g.kind, "expected": g.expected})
    return items


def crosslingual_set_build(*, locale: Locale, month: date, now: datetime | None = None) -> CalibrationSet:
    """CA-4: 20 items machine-translated from the adjacent locale's high-agreement set."""
    month = month_start(month)
    existing = CalibrationSet.objects.filter(
        locale=locale.code, month=month, kind=CalibrationSet.Kind.CROSSLINGUAL
    ).first()
    if existing:
        return existing
    if locale.adjacent_id is None:
        raise Refused(
            "no_adjacent_locale",
            _("%(code)s has no adjacent locale to calibrate against.") % {"code": locale.code},
            409,
        )
    size = settings.CALIBRATION["CROSSLINGUAL_SIZE"]
    source = locale.adjacent.code
    items = high_agreement_items(locale=source, limit=size)
    if len(items) < size:
        raise Refused(
            "not_enough_items",
            _("%(source)s has %(count)s high-agreement items; %(size)s are needed.")
            % {"source": source, "count": len(items), "size": size},
            409,
        )
    translate, translator = hooks.mt, hooks.hook("MT").name
    with transaction.atomic():
        cset = CalibrationSet.objects.create(locale=locale.code, month=month, kind=CalibrationSet.Kind.CROSSLINGUAL)
        for position, item in enumerate(items, start=1):
            gold = GoldItem.objects.create(
                locale=locale.code,
                kind=item["kind"],
                expected=item["expected"],
                source=GoldItem.Source.TRANSLATED,
                source_locale=source,
                source_text=item["post_text"],
                translator=translator,
                post_text=translate(item["post_text"], source, locale.code),
                proposal=translate(item["proposal"], source, locale.code) if item["proposal"] else "",
            )
            CalibrationItem.objects.create(calibration_set=cset, gold=gold, position=position)
        audit_record(
            actor=None,
            action="crosslingual_set_build",
            obj=cset,
            after={"locale": locale.code, "from": source, "items": size, "translator": translator},
        )
    return cset
