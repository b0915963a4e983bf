"""VQ-6: what an accepted ruling puts into training."""
from shards.models import TrainingSample


def sample_record_accepted(*, case) -> TrainingSample:
    """One sample per post and shard (IN-6). A Thai-tagged delta carries the regional-hard-block
    bit: exports of any other shard leave it out (VQ-6, MH-3)."""
    sample, _ = TrainingSample.objects.get_or_create(
        post_id=case.post_id,
        shard_id=case.shard_id,
        defaults={
            "case": case,
            "locale": case.locale,
            "text_delta": case.proposal,
            "regional_hard_block": bool(case.hard_block_locale),
            "hard_block_locale": case.hard_block_locale,
        },
    )
    return sample
