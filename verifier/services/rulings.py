"""VQ-1, VQ-6: recording a ruling. Only the lease holder, only once, only before the lease ends."""

import logging
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit_record
from core.errors import Refused
from core.models import User
from shards.services.ledgers import ledger_record_ruling
from training.services.samples import sample_record_accepted
from verifier import extensions, live
from verifier.models import Assignment, Case, CaseTask, Ruling

log = logging.getLogger(__name__)


def case_accepts_delta(*, case: Case, answer: str) -> bool:
    """A correction is accepted by "yes"; a taboo screen asks "offensive?", so "no" lets it through."""
    return answer == ("no" if case.is_taboo else "yes")


def ruling_record(*, user: User, case: Case, answer: str, now: datetime | None = None) -> Ruling:
    """VQ-1: record `user`'s ruling on a case they hold. The caller has checked the user may see the
    case (`verifier.selectors.case_get_visible`); holding the lease is checked here, under lock."""
    now = now or timezone.now()
    if answer not in (Ruling.Answer.YES, Ruling.Answer.NO):
        raise Refused("invalid", _('answer must be "yes" or "no".'), 400)
    try:
        with transaction.atomic():
            ruling = _ruling_record_locked(user=user, case=case, answer=answer, now=now)
    except IntegrityError:
        # A concurrent second ruling by the same person lost the race to the unique constraint.
        raise Refused("already_ruled", _("You have already ruled on this case."), 409)
    live.queue_changed({case.shard_id})
    return ruling


def _is_blind_flip(case: Case) -> bool:
    """CA-3: a blind-audit paraphrase is ruled like any case but never becomes a training sample.
    The quality app, above this one, answers it (verifier.extensions)."""
    return extensions.case_is_blind_flip(case=case)


def _ruling_record_locked(*, user: User, case: Case, answer: str, now: datetime) -> Ruling:
    if Ruling.objects.filter(case=case, verifier=user).exists():
        raise Refused("already_ruled", _("You have already ruled on this case."), 409)
    task = CaseTask.objects.select_for_update().filter(case=case, holder=user, status=CaseTask.Status.LEASED).first()
    if task is None or task.lease_expires_at <= now:
        raise Refused(
            "lease_expired",
            _(
                "Your 10-minute hold on this case ended, so it went back to the queue. "
                "Nothing was recorded; take the next case."
            ),
            409,
        )
    case = Case.objects.select_for_update().get(pk=case.pk)
    ruling = Ruling.objects.create(case=case, task=task, verifier=user, answer=answer, at=now)
    CaseTask.objects.filter(pk=task.pk).update(status=CaseTask.Status.DONE, lease_expires_at=None)
    Assignment.objects.filter(task=task, user=user, outcome=Assignment.Outcome.ACTIVE).update(
        outcome=Assignment.Outcome.RULED
    )
    before = {"status": case.status, "decision": case.decision}
    first = not case.decision
    if first:  # the first ruling decides; an overlap seat only measures agreement (VQ-5)
        case.decision, case.decided_at = answer, now
    if not CaseTask.objects.filter(case=case).exclude(status=CaseTask.Status.DONE).exists():
        case.status = Case.Status.DECIDED
    case.save(update_fields=["decision", "decided_at", "status"])
    if first and case_accepts_delta(case=case, answer=answer) and not _is_blind_flip(case):
        sample_record_accepted(case=case)
    if first:  # IN-7: the ruling moves the locale's corroboration ledgers
        ledger_record_ruling(case=case, accepted=case_accepts_delta(case=case, answer=answer), now=now)
    audit_record(
        actor=user,
        action="ruling_record",
        obj=case,
        before=before,
        after={"status": case.status, "decision": case.decision, "answer": answer, "ruling_id": str(ruling.public_id)},
    )
    log.info("ruling: %s on case %s by %s", ruling.answer, case.public_id, user.username)
    return ruling
