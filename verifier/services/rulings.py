"""VQ-1, VQ-6, VQ-10: recording a ruling, and taking it back. Only the lease holder, only once, only
before the lease ends; an undo only within its window and only while nothing has consumed the ruling."""

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit_record, audit_record_part
from core.errors import Refused
from core.models import User
from core.sql import SqlPart, SqlSent, model_from_row, sql_hot_path, sql_pipeline, sql_run, sql_send_parts
from shards.selectors import correction_backers, correction_backers_part
from shards.services.ledgers import (
    ledger_intake_24h_part,
    ledger_record_ruling,
    ledger_ruling_parts,
    ledger_ruling_weight,
    ledger_unrecord_ruling,
)
from training.services.samples import (
    sample_batched,
    sample_record_accepted,
    sample_record_accepted_part,
    sample_take_back,
)
from verifier import extensions, live
from verifier.models import Appeal, Assignment, Case, CaseTask, Ruling
from verifier.selectors import case_visible_to

log = logging.getLogger(__name__)


def case_accepts_delta(*, case: Case, answer: str) -> bool:
    """A correction is accepted by "yes"; a taboo screen asks "offensive?", so "no" lets it through."""
    return answer == ("no" if case.is_taboo else "yes")


def _lease_expired() -> Refused:
    minutes = settings.VERIFIER["LEASE_SECONDS"] // 60
    return Refused(
        "lease_expired",
        _(
            "Your %(minutes)d-minute hold on this case ended, so it went back to the queue. "
            "Nothing was recorded; take the next case."
        )
        % {"minutes": minutes},
        409,
    )


def _already_ruled() -> Refused:
    return Refused("already_ruled", _("You have already ruled on this case."), 409)


def _check_input(*, answer: str, idempotency_key: str) -> None:
    if answer not in (Ruling.Answer.YES, Ruling.Answer.NO):
        raise Refused("invalid", _('answer must be "yes" or "no".'), 400, field="answer")
    if len(idempotency_key) > Ruling._meta.get_field("idempotency_key").max_length:
        raise Refused("invalid", _("idempotency_key is longer than 64 characters."), 400, field="idempotency_key")


def ruling_record(
    *, user: User, case: Case, answer: str, now: datetime | None = None, idempotency_key: str = ""
) -> Ruling:
    """VQ-1: record `user`'s ruling on a case they hold. The caller has checked the user may see the
    case (`verifier.selectors.case_get_visible`); holding the lease is checked here, under lock.

    `idempotency_key` (issue 14): a client that sends the same key again for the same case (a double
    key press, a retry after a lost answer) gets the ruling it already made back, `ruling.replayed`
    set, instead of `already_ruled`. A different answer under the same key is still refused."""
    now = now or timezone.now()
    _check_input(answer=answer, idempotency_key=idempotency_key)
    try:
        with transaction.atomic():
            ruling = _ruling_record_locked(user=user, case=case, answer=answer, now=now, key=idempotency_key)
    except IntegrityError:
        # A concurrent second ruling by the same person lost the race to the unique constraint.
        replay = _replay(user=user, case=case, answer=answer, key=idempotency_key)
        if replay is None:
            raise _already_ruled() from None
        return replay
    if not getattr(ruling, "replayed", False):
        live.queue_changed({case.shard_id})
    return ruling


def ruling_record_held(
    *, user: User, case_public_id, answer: str, now: datetime | None = None, idempotency_key: str = ""
) -> Ruling | None:
    """Issue 14, the hot path of the API: `ruling_record` on the case with this public id when `user`
    holds a live lease on it, found by the same locking statement that guards the ruling (so no
    separate visibility read: a held lease is the verifier's own assignment; a native-only case still
    passes `case_visible_to`, the taboo fence). Returns None, having written nothing, when the user
    holds no live lease on it (a replay, an expired lease, someone else's case, no such case): the
    caller then takes the full path (`case_get_visible`, `ruling_record`), which answers each of those."""
    now = now or timezone.now()
    _check_input(answer=answer, idempotency_key=idempotency_key)
    try:
        # PostgreSQL: BEGIN goes with the seat lock (core.sql's pipeline). The transaction opens outside the
        # pipeline: psycopg syncs a pipeline (an empty round trip) each time Django turns autocommit off or on
        # inside one, which cost more than the COMMIT's own round trip after it (issue 14)
        with transaction.atomic(), sql_pipeline():
            facts = None
            if sql_hot_path():
                task, facts = _seat_locked_pg(user=user, case_public_id=case_public_id, now=now)
            else:
                task = _seat_locked(user=user, case_filter={"case__public_id": case_public_id})
            if task is None or task.lease_expires_at <= now:
                return None
            if task.case.native_only and not case_visible_to(user=user, case=task.case):
                return None
            ruling, written = _ruling_apply(
                user=user, task=task, answer=answer, now=now, key=idempotency_key, facts=facts
            )
        written()  # committed: what the write statement answered
    except IntegrityError:
        return None  # a concurrent double press won; the full path replays or refuses it
    live.queue_changed({task.case.shard_id})
    return ruling


def _replay(*, user: User, case: Case, answer: str, key: str) -> Ruling | None:
    if not key:
        return None
    ruling = Ruling.objects.filter(case=case, verifier=user, idempotency_key=key, answer=answer).first()
    if ruling is not None:
        ruling.replayed = True
    return ruling


def _is_blind_flip(case: Case) -> bool:
    """CA-3: a blind-audit paraphrase is ruled like any case but never becomes a training sample.
    The quality app, above this one, answers it (verifier.extensions)."""
    return extensions.case_is_blind_flip(case=case)


def _ruling_write(*, case, task, user, answer, now, key, weight, first) -> tuple[Ruling, str]:
    """The ruling's own rows: the Ruling, the seat done, its assignment ruled, the case decided by its
    first ruling and closed once no seat is left. Returns the ruling and the case's new status."""
    ruling = Ruling.objects.create(
        case=case, task=task, verifier=user, answer=answer, at=now, idempotency_key=key, ledger_weight=weight
    )
    CaseTask.objects.filter(pk=task.pk).update(status=CaseTask.Status.DONE, lease_expires_at=None)
    Assignment.objects.filter(task=task, user=user, outcome=Assignment.Outcome.ACTIVE).update(
        outcome=Assignment.Outcome.RULED
    )
    changed = {"decision": answer, "decided_at": now} if first else {}
    # A one-seat case is decided by its one ruling; only an overlap case asks whether a seat is left.
    if (
        case.required_rulings == 1
        or not CaseTask.objects.filter(case=case).exclude(status=CaseTask.Status.DONE).exists()
    ):
        changed["status"] = Case.Status.DECIDED
    if changed:
        Case.objects.filter(pk=case.pk).update(**changed)
    return ruling, changed.get("status", case.status)


def _ruling_write_pg(
    *, case, task, user, answer, now, key, weight, first, parts: dict[str, SqlPart], before: dict
) -> tuple[Ruling, SqlSent]:
    """PostgreSQL: what `_ruling_write` does, the other apps' writes of the ruling (`parts`: the sample, the
    ledgers, each written by its owner) and the audit event (its `after` status the one this statement set),
    in one statement (data-modifying CTEs, core.sql), so the locale ledger's row, which every ruling of the
    locale updates, is locked only from this statement to COMMIT. It runs after the seat and case are
    locked, so its snapshot sees the other seat of an overlap case as committed; its own seat's update is
    not visible to it, hence `id <> seat` in the "seat left" test."""
    ruling = Ruling(
        case=case, task=task, verifier=user, answer=answer, at=now, idempotency_key=key, ledger_weight=weight
    )
    ruling_t, task_t = Ruling._meta.db_table, CaseTask._meta.db_table
    assign_t, case_t = Assignment._meta.db_table, Case._meta.db_table
    S = CaseTask.Status
    own = {
        "r": SqlPart(
            f"""INSERT INTO "{ruling_t}" (public_id, case_id, task_id, verifier_id, answer, at, idempotency_key,
            ledger_weight) VALUES (%s, %s, %s, %s, %s, %s, %s, %s) RETURNING id""",
            (ruling.public_id, case.pk, task.pk, user.pk, answer, now, key, weight),
        ),
        "t": SqlPart(
            f"""UPDATE "{task_t}" SET status = '{S.DONE}', lease_expires_at = NULL WHERE id = %s""", (task.pk,)
        ),
        "a": SqlPart(
            f"""UPDATE "{assign_t}" SET outcome = '{Assignment.Outcome.RULED}'
            WHERE task_id = %s AND user_id = %s AND outcome = '{Assignment.Outcome.ACTIVE}'""",
            (task.pk, user.pk),
        ),
        "c": SqlPart(
            f"""UPDATE "{case_t}" SET
                decision = CASE WHEN %s THEN %s ELSE decision END,
                decided_at = CASE WHEN %s THEN %s ELSE decided_at END,
                status = CASE WHEN %s OR NOT EXISTS (
                    SELECT 1 FROM "{task_t}" o WHERE o.case_id = %s AND o.id <> %s AND o.status <> '{S.DONE}'
                ) THEN '{Case.Status.DECIDED}' ELSE status END
            WHERE id = %s RETURNING status""",
            (first, answer, first, now, case.required_rulings == 1, case.pk, task.pk, case.pk),
        ),
    }
    after = {"decision": answer if first else case.decision, "answer": answer, "ruling_id": str(ruling.public_id)}
    audit = audit_record_part(
        actor=user,
        action="ruling_record",
        obj=case,
        before=before,
        after=after,
        after_merge_sql="jsonb_build_object('status', (SELECT status FROM c))",
    )
    final = SqlPart("SELECT (SELECT id FROM r), (SELECT status FROM c)")
    return ruling, sql_send_parts({**own, **parts, "audit": audit}, final)  # its answer: (ruling id, status)


@dataclass(frozen=True)
class _CaseFacts:
    """What a ruling reads of the other apps about its case; on PostgreSQL read with the seat lock."""

    intake_24h: int  # IN-7: the language's trailing 24 h of corrections (shards)
    backers: set[str]  # IN-7, IN-11: who backed the case (shards)
    blind_flip: bool  # CA-3: a blind-audit paraphrase (quality)


@functools.cache
def _seat_pg_sql(facts_sql: str) -> str:
    task_t, case_t = CaseTask._meta.db_table, Case._meta.db_table
    cols = [f'x."{f.column}"' for f in CaseTask._meta.concrete_fields]
    cols += [f'c."{f.column}"' for f in Case._meta.concrete_fields]
    return f"""
        SELECT {", ".join(cols)}, {facts_sql}
        FROM "{task_t}" x JOIN "{case_t}" c ON c.id = x.case_id
        WHERE c.public_id = %s AND x.holder_id = %s AND x.status = '{CaseTask.Status.LEASED}'
        ORDER BY x.id LIMIT 1 FOR UPDATE OF x, c"""


def _seat_locked_pg(*, user: User, case_public_id, now: datetime) -> tuple[CaseTask | None, _CaseFacts | None]:
    """PostgreSQL, the hot path: `_seat_locked` by the case's public id, with the case's facts (each app's
    subquery, written by that app), as one prepared statement (core.sql); inside the ruling's pipeline its
    BEGIN travels with it. The facts are static for a case (its backers, whether it is a flip) or a
    trailing day's count, so the statement's snapshot serves them."""
    intake = ledger_intake_24h_part(locale_sql='c."locale"', at=now)
    backers = correction_backers_part(case_sql='c."id"')
    flip = extensions.case_is_blind_flip_part(case_sql='c."id"')
    params = [*intake.params, *backers.params, *flip.params, case_public_id, user.pk]
    rows = sql_run(_seat_pg_sql(f"({intake.sql}), {backers.sql}, {flip.sql}"), params)
    if not rows:
        return None, None
    n, m = len(CaseTask._meta.concrete_fields), len(Case._meta.concrete_fields)
    row = rows[0]
    task, case = model_from_row(CaseTask, row[:n]), model_from_row(Case, row[n : n + m])
    CaseTask.case.field.set_cached_value(task, case)
    intake_24h, backer_ids, blind_flip = row[n + m :]
    return task, _CaseFacts(intake_24h=intake_24h, backers=set(backer_ids), blind_flip=blind_flip)


def _seat_locked(*, user: User, case_filter: dict) -> CaseTask | None:
    # One statement locks the seat the user holds and its case: the case lock serialises the two
    # rulings of an overlap case (VQ-5) and a crowd close, so "first" and "all seats done" below
    # read committed state.
    return (
        CaseTask.objects.select_for_update(of=("self", "case"))
        .select_related("case")
        .filter(**case_filter, holder=user, status=CaseTask.Status.LEASED)
        .order_by("id")
        .first()
    )


def _ruling_record_locked(*, user: User, case: Case, answer: str, now: datetime, key: str) -> Ruling:
    task = _seat_locked(user=user, case_filter={"case_id": case.pk})
    if task is None or task.lease_expires_at <= now:
        # The refusal path: someone who ruled already, a replay, or a lease that ended.
        if Ruling.objects.filter(case=case, verifier=user).exists():
            replay = _replay(user=user, case=case, answer=answer, key=key)
            if replay is None:
                raise _already_ruled()
            return replay
        raise _lease_expired()
    ruling, written = _ruling_apply(user=user, task=task, answer=answer, now=now, key=key)
    written()
    return ruling


def _ruling_apply(
    *, user: User, task: CaseTask, answer: str, now: datetime, key: str, facts: _CaseFacts | None = None
) -> tuple[Ruling, Callable[[], None]]:
    """The ruling on a seat `user` holds, locked with its case: its rows, the sample, the ledgers, the audit.
    `facts`: what the seat lock read of the other apps (PostgreSQL's hot path); read here when None.
    Returns the ruling and `written`, to call once the write's answer is in (on PostgreSQL inside
    `core.sql.sql_pipeline`, after COMMIT): it sets the ruling's id and the case's new status."""
    case = task.case
    first = not case.decision  # the first ruling decides; an overlap seat only measures agreement (VQ-5)
    # IN-7: the weight the ruling will move the ledgers by, stored with it so an undo takes back as much.
    weight = ledger_ruling_weight(case=case, at=now, intake_24h=facts and facts.intake_24h) if first else 0
    decided_at = now if first else case.decided_at
    accepted = case_accepts_delta(case=case, answer=answer)
    backers, sample = set(), False
    if first:
        backers = facts.backers if facts else correction_backers(case=case)
        sample = accepted and not (facts.blind_flip if facts else _is_blind_flip(case))
    before = {"status": case.status, "decision": case.decision}
    write = dict(case=case, task=task, user=user, answer=answer, now=now, key=key, weight=weight, first=first)
    if connection.vendor == "postgresql":  # one statement: the ruling's rows, the sample, the ledgers, the audit
        parts = {"sample": sample_record_accepted_part(case=case, backers=backers)} if sample else {}
        if first and weight:
            parts.update(ledger_ruling_parts(case=case, accepted=accepted, weight=weight, backers=backers))
        ruling, sent = _ruling_write_pg(**write, parts=parts, before=before)

        def written() -> None:
            ((ruling.pk, case.status),) = sent.rows()
            ruling._state.adding, ruling._state.db = False, connection.alias
            if first:
                case.decision, case.decided_at = answer, decided_at
            log.info("ruling: %s on case %s by %s", ruling.answer, case.public_id, user.username)

        return ruling, written
    else:
        ruling, status = _ruling_write(**write)
        if sample:
            sample_record_accepted(case=case, backers=backers)
        if first:
            ledger_record_ruling(case=case, accepted=accepted, now=now, backers=backers, weight=weight)
    case.status = status
    if first:
        case.decision, case.decided_at = answer, decided_at
    audit_record(
        actor=user,
        action="ruling_record",
        obj=case,
        before=before,
        after={"status": case.status, "decision": case.decision, "answer": answer, "ruling_id": str(ruling.public_id)},
    )
    log.info("ruling: %s on case %s by %s", ruling.answer, case.public_id, user.username)
    return ruling, lambda: None


# ---- VQ-10: undo ------------------------------------------------------------------------------


def undo_window_seconds() -> int:
    """VQ-10: how long a ruling can be taken back (the one place the setting is read)."""
    return settings.VERIFIER["UNDO_SECONDS"]


def ruling_undo(*, user: User, now: datetime | None = None) -> Case:
    """VQ-10: take back `user`'s last ruling within the undo window, if nothing consumed it yet: no
    appeal on it, no batch cut its training sample, no later ruling or crowd close on its case. The
    ruling row goes (the audit log keeps it, before and after); the case, its sample and the ledgers
    return to what they were, and the seat returns to the user under a fresh lease. Any other seat
    the user holds (a prefetched next case) goes back to the queue. Returns the case."""
    now = now or timezone.now()
    window = timedelta(seconds=undo_window_seconds())
    with transaction.atomic():
        ruling = (
            Ruling.objects.select_for_update(of=("self",))
            .select_related("task")
            .filter(verifier=user)
            .order_by("-at", "-id")
            .first()
        )
        if ruling is None:
            raise Refused("nothing_to_undo", _("You have no ruling to take back."), 409)
        if now - ruling.at > window:
            raise Refused(
                "undo_window_closed",
                _(
                    "Your last ruling is older than %(seconds)d seconds, so it stands. "
                    "To dispute it, appeal it from the Appeals page."
                )
                % {"seconds": undo_window_seconds()},
                409,
            )
        case = Case.objects.select_for_update().get(pk=ruling.case_id)
        if Appeal.objects.filter(ruling=ruling).exists():
            raise Refused(
                "already_appealed", _("Your last ruling is under appeal, so it can no longer be undone."), 409
            )
        others = list(Ruling.objects.filter(case=case).exclude(pk=ruling.pk).values_list("pk", flat=True))
        if any(pk > ruling.pk for pk in others):
            raise Refused(
                "ruling_consumed", _("Another verifier has ruled on this case since, so your ruling stands."), 409
            )
        if case.status == Case.Status.DECIDED and len(others) + 1 < case.required_rulings:
            raise Refused("ruling_consumed", _("The crowd has settled this case since, so your ruling stands."), 409)
        first = not others  # the ruling that decided the case; a second overlap ruling only measured agreement
        if first and sample_batched(case=case):
            raise Refused("ruling_consumed", _("A training batch has taken this ruling, so it stands."), 409)
        before = {"status": case.status, "decision": case.decision, "answer": ruling.answer}
        if first:
            sample_take_back(case=case)
            ledger_unrecord_ruling(
                case=case,
                accepted=case_accepts_delta(case=case, answer=ruling.answer),
                weight=ruling.ledger_weight,
                backers=correction_backers(case=case),
            )
            case.decision, case.decided_at = "", None
        case.status = Case.Status.QUEUED
        Case.objects.filter(pk=case.pk).update(status=case.status, decision=case.decision, decided_at=case.decided_at)
        returned = _seats_return(user=user, keep_task_id=ruling.task_id)
        expires = now + timedelta(seconds=settings.VERIFIER["LEASE_SECONDS"])
        CaseTask.objects.filter(pk=ruling.task_id).update(
            status=CaseTask.Status.LEASED, holder=user, lease_expires_at=expires
        )
        Assignment.objects.filter(task_id=ruling.task_id, user=user, outcome=Assignment.Outcome.RULED).update(
            outcome=Assignment.Outcome.ACTIVE, expires_at=expires
        )
        ruling_id = str(ruling.public_id)
        ruling.delete()
        audit_record(
            actor=user,
            action="ruling_undo",
            obj=case,
            before=before,
            after={
                "status": case.status,
                "decision": case.decision,
                "ruling_id": ruling_id,
                "seats_returned_to_queue": returned,
            },
        )
    log.info("undo: ruling %s on case %s by %s", ruling_id, case.public_id, user.username)
    live.queue_changed({case.shard_id}, force=True)
    return case


def _seats_return(*, user: User, keep_task_id: int) -> int:
    """The other seats the user holds go back to the queue (their assignments end as returned)."""
    held = list(
        CaseTask.objects.select_for_update()
        .filter(holder=user, status=CaseTask.Status.LEASED)
        .exclude(pk=keep_task_id)
        .values_list("pk", flat=True)
    )
    if not held:
        return 0
    CaseTask.objects.filter(pk__in=held).update(status=CaseTask.Status.OPEN, holder=None, lease_expires_at=None)
    Assignment.objects.filter(task_id__in=held, user=user, outcome=Assignment.Outcome.ACTIVE).update(
        outcome=Assignment.Outcome.RETURNED
    )
    return len(held)
