"""Reads for model hooks: the posts of a scoring batch, the embedding lag, exports."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Min, Sum

from modelhooks.models import Export, Release, ScoringBatch
from shards.models import Correction, Locale, Shard
from shards.selectors import taboo_fence
from training.selectors import shard_has_native_only_training_text


@dataclass(frozen=True)
class PostRow:
    correction_id: int
    post_id: str
    shard_id: int | None
    text: str
    hashtags: tuple
    at: datetime | None


def posts_for_batch(*, first_id: int, last_id: int) -> list[PostRow]:
    """The intake rows of a scoring batch. The stream of posts is the correction intake (IN-1); the
    scorer reads only these columns (shards exposes no selector for it yet)."""

    rows = (
        Correction.objects.filter(pk__gte=first_id, pk__lte=last_id)
        .exclude(outcome=Correction.Outcome.INVALID)
        .order_by("pk")
        .values_list("pk", "post_id", "shard_id", "post_text", "ocr_text", "hashtags", "at", "received_at")
    )
    return [
        PostRow(pk, post_id, shard_id, text + ("\n" + ocr if ocr else ""), tuple(tags or ()), at or received)
        for pk, post_id, shard_id, text, ocr, tags, at, received in rows
    ]


def correction_id_window(*, after_id: int, size: int, up_to_id: int | None = None) -> tuple[int, int] | None:
    """The ids of the next `size` corrections after `after_id` (first, last), or None when none."""

    qs = Correction.objects.filter(pk__gt=after_id).order_by("pk")
    if up_to_id is not None:
        qs = qs.filter(pk__lte=up_to_id)
    first = qs.values_list("pk", flat=True).first()
    if first is None:
        return None
    last = (
        qs.values_list("pk", flat=True)[size - 1 : size].first()
        or qs.order_by("-pk").values_list("pk", flat=True).first()
    )
    return first, last


def embedding_lag() -> dict:
    """MH-1 back-pressure: posts whose regex stage is done but whose embedding stage is not."""
    waiting = ScoringBatch.objects.filter(regex_status=ScoringBatch.Stage.DONE).exclude(
        embed_status=ScoringBatch.Stage.DONE
    )
    agg = waiting.aggregate(posts=Sum("posts"), oldest=Min("regex_done_at"))
    return {"batches": waiting.count(), "posts": agg["posts"] or 0, "oldest_regex_done_at": agg["oldest"]}


def export_get(*, public_id) -> Export | None:
    return Export.objects.select_related("shard").filter(public_id=public_id).first()


def export_files_readable(*, export: Export, user) -> bool:
    """Issue 11 (SH-3: taboo text reaches no one outside the native pool, exports included): the files of
    an export whose shard holds taboo text (a sample or re-export item of a native-only case) go only to
    those the taboo fence lets see that shard's native-only content: admins (audited by the file view)
    and trainers who are active native members of the shard's pool (a contracted native trainer; an
    admin adds the membership). Any other shard's files go to every trainer, as MH-3 says."""
    if taboo_fence(user=user).allows_case(_NativeOnlyOf(export.shard_id)):
        return True
    return not shard_has_native_only_training_text(shard_id=export.shard_id)


@dataclass(frozen=True)
class _NativeOnlyOf:
    """A stand-in for native-only content of one shard, asked of TabooFence.allows_case."""

    shard_id: int
    native_only: bool = True


def filter_locale_routes() -> dict[str, tuple[tuple[int, str], ...]]:
    """Issue 13: for every known locale, the shards whose rules the live filter applies: the locale's own
    shard (the rare pool's for a rare locale without one) and the global shard."""
    shards = {s.locale_id: (s.pk, s.code) for s in Shard.objects.filter(locale__isnull=False)}
    by_kind = {s.kind: (s.pk, s.code) for s in Shard.objects.exclude(kind=Shard.Kind.LOCALE)}
    glob = by_kind.get(Shard.Kind.GLOBAL)
    routes = {}
    for loc in Locale.objects.all():
        own = shards.get(loc.pk) or (by_kind.get(Shard.Kind.RARE) if loc.is_rare else None)
        routes[loc.code] = tuple(dict.fromkeys(r for r in (own, glob) if r is not None))
    return routes


def release_get(*, pk: int) -> Release | None:
    return Release.objects.select_related("shard", "previous", "diff_accepted_by").filter(pk=pk).first()


def releases_of_shard(*, shard, limit: int = 100) -> list[Release]:
    """MH-4: a shard's releases, newest first, with their evidence."""
    qs = Release.objects.filter(shard=shard).select_related("shard", "previous", "diff_accepted_by")
    return list(qs.order_by("-created_at", "-pk")[:limit])
