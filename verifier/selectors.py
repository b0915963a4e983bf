"""Reads for the verifier app: who may see what, queue depths, overdue cases."""

from datetime import datetime

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from core.models import User
from shards.models import PoolMembership, Shard
from shards.selectors import taboo_fence
from shards.services.pools import shard_native_pool_size, shard_state
from verifier.models import Assignment, Case, CaseTask, Ruling


def case_visible_to(*, user: User, case: Case) -> bool:
    """A verifier sees the cases they were handed; a senior the cases of their shards; admins all.
    Native-only cases (SH-3) never show to anyone outside their locale's native pool (the one rule:
    `shards.selectors.taboo_fence`)."""
    # Only a native-only case needs the user's native pools read (the fence lets any other case through).
    if case.native_only and not taboo_fence(user=user).allows_case(case):
        return False
    if user.role == User.Role.ADMIN:
        return True
    if user.role == User.Role.VERIFIER:
        return Assignment.objects.filter(user=user, case=case).exists()
    if user.role == User.Role.SENIOR:
        return PoolMembership.objects.filter(user=user, shard_id=case.shard_id, active=True).exists()
    return False


def case_get_visible(*, user: User, public_id) -> Case | None:
    case = Case.objects.filter(public_id=public_id).select_related("shard").first()
    if case is None or not case_visible_to(user=user, case=case):
        return None
    return case


def shard_depths(*, shard_ids=None) -> dict[int, dict]:
    """Per shard: seats waiting, seats held, paused seats, overdue cases."""
    now = timezone.now()
    tasks = CaseTask.objects.all()
    if shard_ids is not None:
        tasks = tasks.filter(shard_id__in=shard_ids)
    rows = (
        tasks.exclude(status=CaseTask.Status.DONE)
        .values("shard_id")
        .annotate(
            waiting=Count(
                "id",
                filter=Q(status=CaseTask.Status.OPEN) | Q(status=CaseTask.Status.LEASED, lease_expires_at__lte=now),
            ),
            held=Count("id", filter=Q(status=CaseTask.Status.LEASED, lease_expires_at__gt=now)),
            paused=Count("id", filter=Q(status=CaseTask.Status.PAUSED)),
        )
    )
    result = {
        r["shard_id"]: {"waiting": r["waiting"], "held": r["held"], "paused": r["paused"], "overdue": 0} for r in rows
    }
    overdue = Case.objects.filter(status__in=[Case.Status.QUEUED, Case.Status.PAUSED], due_at__lt=now)
    if shard_ids is not None:
        overdue = overdue.filter(shard_id__in=shard_ids)
    for r in overdue.values("shard_id").annotate(n=Count("id")):
        result.setdefault(r["shard_id"], {"waiting": 0, "held": 0, "paused": 0, "overdue": 0})["overdue"] = r["n"]
    return result


def shards_overview(*, user: User) -> list[dict]:
    shards = Shard.objects.order_by("code")
    if user.role == User.Role.SENIOR:
        shards = shards.filter(memberships__user=user, memberships__active=True)
    depths = shard_depths(shard_ids=[s.pk for s in shards])
    return [
        {
            "shard": s,
            "state": shard_state(shard=s),
            "native_pool": shard_native_pool_size(shard=s),
            **depths.get(s.pk, {"waiting": 0, "held": 0, "paused": 0, "overdue": 0}),
        }
        for s in shards
    ]


def cases_overdue(*, user: User, limit: int = 50):
    qs = Case.objects.filter(status__in=[Case.Status.QUEUED, Case.Status.PAUSED], due_at__lt=timezone.now())
    if user.role == User.Role.SENIOR:
        qs = qs.filter(shard__memberships__user=user, shard__memberships__active=True)
    qs = qs.filter(taboo_fence(user=user).cases_q())
    return qs.select_related("shard").order_by("due_at")[:limit]


# ---- the verifier's day (VQ-3) ------------------------------------------------------------


def taboo_daily_cap() -> int:
    """VQ-3: taboo cases a verifier may see in their own day (the one place the setting is read)."""
    return settings.VERIFIER["TABOO_DAILY_CAP"]


def verifier_day_start(*, user: User, now: datetime) -> datetime:
    """Local midnight of the verifier's own day (VQ-3 "per day" means their time zone)."""
    local = now.astimezone(user.tz)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def taboo_assignments_counted(*, user: User, now: datetime, held: bool = False):
    """VQ-3, issue 14: the verifier's taboo assignments since their local midnight that count toward the
    cap: the ones they ruled, skipped or let expire, and the one they are looking at (their earliest live
    lease). A case the page prefetched behind it is not counted until it is shown, nor one an undo handed
    back (`returned`), so the counter does not run a case ahead. `held=True` counts every live lease
    (the pick's cap test: no taboo seat is leased, even as a prefetch, once those reach the cap)."""
    counted = Q(outcome__in=[Assignment.Outcome.RULED, Assignment.Outcome.SKIPPED, Assignment.Outcome.EXPIRED])
    if held:
        counted |= Q(outcome=Assignment.Outcome.ACTIVE)
    else:
        shown_before = Assignment.objects.filter(
            user=user, outcome=Assignment.Outcome.ACTIVE, expires_at__gt=now
        ).filter(Q(expires_at__lt=OuterRef("expires_at")) | Q(expires_at=OuterRef("expires_at"), id__lt=OuterRef("id")))
        counted |= Q(outcome=Assignment.Outcome.ACTIVE) & ~Exists(shown_before)
    return Assignment.objects.filter(
        user=user, kind=Case.Kind.TABOO, leased_at__gte=verifier_day_start(user=user, now=now)
    ).filter(counted)


def verifier_taboo_count_today(*, user: User, now: datetime | None = None) -> int:
    now = now or timezone.now()
    return taboo_assignments_counted(user=user, now=now).values("case_id").distinct().count()


def case_counts_by_locale(*, since: datetime) -> dict[str, int]:
    """SH-2: cases opened per locale after `since`."""
    return dict(
        Case.objects.filter(at__gt=since).values_list("locale").annotate(n=Count("id")).values_list("locale", "n")
    )


def verifier_taboo_streak(*, user: User, limit: int) -> int:
    """VQ-11: how many of the verifier's latest rulings in a row were on taboo cases (at most `limit`)."""
    kinds = Ruling.objects.filter(verifier=user).order_by("-at", "-id").values_list("case__kind", flat=True)[:limit]
    streak = 0
    for kind in kinds:
        if kind != Case.Kind.TABOO:
            break
        streak += 1
    return streak
