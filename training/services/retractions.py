"""AP-5 / IN-11: tombstones. A retracted sample leaves no later export and is listed once, in the next
export of its shard, so a training job can drop it from data it already holds."""

from datetime import datetime

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import Refused
from shards.models import SuspendedMember
from training.models import Retraction, TaintedSubmitter, TaintList, TrainingSample


def samples_retract(
    *, samples: QuerySet[TrainingSample], reason: str, detail: str = "", now: datetime | None = None
) -> int:
    """Tombstone `samples` (once each: a second retraction of a sample changes nothing). Returns how many
    were newly retracted."""
    now = now or timezone.now()
    rows = list(samples.filter(retraction__isnull=True).values_list("pk", "shard_id"))
    Retraction.objects.bulk_create(
        [
            Retraction(sample_id=pk, shard_id=shard, reason=reason, detail=detail[:200], created_at=now)
            for pk, shard in rows
        ],
        ignore_conflicts=True,  # a concurrent retraction of the same sample: one tombstone (unique sample)
    )
    return len(rows)


def sample_retract_on_reversal(*, case, detail: str = "", now: datetime | None = None) -> int:
    """AP-5: the ruling that accepted `case` was reversed on appeal: its sample (if it has one) is retracted."""
    return samples_retract(
        samples=TrainingSample.objects.filter(case=case),
        reason=Retraction.Reason.APPEAL_REVERSED,
        detail=detail,
        now=now,
    )


def samples_retract_bot_backed(*, shard, taint_list: TaintList | None, now: datetime | None = None) -> int:
    """IN-10 / IN-11, at the start of an export: batched samples of `shard` that a tainted user (in
    `taint_list` or earlier) or a member of an active suspended reply-graph component backed may have left in
    an earlier export: they are tombstoned, so the next export lists them, and stay out even if the
    suspension is lifted later. Unbatched ones never left: the export's filters keep them out."""
    now = now or timezone.now()
    batched = TrainingSample.objects.filter(shard=shard, batch__isnull=False, retraction__isnull=True)
    suspended = SuspendedMember.objects.filter(component__active=True).values("submitter_id")
    made = samples_retract(
        samples=batched.filter(graph__members__submitter_id__in=suspended).distinct(),
        reason=Retraction.Reason.COMPONENT_SUSPENDED,
        detail="backed by a suspended reply-graph component (IN-10)",
        now=now,
    )
    if taint_list is not None:
        tainted = TaintedSubmitter.objects.filter(taint_list__version__lte=taint_list.version).values("submitter_id")
        made += samples_retract(
            samples=batched.filter(graph__members__submitter_id__in=tainted).distinct(),
            reason=Retraction.Reason.GRAPH_TAINTED,
            detail=f"taint list version {taint_list.version}",
            now=now,
        )
    return made


def retractions_mark_listed(*, ids: list[int], export_id: str) -> int:
    """The export whose `retractions.jsonl` listed these tombstones records itself on them (once)."""
    if not export_id:
        raise Refused("invalid", _("export_id: name the export."), 400, field="export_id")
    return Retraction.objects.filter(pk__in=ids, listed_by_export="").update(listed_by_export=export_id)
