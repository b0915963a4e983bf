"""VQ-1..VQ-5, SH-1, SH-4: the queue. Cases in, seats leased with SKIP LOCKED, nothing lost."""

import functools
import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from core.audit import audit_record
from core.models import User
from core.sql import model_from_row, sql_hot_path, sql_run
from shards.bulk import rows_insert
from shards.models import PoolMembership, Shard
from shards.selectors import POOL_WORKING_SQL
from shards.services.pools import ShardState, shard_state
from verifier import extensions, live
from verifier.models import Assignment, Case, CaseTask, Skip
from verifier.selectors import (  # noqa: F401 (callers import them here)
    taboo_assignments_counted,
    taboo_daily_cap,
    verifier_day_start,
    verifier_taboo_count_today,
)

log = logging.getLogger(__name__)

LIVE = (CaseTask.Status.OPEN, CaseTask.Status.LEASED)


class DailyCapReached(Exception):
    """VQ-3: the verifier has seen their 20 taboo cases today and only taboo work is left."""


@dataclass
class Lease:
    task: CaseTask
    case: Case

    @property
    def expires_at(self) -> datetime:
        return self.task.lease_expires_at


@dataclass
class NewCase:
    shard: Shard
    kind: str
    locale: str
    post_id: str
    post_text: str
    at: datetime
    ocr_text: str = ""
    hashtags: list | None = None
    proposal: str = ""
    sub_locale: str = ""
    native_only: bool = False
    risk_tags: list | None = None
    hard_block_locale: str = ""


# ---- putting cases in -------------------------------------------------------------------


def case_sampled_for_overlap(case: Case) -> bool:
    """VQ-5: a stable draw from the case id, so a replay samples the same cases."""
    digest = hashlib.sha256(case.public_id.bytes).digest()
    return int.from_bytes(digest[:4], "big") / 2**32 < settings.VERIFIER["OVERLAP_RATE"]


def cases_create(*, new_cases: list[NewCase]) -> list[Case]:
    """Create cases and their seats in bulk. SH-1: a taboo case in a shard below its minimum
    pool is paused unless it hits a clear (blocking) regex rule of its locale."""
    states: dict[int, str] = {}
    cases, tasks = [], []
    sla = timedelta(hours=settings.VERIFIER["SLA_HOURS"])
    for new in new_cases:
        if new.shard.pk not in states:
            states[new.shard.pk] = shard_state(shard=new.shard)
        paused = (
            new.kind == Case.Kind.TABOO
            and states[new.shard.pk] != ShardState.OPEN
            and not extensions.rules_matching_text(text=f"{new.post_text}\n{new.ocr_text}", locale=new.locale)
        )
        cases.append(
            Case(
                shard=new.shard,
                kind=new.kind,
                locale=new.locale,
                sub_locale=new.sub_locale,
                post_id=new.post_id,
                post_text=new.post_text,
                ocr_text=new.ocr_text,
                hashtags=new.hashtags or [],
                proposal=new.proposal,
                native_only=new.native_only,
                risk_tags=new.risk_tags or [],
                hard_block_locale=new.hard_block_locale,
                status=Case.Status.PAUSED if paused else Case.Status.QUEUED,
                at=new.at,
                due_at=new.at + sla,
            )
        )
    for case in cases:
        case.required_rulings = 2 if case_sampled_for_overlap(case) else 1
    rows_insert(Case, cases)  # COPY on PostgreSQL: the intake firehose creates 10k at once
    for case in cases:
        for slot in range(case.required_rulings):
            tasks.append(
                CaseTask(
                    case=case,
                    slot=slot,
                    shard=case.shard,
                    kind=case.kind,
                    native_only=case.native_only,
                    sub_locale=case.sub_locale,
                    status=CaseTask.Status.PAUSED if case.status == Case.Status.PAUSED else CaseTask.Status.OPEN,
                )
            )
    rows_insert(CaseTask, tasks)
    live.queue_changed({c.shard_id for c in cases})
    return cases


def shard_resume_paused(*, shard: Shard) -> int:
    """SH-1: the pool is back to its minimum; paused taboo cases return to the queue."""
    with transaction.atomic():
        n = CaseTask.objects.filter(shard=shard, status=CaseTask.Status.PAUSED).update(status=CaseTask.Status.OPEN)
        Case.objects.filter(shard=shard, status=Case.Status.PAUSED).update(status=Case.Status.QUEUED)
    live.queue_changed({shard.pk})
    return n


# ---- the verifier's day and eligibility ---------------------------------------------------


def verifier_shards(*, user: User) -> tuple[list[int], list[int]]:
    """(shards the user works in, shards where they may also see native-only cases)."""
    rows = PoolMembership.objects.filter(user=user, active=True, under_contract=True).values_list("shard_id", "native")
    return [s for s, _ in rows], [s for s, native in rows if native]


def _prefer_own_sublocale(*, user: User, shard_ids: list[int]) -> bool:
    """SH-4: true while the verifier's recent share of own-sub-locale cases is under the ratio."""
    window = settings.SHARDS["SUBLOCALE_WINDOW"]
    recent = list(
        Assignment.objects.filter(user=user).order_by("-leased_at").values_list("own_sublocale", flat=True)[:window]
    )
    ratios = [
        r for r in Shard.objects.filter(pk__in=shard_ids).values_list("own_sublocale_ratio", flat=True) if r is not None
    ]
    ratio = min(ratios) if ratios else settings.SHARDS["OWN_SUBLOCALE_RATIO"]
    if not recent:
        return True
    return sum(recent) / len(recent) < ratio


def _candidates(*, user: User, now: datetime, any_shards: list[int], native_shards: list[int]):
    live_seat = Q(status=CaseTask.Status.OPEN) | Q(status=CaseTask.Status.LEASED, lease_expires_at__lte=now)
    eligible = Q(shard_id__in=native_shards) | Q(shard_id__in=any_shards, native_only=False)
    mine_elsewhere = (
        CaseTask.objects.filter(case_id=OuterRef("case_id"), holder=user)
        .exclude(pk=OuterRef("pk"))
        .filter(Q(status=CaseTask.Status.DONE) | Q(status=CaseTask.Status.LEASED, lease_expires_at__gt=now))
    )
    skipped = Skip.objects.filter(user=user, case_id=OuterRef("case_id"))
    # status__in repeats what live_seat implies so PostgreSQL can use the partial index on live seats.
    return CaseTask.objects.filter(live_seat, eligible, status__in=LIVE).filter(
        ~Exists(mine_elsewhere), ~Exists(skipped)
    )


# ---- taking a case ---------------------------------------------------------------------


@functools.cache
def _next_pg_sql() -> str:
    """Issue 14, PostgreSQL: `case_next` for a verifier who works one shard and has no sub-locale, in one
    prepared statement (core.sql): their working shards (the shards app's text), the lease they already
    hold, else the pick (what `_candidates` and the VQ-3 cap subquery of `_lease_new` select, with FOR
    UPDATE SKIP LOCKED, walking `task_live` in id order within the one shard), the lease, the expiry of the
    seat's old assignment and the new Assignment. The first column says which it answered: 'held',
    'leased', 'none' (nothing to lease) or 'other' (not one shard: the caller takes the ORM path)."""
    task_t, case_t, assign_t = CaseTask._meta.db_table, Case._meta.db_table, Assignment._meta.db_table
    skip_t, shard_t = Skip._meta.db_table, Shard._meta.db_table
    task_cols = ", ".join(f'x."{f.column}"' for f in CaseTask._meta.concrete_fields)
    case_cols = ", ".join(_columns(Case, "c"))
    S, O = CaseTask.Status, Assignment.Outcome
    taboo = Case.Kind.TABOO
    return f"""
        WITH m AS ({POOL_WORKING_SQL}),
        one AS (SELECT min(m.shard_id) AS shard_id, bool_or(m.native) AS native, count(*) AS n FROM m),
        held AS (
            SELECT t.id FROM "{task_t}" t
            WHERE t.holder_id = %(user)s AND t.status = '{S.LEASED}' AND t.lease_expires_at > %(now)s
            ORDER BY t.lease_expires_at, t.id LIMIT 1
        ),
        picked AS (
            SELECT t.id, t.status FROM "{task_t}" t
            WHERE NOT EXISTS (SELECT 1 FROM held) AND (SELECT n FROM one) = 1
              -- "= ANY" and "ORDER BY shard, id": only `task_live` gives that order without a sort, so the
              -- plan never walks the primary key past ruled seats, whatever the statistics say
              AND t.shard_id = ANY(ARRAY[(SELECT shard_id FROM one)])
              AND ((SELECT native FROM one) OR NOT t.native_only)
              AND t.status IN ('{S.OPEN}', '{S.LEASED}')
              AND (t.status = '{S.OPEN}' OR t.lease_expires_at <= %(now)s)
              AND (
                  SELECT count(*) FROM "{task_t}" u
                  WHERE u.case_id = t.case_id AND u.holder_id IS NOT DISTINCT FROM %(user)s AND u.id <> t.id
                    AND (u.status = '{S.DONE}' OR (u.status = '{S.LEASED}' AND u.lease_expires_at > %(now)s))
              ) = 0
              AND NOT EXISTS (SELECT 1 FROM "{skip_t}" k WHERE k.case_id = t.case_id AND k.user_id = %(user)s)
              AND (t.kind <> '{taboo}' OR (
                  SELECT count(DISTINCT a.case_id) FROM "{assign_t}" a
                  WHERE a.user_id = %(user)s AND a.kind = '{taboo}' AND a.leased_at >= %(day_start)s
                    AND a.outcome IN ('{O.RULED}', '{O.SKIPPED}', '{O.EXPIRED}', '{O.ACTIVE}')
              ) < %(cap)s)
            ORDER BY t.shard_id, t.id LIMIT 1
            FOR UPDATE OF t SKIP LOCKED
        ),
        leased AS (
            UPDATE "{task_t}" x SET status = '{S.LEASED}', holder_id = %(user)s, lease_expires_at = %(expires)s
            FROM picked WHERE x.id = picked.id
            RETURNING {task_cols}, picked.status AS old_status
        ),
        expired AS (
            UPDATE "{assign_t}" a SET outcome = '{O.EXPIRED}' FROM leased
            WHERE a.task_id = leased.id AND leased.old_status = '{S.LEASED}' AND a.outcome = '{O.ACTIVE}'
            RETURNING a.id
        ),
        assigned AS (
            INSERT INTO "{assign_t}" (task_id, case_id, user_id, kind, own_sublocale, leased_at, expires_at, outcome)
            SELECT leased.id, leased.case_id, %(user)s, leased.kind, false, %(now)s, %(expires)s, '{O.ACTIVE}'
            FROM leased
            RETURNING id
        ),
        answer AS (
            SELECT 'leased' AS what, {task_cols}, x.old_status, {case_cols}, s.code
            FROM leased x JOIN "{case_t}" c ON c.id = x.case_id JOIN "{shard_t}" s ON s.id = c.shard_id
            UNION ALL
            SELECT 'held', {task_cols}, x.status, {case_cols}, s.code
            FROM held h JOIN "{task_t}" x ON x.id = h.id JOIN "{case_t}" c ON c.id = x.case_id
            JOIN "{shard_t}" s ON s.id = c.shard_id
        )
        SELECT * FROM answer
        UNION ALL
        SELECT CASE WHEN (SELECT n FROM one) = 1 THEN 'none' ELSE 'other' END, {", ".join(["NULL"] * (len(CaseTask._meta.concrete_fields) + len(Case._meta.concrete_fields) + 2))}
        WHERE NOT EXISTS (SELECT 1 FROM answer) AND (SELECT count(*) FROM assigned) = 0
    """


def _next_pg(*, user: User, now: datetime) -> Lease | None | str:
    """`_next_pg_sql` run: the Lease (held or new), None (nothing to lease), or "other" (take the ORM path)."""
    expires = now + timedelta(seconds=settings.VERIFIER["LEASE_SECONDS"])
    params = {
        "user": user.pk,
        "now": now,
        "expires": expires,
        "day_start": verifier_day_start(user=user, now=now),
        "cap": taboo_daily_cap(),
    }
    rows = sql_run(_next_pg_sql(), params)
    what = rows[0][0]
    if what == "other":
        return "other"
    if what == "none":
        return None
    lease = _lease_from_row(rows[0][1:], user=user, expires=expires, leased=what == "leased")
    case = lease.case
    if what == "leased":
        if case.is_taboo:  # only taboo work moves the cap counter (VQ-3), as in `_lease_new`
            cap = taboo_daily_cap()
            if verifier_taboo_count_today(user=user, now=now) >= cap:
                transaction.on_commit(lambda s=case.shard: shards_defer_overflow(shards=[s], now=now))
            live.cap_changed(user, taboo_today=verifier_taboo_count_today)
    return lease


def _lease_from_row(row, *, user: User, expires: datetime, leased: bool = True) -> Lease:
    """The Lease of a leasing statement's row: the seat's columns, its old status, the case's columns, the
    shard's code (`_next_pg_sql`, `_lease_first_pg`); logged when the statement leased it (not a held one)."""
    n, m = len(CaseTask._meta.concrete_fields), len(Case._meta.concrete_fields)
    task, old_status = model_from_row(CaseTask, row[:n]), row[n]
    case = model_from_row(Case, row[n + 1 : n + 1 + m])
    shard = Shard.from_db(connection.alias, ["id", "code"], [case.shard_id, row[n + 1 + m]])
    Case.shard.field.set_cached_value(case, shard)
    CaseTask.case.field.set_cached_value(task, case)
    if leased:
        _lease_log(task=task, user=user, expires=expires, returned=old_status == CaseTask.Status.LEASED)
    return Lease(task=task, case=case)


def _lease_log(*, task: CaseTask, user: User, expires: datetime, returned: bool) -> None:
    log.info(
        "lease: task %s of case %s to %s until %s%s",
        task.pk,
        task.case.public_id,
        user.username,
        expires.isoformat(),
        " (an expired lease returned)" if returned else "",
    )


def case_next(*, user: User, now: datetime | None = None) -> Lease | None:
    """VQ-1: lease one seat nobody else holds. Returns the verifier's live lease if they hold one (the
    earliest, when the page prefetched a second), None when there is nothing to do, and raises
    DailyCapReached when only taboo work is left.

    On PostgreSQL, for a verifier of one shard without a sub-locale, it is one prepared statement
    (`_next_pg_sql`: their shards, the held lease, else the SKIP LOCKED pick with the VQ-3 cap as a
    subquery, the lease and its Assignment row). Everyone else, and an empty answer, take the ORM path:
    the held lease, then `_lease_new` (the pick, and why nothing was picked)."""
    now = now or timezone.now()
    if sql_hot_path() and not user.sub_locale:
        lease = _next_pg(user=user, now=now)
        if lease is not None and lease != "other":
            return lease  # else: nothing to lease here, or not one shard; the ORM path answers (and the cap)
    held = _held(user=user, now=now).first()
    if held:
        return Lease(task=held, case=held.case)
    return _lease_new(user=user, now=now)


def case_next_prefetch(*, user: User, now: datetime | None = None) -> Lease | None:
    """Issue 14: the case after the one the verifier is reading, leased now so the page can show it the
    moment they rule (settings.VERIFIER["PREFETCH"] seats beyond the current one, at most). None when
    nothing else waits or only capped taboo work does. The prefetched seat is a lease like any other: it
    expires and returns to the queue the same way, and an undo (VQ-10) hands it back; a taboo one counts
    toward the cap once it is shown (the earliest held lease), not while it waits behind the shown one."""
    now = now or timezone.now()
    held = list(_held(user=user, now=now)[: 1 + settings.VERIFIER["PREFETCH"]])
    if not held:
        return None
    if held[0].case.is_taboo:  # the shown case counts toward the cap from now on (it may have been prefetched)
        live.cap_changed(user, taboo_today=verifier_taboo_count_today)
    if len(held) > 1:
        return Lease(task=held[-1], case=held[-1].case)
    try:
        return _lease_new(user=user, now=now)
    except DailyCapReached:
        return None


def _held(*, user: User, now: datetime):
    return (
        CaseTask.objects.select_related("case", "case__shard")
        .filter(holder=user, status=CaseTask.Status.LEASED, lease_expires_at__gt=now)
        .order_by("lease_expires_at", "id")
    )


def _lease_new(*, user: User, now: datetime) -> Lease | None:
    any_shards, native_shards = verifier_shards(user=user)
    if not any_shards:
        return None
    cap = taboo_daily_cap()
    base = _candidates(user=user, now=now, any_shards=any_shards, native_shards=native_shards)
    under_cap = base.alias(taboo_today=Coalesce(Subquery(_taboo_today_subquery(user=user, now=now)), 0)).filter(
        ~Q(kind=Case.Kind.TABOO) | Q(taboo_today__lt=cap)
    )
    querysets = [under_cap]
    if user.sub_locale:
        own = Q(sub_locale=user.sub_locale)
        preferred = (
            under_cap.filter(own) if _prefer_own_sublocale(user=user, shard_ids=any_shards) else under_cap.exclude(own)
        )
        querysets = [preferred, under_cap]
    for qs in querysets:
        lease = _lease_first(qs=qs, user=user, now=now)
        if lease:
            if lease.case.is_taboo:  # only taboo work moves the cap counter (VQ-3)
                if verifier_taboo_count_today(user=user, now=now) >= cap:
                    transaction.on_commit(lambda s=lease.case.shard: shards_defer_overflow(shards=[s], now=now))
                live.cap_changed(user, taboo_today=verifier_taboo_count_today)
            return lease
    # Nothing under the cap: is it because the verifier is capped and taboo work waits? (VQ-3)
    if verifier_taboo_count_today(user=user, now=now) >= cap and base.filter(kind=Case.Kind.TABOO).exists():
        shards_defer_overflow(shards=list(Shard.objects.filter(pk__in=native_shards)), now=now)
        raise DailyCapReached
    return None


def _taboo_today_subquery(*, user: User, now: datetime):
    """VQ-3 as SQL: the verifier's distinct taboo cases since their local midnight, every live lease
    included (a prefetch as well as the case shown), for the pick to compare with the cap."""
    return (
        taboo_assignments_counted(user=user, now=now, held=True)
        .values("user")
        .annotate(n=Count("case_id", distinct=True))
        .values("n")
    )


def _lease_first(*, qs, user: User, now: datetime) -> Lease | None:
    if connection.vendor == "postgresql":
        return _lease_first_pg(qs=qs, user=user, now=now)
    expires = now + timedelta(seconds=settings.VERIFIER["LEASE_SECONDS"])
    for _ in range(5):  # a compare-and-set miss (SQLite has no row locks) tries the next row
        with transaction.atomic():
            # The pick brings its case along; only the seat is locked (of="self").
            task = (
                qs.select_related("case", "case__shard")
                .order_by("id")
                .select_for_update(skip_locked=True, of=("self",))
                .first()
            )
            if task is None:
                return None
            took = CaseTask.objects.filter(
                pk=task.pk, status=task.status, holder_id=task.holder_id, lease_expires_at=task.lease_expires_at
            ).update(status=CaseTask.Status.LEASED, holder=user, lease_expires_at=expires)
            if not took:
                continue
            returned = task.status == CaseTask.Status.LEASED
            if returned:  # an expired lease returns to the queue (VQ-1)
                Assignment.objects.filter(task=task, outcome=Assignment.Outcome.ACTIVE).update(
                    outcome=Assignment.Outcome.EXPIRED
                )
            task.status, task.holder, task.lease_expires_at = CaseTask.Status.LEASED, user, expires
            Assignment.objects.create(
                task=task,
                case_id=task.case_id,
                user=user,
                kind=task.kind,
                own_sublocale=bool(user.sub_locale) and task.sub_locale == user.sub_locale,
                leased_at=now,
                expires_at=expires,
            )
            _lease_log(task=task, user=user, expires=expires, returned=returned)
            return Lease(task=task, case=task.case)
    return None


def _columns(model, alias: str) -> list[str]:
    return [f'{alias}."{f.column}"' for f in model._meta.concrete_fields]


def _lease_first_pg(*, qs, user: User, now: datetime) -> Lease | None:
    """PostgreSQL: the pick (the same queryset as everywhere, compiled by the ORM, plus FOR UPDATE SKIP
    LOCKED), the lease, the expiry of the seat's old assignment and the new Assignment in one statement
    (data-modifying CTEs, atomic on its own, so no BEGIN / COMMIT round trips), returning the leased seat
    with its case and the shard's code."""
    expires = now + timedelta(seconds=settings.VERIFIER["LEASE_SECONDS"])
    task_t, case_t = CaseTask._meta.db_table, Case._meta.db_table
    assign_t, shard_t = Assignment._meta.db_table, Shard._meta.db_table
    pick_sql, pick_params = qs.order_by("id").values("id", "status")[:1].query.sql_with_params()
    task_fields = [f.column for f in CaseTask._meta.concrete_fields]
    sql = f"""
        WITH picked AS ({pick_sql} FOR UPDATE OF "{task_t}" SKIP LOCKED),
        leased AS (
            UPDATE "{task_t}" t SET status = %s, holder_id = %s, lease_expires_at = %s
            FROM picked WHERE t.id = picked.id
            RETURNING {", ".join(f't."{c}"' for c in task_fields)}, picked.status AS old_status
        ),
        expired AS (
            UPDATE "{assign_t}" a SET outcome = %s FROM leased
            WHERE a.task_id = leased.id AND leased.old_status = %s AND a.outcome = %s
            RETURNING a.id
        ),
        assigned AS (
            INSERT INTO "{assign_t}" (task_id, case_id, user_id, kind, own_sublocale, leased_at, expires_at, outcome)
            SELECT leased.id, leased.case_id, %s, leased.kind, (%s <> '' AND leased.sub_locale = %s), %s, %s, %s
            FROM leased
            RETURNING id
        )
        SELECT {", ".join(f'leased."{c}"' for c in task_fields)}, leased.old_status,
               {", ".join(_columns(Case, "c"))}, s.code, (SELECT count(*) FROM assigned)
        FROM leased JOIN "{case_t}" c ON c.id = leased.case_id JOIN "{shard_t}" s ON s.id = c.shard_id
    """
    params = [
        *pick_params,
        CaseTask.Status.LEASED,
        user.pk,
        expires,
        Assignment.Outcome.EXPIRED,
        CaseTask.Status.LEASED,
        Assignment.Outcome.ACTIVE,
        user.pk,
        user.sub_locale,
        user.sub_locale,
        now,
        expires,
        Assignment.Outcome.ACTIVE,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    return _lease_from_row(row, user=user, expires=expires)


def case_skip(*, user: User, case: Case, now: datetime | None = None) -> None:
    """Give a held seat back to the queue; this verifier will not be offered the case again."""
    now = now or timezone.now()
    with transaction.atomic():
        task = (
            CaseTask.objects.select_for_update().filter(case=case, holder=user, status=CaseTask.Status.LEASED).first()
        )
        if task is None:
            return
        CaseTask.objects.filter(pk=task.pk).update(status=CaseTask.Status.OPEN, holder=None, lease_expires_at=None)
        Assignment.objects.filter(task=task, user=user, outcome=Assignment.Outcome.ACTIVE).update(
            outcome=Assignment.Outcome.SKIPPED
        )
        Skip.objects.get_or_create(user=user, case=case)
        audit_record(actor=user, action="case_skip", obj=case)
    live.queue_changed({case.shard_id})


# ---- VQ-3 overflow ---------------------------------------------------------------------


def shard_all_capped(*, shard: Shard, now: datetime) -> bool:
    """True when every eligible (native, under contract) verifier of the shard is at the taboo cap."""
    cap = taboo_daily_cap()
    verifiers = User.objects.filter(
        role=User.Role.VERIFIER,
        memberships__shard=shard,
        memberships__native=True,
        memberships__active=True,
        memberships__under_contract=True,
    )
    return all(verifier_taboo_count_today(user=u, now=now) >= cap for u in verifiers) and verifiers.exists()


def shards_defer_overflow(*, shards: list[Shard], now: datetime | None = None) -> int:
    """VQ-3: when a shard's verifiers are all capped, waiting taboo cases that an active rule
    matches are hard-blocked by that rule and marked so. They stay queued for later human review."""
    now = now or timezone.now()
    blocked = 0
    for shard in shards:
        if not shard_all_capped(shard=shard, now=now):
            continue
        waiting = Case.objects.filter(
            shard=shard,
            kind=Case.Kind.TABOO,
            status__in=[Case.Status.QUEUED, Case.Status.PAUSED],
            blocked_by_rule__isnull=True,
        )
        for case in waiting.iterator():
            hits = extensions.rules_matching_text(text=f"{case.post_text}\n{case.ocr_text}", locale=case.locale)
            if not hits:
                continue
            with transaction.atomic():
                if Case.objects.filter(pk=case.pk, blocked_by_rule__isnull=True).update(
                    blocked_by_rule=hits[0], blocked_at=now
                ):
                    audit_record(
                        actor=None,
                        action="case_deferred_to_rule",
                        obj=case,
                        after={"rule_id": hits[0].pk, "reason": "every verifier of the shard is at the taboo cap"},
                    )
                    blocked += 1
    return blocked


# ---- issue 3: cases the crowd settled -----------------------------------------------------


def cases_close_by_crowd(*, case_ids: list[int], now: datetime) -> int:
    """IN-5 / IN-6: intake accepted the post without a human (auto-accept or the conflict resolver);
    its open case is decided "yes" and its seats leave the queue. Nobody's ruling is recorded."""
    if not case_ids:
        return 0
    with transaction.atomic():
        n = (
            Case.objects.filter(pk__in=case_ids)
            .exclude(status=Case.Status.DECIDED)
            .update(status=Case.Status.DECIDED, decision="yes", decided_at=now)
        )
        CaseTask.objects.filter(case_id__in=case_ids).exclude(status=CaseTask.Status.DONE).update(
            status=CaseTask.Status.DONE, holder=None, lease_expires_at=None
        )
    live.queue_changed(set(Case.objects.filter(pk__in=case_ids).values_list("shard_id", flat=True)))
    return n
