"""Reads of the training tables for the export (modelhooks), intake and the operator pages."""

from django.db.models import Count, Q, QuerySet

from shards.models import CorrectionGraphMember, Shard, SuspendedMember
from training.models import ReexportItem, Retraction, TaintedSubmitter, TaintList, TrainingSample


def shard_has_native_only_training_text(*, shard_id: int) -> bool:
    """Issue 11: whether any sample or re-export item of the shard comes from a native-only (taboo)
    case, i.e. whether an export of it may carry taboo text. Samples never move between shards, so a
    shard without one now had none when an earlier export was written."""
    return (
        TrainingSample.objects.filter(shard_id=shard_id, case__native_only=True).exists()
        or ReexportItem.objects.filter(shard_id=shard_id, case__native_only=True).exists()
    )


def taint_list_current() -> TaintList | None:
    """IN-11: the newest taint-list version (None while nothing was ever tainted). An export calls this
    once, passes it to `samples_exportable(taint_list=...)` and records `version` in its manifest
    (0 when None), so the manifest says exactly which taint list it honoured."""
    return TaintList.objects.order_by("-version").first()


def samples_exportable(
    *, shard: Shard, taint_list: TaintList | None = None, batched_only: bool = False
) -> QuerySet[TrainingSample]:
    """MH-3 / VQ-6 / IN-10 / IN-11: the samples an export of `shard` may contain.

    - A regional hard-blocked sample (e.g. a Thai-tagged delta) is exported only by a shard of its
      own locale; every other shard's export leaves it out.
    - IN-11: a sample whose correction graph contains a user tainted in `taint_list` or an earlier
      version is left out (weight 0). `taint_list=None` honours the current list
      (`taint_list_current()`); pass the one you record in the manifest to be exact.
    - IN-10: a sample backed by any member of an active suspended component is left out.
    - Samples withheld by an operator (e.g. a senior overturned the crowd) are left out.
    - AP-5 / IN-11: tombstoned samples (ruling reversed on appeal, graph tainted after batching) are left
      out of every export after the retraction.
    - `batched_only=True` keeps only samples already cut into a training batch (IN-12); their
      `weight` is the batch weight (0.3) and `batch_id` names the batch.
    """
    own_locale = shard.locale.code if shard.locale_id else None
    foreign_block = Q(regional_hard_block=True) & ~Q(hard_block_locale=own_locale or "")
    qs = TrainingSample.objects.filter(shard=shard, withheld_reason="", retraction__isnull=True).exclude(foreign_block)
    taint_list = taint_list if taint_list is not None else taint_list_current()
    bad_users = SuspendedMember.objects.filter(component__active=True).values("submitter_id")
    qs = qs.exclude(graph__members__submitter_id__in=bad_users)
    if taint_list is not None:
        tainted = TaintedSubmitter.objects.filter(taint_list__version__lte=taint_list.version).values("submitter_id")
        qs = qs.exclude(graph__members__submitter_id__in=tainted)
    if batched_only:
        qs = qs.filter(batch__isnull=False)
    return qs.order_by("id")


def samples_left_out(*, shard: Shard, taint_list: TaintList | None = None) -> QuerySet[TrainingSample]:
    """The complement of `samples_exportable(shard=..., taint_list=..., batched_only=True)` among the
    shard's batched samples: each exclusion as a positive condition (withheld, tombstoned, a foreign
    regional hard-block, a graph with a suspended or tainted member), so the database scans the shard
    once instead of anti-joining it against the export's own rows (the two must stay each other's
    complement: tests/modelhooks/test_export_exclusions.py checks it for every exclusion)."""
    own_locale = shard.locale.code if shard.locale_id else None
    foreign_block = Q(regional_hard_block=True) & ~Q(hard_block_locale=own_locale or "")
    taint_list = taint_list if taint_list is not None else taint_list_current()
    suspended = SuspendedMember.objects.filter(component__active=True).values("submitter_id")
    left_out = ~Q(withheld_reason="") | Q(retraction__isnull=False) | foreign_block
    left_out |= Q(graph_id__in=CorrectionGraphMember.objects.filter(submitter_id__in=suspended).values("graph_id"))
    if taint_list is not None:
        tainted = TaintedSubmitter.objects.filter(taint_list__version__lte=taint_list.version).values("submitter_id")
        left_out |= Q(graph_id__in=CorrectionGraphMember.objects.filter(submitter_id__in=tainted).values("graph_id"))
    return TrainingSample.objects.filter(shard=shard, batch__isnull=False).filter(left_out)


def samples_of_shard(*, shard: Shard) -> QuerySet[TrainingSample]:
    """Every sample of `shard`, exportable or not (the export's manifest counts them)."""
    return TrainingSample.objects.filter(shard=shard)


def samples_shard_counts(*, shard: Shard) -> dict[str, int]:
    """The export manifest's counts of `shard`'s samples, in one scan: `total`, `foreign_hard_block`
    (a regional hard-block of another locale), `retracted` (tombstoned, not counted again if foreign) and
    `batched_open` (batched, not foreign, retracted or withheld: what an export carries unless tainted,
    suspended or blocked by a rule, its progress estimate while it runs)."""
    own_locale = shard.locale.code if shard.locale_id else ""
    foreign = Q(regional_hard_block=True) & ~Q(hard_block_locale=own_locale)
    retracted = Q(retraction__isnull=False)
    return TrainingSample.objects.filter(shard=shard).aggregate(
        total=Count("pk"),
        foreign_hard_block=Count("pk", filter=foreign),
        retracted=Count("pk", filter=retracted & ~foreign),
        batched_open=Count("pk", filter=Q(batch__isnull=False, withheld_reason="") & ~foreign & ~retracted),
    )


def samples_posts_taken(*, post_ids: list[str]) -> set[str]:
    """IN-6: which of these posts already hold a training slot (intake's consensus step asks, by the
    dotted path `settings.INTAKE["SAMPLED_POSTS"]`)."""
    return set(TrainingSample.objects.filter(post_id__any=list(post_ids)).values_list("post_id", flat=True))


def sample_for_case(*, case_id: int | None) -> TrainingSample | None:
    """The sample a case produced, with its graph and batch (operator pages); None if none."""
    if not case_id:
        return None
    return TrainingSample.objects.filter(case_id=case_id).select_related("graph", "batch").first()


def reexport_pending(*, shard: Shard | None = None) -> QuerySet[ReexportItem]:
    """AP-5: reversal items no export has carried yet (for the training export, MH-3)."""
    qs = ReexportItem.objects.filter(exported_batch="").order_by("id")
    return qs.filter(shard=shard) if shard is not None else qs


def retractions_pending(*, shard: Shard) -> QuerySet[Retraction]:
    """AP-5 / IN-11: tombstones of `shard` no export has listed yet, oldest first, with their sample."""
    return Retraction.objects.filter(shard=shard, listed_by_export="").select_related("sample").order_by("id")


def samples_retracted(*, shard: Shard) -> QuerySet[TrainingSample]:
    """Every tombstoned sample of `shard` (the manifest counts them among the excluded)."""
    return TrainingSample.objects.filter(shard=shard, retraction__isnull=False)
