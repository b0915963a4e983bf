"""AP-5: a ruling reversed on appeal goes out again as a correction micro-batch item (~1 % weight)."""

from datetime import datetime
from decimal import Decimal

from django.utils.translation import gettext as _

from core.errors import Refused
from training.models import ReexportItem


def reexport_record(
    *, appeal, tier: int, case, accepts: bool, weight: Decimal | float | str, now: datetime
) -> ReexportItem:
    """The reversal item of `appeal` at `tier`: `add` the case's delta when the reversal accepts it,
    else `retract` it. Carries the case's regional hard-block like its sample would (VQ-6)."""
    return ReexportItem.objects.create(
        appeal=appeal,
        tier=tier,
        case=case,
        shard_id=case.shard_id,
        locale=case.locale,
        post_id=case.post_id,
        text_delta=case.proposal,
        action=ReexportItem.Action.ADD if accepts else ReexportItem.Action.RETRACT,
        weight=weight,
        regional_hard_block=bool(case.hard_block_locale),
        hard_block_locale=case.hard_block_locale,
        created_at=now,
    )


def reexport_mark_exported(*, ids: list[int], batch_id: str) -> int:
    """AP-5: the training export records which batch carried each reversal item (once)."""
    if not batch_id:
        raise Refused("invalid", _("batch_id: name the export batch."), 400, field="batch_id")
    return ReexportItem.objects.filter(pk__in=ids, exported_batch="").update(exported_batch=batch_id)
