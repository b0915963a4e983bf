"""Reads for the shards app that other apps use (export, dashboards)."""
from django.db.models import Q, QuerySet

from shards.models import Shard, TrainingSample


def samples_exportable(*, shard: Shard) -> QuerySet[TrainingSample]:
    """MH-3 / VQ-6: the samples an export of `shard` may contain.

    A regional hard-blocked sample (e.g. a Thai-tagged delta) is exported only by a shard of its
    own locale; every other shard's export leaves it out. Taint filtering (IN-11) adds to this.
    """
    own_locale = shard.locale.code if shard.locale_id else None
    foreign_block = Q(regional_hard_block=True) & ~Q(hard_block_locale=own_locale or "")
    return TrainingSample.objects.filter(shard=shard).exclude(foreign_block).order_by("id")
