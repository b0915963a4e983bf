"""The intake step that turns posts the crowd or the conflict resolver settled into training samples
(IN-5, IN-6, IN-11). Named by its dotted path last in `settings.INTAKE["PIPELINE"]`, so intake
(shards) runs it without importing training. Moved from shards/intake/defences.py (issue 9)."""

from django.conf import settings
from django.utils.module_loading import import_string

from shards.intake.pipeline import IntakeBatch
from shards.models import Correction
from shards.services import ledgers
from training.services.samples import samples_record_crowd

O = Correction.Outcome


def settle(batch: IntakeBatch) -> None:
    """After routing: posts the crowd or the resolver settled become one sample each and their case
    closes; the items say which rule decided. Escalations keep their queue outcome and name the rule."""
    accepts = {}
    for item in batch.items:
        if item.outcome in (O.QUEUED, O.MERGED) and item.escalate:
            item.decided_by = f"consensus:{item.escalate}"
        if item.accept is None or item.case is None or item.outcome not in (O.QUEUED, O.MERGED):
            continue
        item.accept.case = item.case
        accepts[id(item.accept)] = item.accept
        merged_rule = item.accept.rule == "conflict_resolver:merge"
        item.outcome = O.MERGED if merged_rule else O.AUTO_ACCEPTED
        item.decided_by = item.accept.rule
    if not accepts:
        return
    # the verifier's queue (above training) closes the cases: its function comes by dotted path
    samples_record_crowd(
        accepts=list(accepts.values()), now=batch.now, cases_close=import_string(settings.INTAKE["CROWD_CASES_CLOSE"])
    )
    for accept in accepts.values():
        ledgers.ledgers_record_crowd(locale_code=accept.case.locale, backers=accept.backers)
        if accept.numeric_delta is not None:
            ledgers.numeric_history_add(locale_code=accept.case.locale, delta=accept.numeric_delta)
