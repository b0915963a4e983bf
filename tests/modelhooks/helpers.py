from datetime import timedelta

from django.utils import timezone

from shards.models import Correction


def corrections(shard, texts, *, start=0, ocr=None, hashtags=("#news",)):
    at = timezone.now() - timedelta(hours=1)
    return [Correction.objects.create(post_id=f"{shard.code if shard else 'none'}-p{start + i}", post_text=t,
                                      ocr_text=(ocr or {}).get(i, ""), shard=shard, hashtags=list(hashtags),
                                      outcome=Correction.Outcome.QUEUED, at=at)
            for i, t in enumerate(texts)]
