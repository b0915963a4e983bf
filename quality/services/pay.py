"""CA-6 pay: contracts, hours from session activity, bonus and hold rules, the monthly pay run.

Hours rule (PAY settings): every action a verifier takes (a lease handed out, a ruling, a
calibration answer, an appeal vote, an audit answer, a rationale) is an activity timestamp. Sorted,
they split into sessions wherever two are more than SESSION_IDLE_GAP_MINUTES apart; a session lasts
from its first action to its last plus SESSION_TAIL_MINUTES. Hours are the sum, to the hundredth.
"""

import csv
import io
import logging
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit_record
from core.errors import Refused
from core.models import User
from quality.models import CalibrationAnswer, Contract, ExternalAuditItem, KappaScore, Payout, PayRun, Rationale
from quality.services.audits import quality_month_close
from quality.services.calibration import kappa_bonus_eligible, verifier_calibration_month
from quality.services.periods import month_bounds, month_is_closed, month_next, month_start
from verifier.models import AppealReview, Assignment, Ruling

log = logging.getLogger(__name__)
CENT = Decimal("0.01")


def contract_set(
    *, actor: User, verifier: User, hourly_rate: Decimal, starts_on: date, reason: str, currency: str | None = None
) -> Contract:
    """CA-6: a new hourly rate from a date; the contract in force ends the day before. Audited with the reason."""
    reason = (reason or "").strip()
    if not reason:
        raise Refused("invalid", _("reason: say why the rate changes."), 400, field="reason")
    try:
        rate = Decimal(str(hourly_rate)).quantize(CENT)
    except ArithmeticError:
        raise Refused("invalid", _("hourly_rate: must be a decimal amount such as 18.50."), 400, field="hourly_rate")
    if rate < 0:
        raise Refused("invalid", _("hourly_rate: must not be negative."), 400, field="hourly_rate")
    with transaction.atomic():
        current = (
            Contract.objects.select_for_update()
            .filter(verifier=verifier, starts_on__lt=starts_on)
            .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=starts_on))
            .order_by("-starts_on")
            .first()
        )
        before = None
        if current:
            before = {"hourly_rate": str(current.hourly_rate), "starts_on": current.starts_on.isoformat()}
            current.ends_on = starts_on - timedelta(days=1)
            current.save(update_fields=["ends_on"])
        Contract.objects.filter(verifier=verifier, starts_on__gte=starts_on).delete()  # replaced by this one
        contract = Contract.objects.create(
            verifier=verifier, hourly_rate=rate, starts_on=starts_on, currency=currency or settings.PAY["CURRENCY"]
        )
        audit_record(
            actor=actor,
            action="contract_set",
            obj=verifier,
            before=before,
            after={
                "hourly_rate": str(rate),
                "currency": contract.currency,
                "starts_on": starts_on.isoformat(),
                "reason": reason,
            },
        )
    return contract


def contract_for_month(*, verifier: User, month: date) -> Contract | None:
    """The contract in force at the end of the month (a mid-month change pays the later rate)."""
    start = month_start(month)
    last_day = month_next(start) - timedelta(days=1)
    return (
        Contract.objects.filter(verifier=verifier, starts_on__lte=last_day)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=start))
        .order_by("-starts_on")
        .first()
    )


ACTIVITY_SOURCES = (  # (model, the user field, the time field): every action that counts as work
    (Assignment, "user_id", "leased_at"),
    (Ruling, "verifier_id", "at"),
    (CalibrationAnswer, "verifier_id", "at"),
    (AppealReview, "reviewer_id", "voted_at"),
    (ExternalAuditItem, "audit__auditor_id", "answered_at"),
    (Rationale, "verifier_id", "written_at"),
)


def verifiers_activity(*, user_ids: list[int], start: datetime, end: datetime) -> dict[int, list[datetime]]:
    """Every verifier's activity timestamps in [start, end), sorted: one query per source for all of them."""
    times: dict[int, list[datetime]] = {u: [] for u in user_ids}
    for model, user_field, time_field in ACTIVITY_SOURCES:
        rows = model.objects.filter(
            **{f"{user_field}__in": user_ids, f"{time_field}__gte": start, f"{time_field}__lt": end}
        ).values_list(user_field, time_field)
        for user_id, at in rows.iterator(chunk_size=10_000):
            times[user_id].append(at)
    for stamps in times.values():
        stamps.sort()
    return times


def verifier_activity(*, user: User, start: datetime, end: datetime) -> list[datetime]:
    return verifiers_activity(user_ids=[user.pk], start=start, end=end)[user.pk]


def sessions_from_activity(times: list[datetime]) -> list[tuple[datetime, datetime]]:
    """Split sorted activity into sessions at idle gaps (the hours rule in the module docstring)."""
    gap = timedelta(minutes=settings.PAY["SESSION_IDLE_GAP_MINUTES"])
    tail = timedelta(minutes=settings.PAY["SESSION_TAIL_MINUTES"])
    sessions: list[tuple[datetime, datetime]] = []
    for t in times:
        if sessions and t - (sessions[-1][1] - tail) <= gap:
            sessions[-1] = (sessions[-1][0], t + tail)
        else:
            sessions.append((t, t + tail))
    return sessions


def _hours(sessions: list[tuple[datetime, datetime]]) -> Decimal:
    seconds = sum((b - a).total_seconds() for a, b in sessions)
    return (Decimal(seconds) / Decimal(3600)).quantize(CENT, rounding=ROUND_HALF_UP)


def verifiers_hours(*, user_ids: list[int], month: date) -> dict[int, tuple[Decimal, int]]:
    """CA-6 hours for many verifiers at once: {user id: (hours, sessions)}."""
    start, end = month_bounds(month)
    result = {}
    for user_id, stamps in verifiers_activity(user_ids=user_ids, start=start, end=end).items():
        sessions = sessions_from_activity(stamps)
        result[user_id] = (_hours(sessions), len(sessions))
    return result


def verifier_hours(*, user: User, month: date) -> tuple[Decimal, int]:
    return verifiers_hours(user_ids=[user.pk], month=month)[user.pk]


def payout_compute(
    *, verifier: User, month: date, contract: Contract, hours: tuple[Decimal, int] | None = None
) -> dict:
    """One verifier's month: base = hours x rate; bonus when kappa > 0.8 and no blind-audit cut;
    calibration accuracy < 90 % pays 0 and holds the payout with the reason (CA-1, CA-2, CA-3)."""
    hours, sessions = hours if hours is not None else verifier_hours(user=verifier, month=month)
    base = (hours * contract.hourly_rate).quantize(CENT, rounding=ROUND_HALF_UP)
    score = KappaScore.objects.filter(verifier=verifier, month=month_start(month)).first()
    kappa = score.effective if score else None
    bonus, note = Decimal("0.00"), ""
    if score is None:
        note = "No kappa this month (no overlap or gold pairs): no bonus."
    elif score.bonus_cut:
        note = f"Bonus cut: {score.bonus_cut_reason}"
    elif kappa_bonus_eligible(kappa=kappa):
        bonus = (base * settings.PAY["BONUS_SHARE"]).quantize(CENT, rounding=ROUND_HALF_UP)
        note = f"Kappa {kappa} > {settings.KAPPA['BONUS_ABOVE']}: bonus {settings.PAY['BONUS_SHARE']:.0%} of base."
    else:
        note = f"Kappa {kappa} is not above {settings.KAPPA['BONUS_ABOVE']}: no bonus."
    calibration = verifier_calibration_month(user=verifier, month=month)
    held, reason = False, ""
    if calibration is not None and not calibration["passed"]:
        held = True
        reason = (
            f"Calibration accuracy {calibration['accuracy']:.1%} ({calibration['correct']} of "
            f"{calibration['total']} gold items, {calibration['answered']} answered) is below "
            f"{settings.CALIBRATION['MIN_ACCURACY']:.0%}: this month's payout is 0 and held until an admin "
            "releases it."
        )
    return {
        "hours": hours,
        "sessions": sessions,
        "hourly_rate": contract.hourly_rate,
        "currency": contract.currency,
        "base": base,
        "bonus": bonus,
        "bonus_note": note,
        "kappa": kappa,
        "calibration_accuracy": calibration["accuracy"].quantize(Decimal("0.0001")) if calibration else None,
        "amount": Decimal("0.00") if held else base + bonus,
        "held": held,
        "hold_reason": reason,
    }


def pay_run_execute(*, month: date, actor: User | None = None, now: datetime | None = None) -> tuple[PayRun, bool]:
    """CA-6: the monthly pay run. Only for a closed month; idempotent: a second run returns the first
    one unchanged (the unique month and the unique verifier-month payout make sure of it)."""
    now = now or timezone.now()
    month = month_start(month)
    if not month_is_closed(month, now=now):
        raise Refused(
            "month_not_closed",
            _("%(month)s has not ended yet; run its pay after it closes.") % {"month": format(month, "%B %Y")},
            409,
        )
    existing = PayRun.objects.filter(month=month).first()
    if existing:
        return existing, False
    quality_month_close(month=month, now=now)  # kappa and audit docks are final before anyone is paid
    try:
        with transaction.atomic():
            run = PayRun.objects.create(month=month, run_by=actor, run_at=now)
            verifiers = list(
                User.objects.filter(role=User.Role.VERIFIER, contracts__isnull=False).distinct().order_by("username")
            )
            hours = verifiers_hours(user_ids=[v.pk for v in verifiers], month=month)
            for verifier in verifiers:
                contract = contract_for_month(verifier=verifier, month=month)
                if contract is None:
                    continue
                values = payout_compute(verifier=verifier, month=month, contract=contract, hours=hours[verifier.pk])
                payout = Payout.objects.create(pay_run=run, verifier=verifier, month=month, **values)
                audit_record(
                    actor=actor,
                    action="payout_compute",
                    obj=payout,
                    after={
                        "verifier": verifier.username,
                        "month": month.isoformat(),
                        **{k: str(v) for k, v in values.items()},
                    },
                )
            audit_record(
                actor=actor,
                action="pay_run_execute",
                obj=run,
                after={"month": month.isoformat(), "payouts": run.payouts.count()},
            )
    except IntegrityError:  # a concurrent run won; it is the run
        return PayRun.objects.get(month=month), False
    log.info(
        "pay run: %s, %d payouts, run by %s",
        month.isoformat(),
        run.payouts.count(),
        actor.username if actor else "system",
    )
    return run, True


def payout_release(*, actor: User, payout: Payout, reason: str, now: datetime | None = None) -> Payout:
    """CA-1: only an admin releases a held payout, with a recorded reason; it then pays what was earned."""
    now = now or timezone.now()
    if actor.role != User.Role.ADMIN:
        raise Refused("forbidden", _("Only an admin can release a held payout."), 403)
    reason = (reason or "").strip()
    if not reason:
        raise Refused("invalid", _("reason: say why the held payout is released."), 400, field="reason")
    with transaction.atomic():
        payout = Payout.objects.select_for_update().get(pk=payout.pk)
        if not payout.held:
            raise Refused("not_held", _("This payout is not held."), 409)
        before = {"amount": str(payout.amount), "held": True, "hold_reason": payout.hold_reason}
        payout.held, payout.amount = False, payout.earned
        payout.released_at, payout.released_by, payout.release_reason = now, actor, reason
        payout.save(update_fields=["held", "amount", "released_at", "released_by", "release_reason"])
        audit_record(
            actor=actor,
            action="payout_release",
            obj=payout,
            before=before,
            after={"amount": str(payout.amount), "held": False, "reason": reason},
        )
    return payout


PAYROLL_COLUMNS = [
    "month",
    "username",
    "currency",
    "hours",
    "hourly_rate",
    "base",
    "bonus",
    "amount",
    "held",
    "hold_reason",
    "released_at",
    "release_reason",
    "kappa",
    "calibration_accuracy",
]


def _cell(text: str) -> str:
    """Text cells that a spreadsheet would run as a formula are quoted with a leading apostrophe."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def payroll_csv(*, run: PayRun) -> str:
    """CA-6: the payroll file: one row per payout, amounts as plain decimals."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(PAYROLL_COLUMNS)
    for p in run.payouts.select_related("verifier").order_by("verifier__username"):
        writer.writerow(
            [
                run.month.strftime("%Y-%m"),
                _cell(p.verifier.username),
                p.currency,
                p.hours,
                p.hourly_rate,
                p.base,
                p.bonus,
                p.amount,
                "yes" if p.held else "no",
                _cell(p.hold_reason),
                p.released_at.isoformat() if p.released_at else "",
                _cell(p.release_reason),
                "" if p.kappa is None else p.kappa,
                "" if p.calibration_accuracy is None else p.calibration_accuracy,
            ]
        )
    return out.getvalue()
