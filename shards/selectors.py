"""Reads for the shards app that other apps use (export, dashboards)."""
from django.db.models import Q, QuerySet

from shards.models import (Correction, PoolMembership, Shard, SuspendedMember, TaintedSubmitter, TaintList,
                           TrainingSample)


def corrections_visible_to(*, user) -> QuerySet[Correction]:
    """Operator pages: admins see every correction; a senior sees all but the risk-tagged ones
    (SH-3: native-only, no other locale ever sees them) outside the shards they are native in."""
    qs = Correction.objects.all()
    if user.role == "admin":
        return qs
    native = PoolMembership.objects.filter(user=user, native=True, active=True).values("shard_id")
    return qs.filter(Q(risk_tags=[]) | Q(shard_id__in=native))


def taint_list_current() -> TaintList | None:
    """IN-11: the newest taint-list version (None while nothing was ever tainted). An export calls this
    once, passes it to `samples_exportable(taint_list=...)` and records `version` in its manifest
    (0 when None), so the manifest says exactly which taint list it honoured."""
    return TaintList.objects.order_by("-version").first()


def samples_exportable(*, shard: Shard, taint_list: TaintList | None = None,
                       batched_only: bool = False) -> QuerySet[TrainingSample]:
    """MH-3 / VQ-6 / IN-10 / IN-11: the samples an export of `shard` may contain.

    - A regional hard-blocked sample (e.g. a Thai-tagged delta) is exported only by a shard of its
      own locale; every other shard's export leaves it out.
    - IN-11: a sample whose correction graph contains a user tainted in `taint_list` or an earlier
      version is left out (weight 0). `taint_list=None` honours the current list
      (`taint_list_current()`); pass the one you record in the manifest to be exact.
    - IN-10: a sample backed by any member of an active suspended component is left out.
    - Samples withheld by an operator (e.g. a senior overturned the crowd) are left out.
    - `batched_only=True` keeps only samples already cut into a training batch (IN-12); their
      `weight` is the batch weight (0.3) and `batch_id` names the batch.
    """
    own_locale = shard.locale.code if shard.locale_id else None
    foreign_block = Q(regional_hard_block=True) & ~Q(hard_block_locale=own_locale or "")
    qs = TrainingSample.objects.filter(shard=shard, withheld_reason="").exclude(foreign_block)
    taint_list = taint_list if taint_list is not None else taint_list_current()
    bad_users = SuspendedMember.objects.filter(component__active=True).values("submitter_id")
    qs = qs.exclude(graph__members__submitter_id__in=bad_users)
    if taint_list is not None:
        tainted = TaintedSubmitter.objects.filter(taint_list__version__lte=taint_list.version).values("submitter_id")
        qs = qs.exclude(graph__members__submitter_id__in=tainted)
    if batched_only:
        qs = qs.filter(batch__isnull=False)
    return qs.order_by("id")


def correction_explain(*, correction: Correction) -> dict:
    """For the operator page: the outcome, the step and rule that decided it, and why."""
    return {"outcome": correction.outcome, "decided_by": correction.decided_by,
            "rule": RULES.get(correction.decided_by.split(":")[0], ""),
            "reason": correction.reason, "errors": correction.errors}


RULES = {
    "validate": "IN-1: every field checked; an invalid item names the field and the reason.",
    "recognise_correction": "IN-1: the reply must carry '@grok correct' or a variant, with text after it.",
    "deduplicate": "A repeated delivery (same post, submitter, text) answers what the first got.",
    "suspended_component": "IN-10: the submitter is in a suspended reply-graph component.",
    "rate_limit": "IN-3: 3 corrections per 24 h per country + network; a burst starts a 12 h cool-off.",
    "block_list": "IN-4: the correction overlaps the slur/gibberish block-list.",
    "topic_freeze": "IN-8: the hashtag's topic entropy collapsed; it is frozen for 3 days.",
    "route": "Routing: the locale's shard (risk-tagged: native-only; rare: the rare pool; "
             "geo-mismatch or no shard: the global queue, IN-9).",
    "auto_accept": "IN-5: >= 5 unique users sent the same normalised correction within 6 h.",
    "conflict_resolver": "IN-6: conflicting numbers: oracle, else a weighted merge, beyond 2 sigma a human.",
    "consensus": "IN-6/IN-7: sent to a human (2 sigma, or a low-volume language with crowd auto-accept off).",
    "pipeline": "No step decided the item (a bug); it is kept as invalid.",
}
