"""IN-6: `training.0002` adds `one_sample_per_post` to a database that may already hold two samples of one
post (one per shard, under the old per-(post, shard) constraint). Its dedupe step keeps the sample of the
earliest decision and moves every other one out of the slot without deleting it: withheld, and tombstoned
(`duplicate_slot`) if it was batched, so the next export lists it. Run with django's MigrationExecutor on
the test database (PostgreSQL and SQLite): back to 0001, the old rows, forward again."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("training", "0001_initial")]
AFTER = [("training", "0002_retractions_text_spans_one_slot_per_post")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_0002_keeps_the_earliest_decision_and_tombstones_the_batched_duplicates():
    old = _migrate(BEFORE)
    try:
        Locale, Shard = old.get_model("shards", "Locale"), old.get_model("shards", "Shard")
        Case, Sample = old.get_model("verifier", "Case"), old.get_model("training", "TrainingSample")
        Batch = old.get_model("training", "TrainingBatch")
        now = timezone.now()
        shards = []
        for code in ("en-US", "global", "en-GB"):
            loc = Locale.objects.create(code=code, name=code, language="en")
            shards.append(Shard.objects.create(code=code, locale=loc))
        batch = Batch.objects.create(cut_at=now, size=2, weight="0.3")

        def sample(shard, post, decided_minutes_ago, *, batched):
            case = Case.objects.create(
                shard=shard,
                kind="correction",
                status="decided",
                locale=shard.code,
                post_id=post,
                post_text="t",
                at=now,
                due_at=now,
                decided_at=now - timedelta(minutes=decided_minutes_ago),
            )
            return Sample.objects.create(
                case=case,
                shard=shard,
                locale=shard.code,
                post_id=post,
                text_delta="d",
                batch=batch if batched else None,
            ).pk

        en, glob, gb = shards
        # p1: global decided first (kept) though en-US's sample is older; en-US's was batched
        p1_en = sample(en, "p1", 5, batched=True)
        p1_global = sample(glob, "p1", 30, batched=False)
        # p2: three shards; en-US decided first; the unbatched en-GB one is only withheld
        p2_en = sample(en, "p2", 60, batched=True)
        p2_global = sample(glob, "p2", 10, batched=True)
        p2_gb = sample(gb, "p2", 1, batched=False)
        single = sample(gb, "p3", 1, batched=True)
    except BaseException:
        _migrate(AFTER)
        raise

    new = _migrate(AFTER)
    Sample, Retraction = new.get_model("training", "TrainingSample"), new.get_model("training", "Retraction")

    rows = {s.pk: s for s in Sample.objects.all()}
    assert len(rows) == 6  # nothing deleted
    holders = {post: pk for pk, s in rows.items() if not s.withheld_reason for post in [s.post_id]}
    assert holders == {"p1": p1_global, "p2": p2_en, "p3": single}
    for pk in (p1_en, p2_global, p2_gb):
        assert rows[pk].withheld_reason == "duplicate_slot"
        assert rows[pk].post_id.endswith(f"#dup{pk}")
    tombs = {r.sample_id: (r.reason, r.shard_id, r.detail, r.listed_by_export) for r in Retraction.objects.all()}
    assert tombs == {
        p1_en: ("duplicate_slot", en.pk, f"post p1: sample {p1_global} holds its slot", ""),
        p2_global: ("duplicate_slot", glob.pk, f"post p2: sample {p2_en} holds its slot", ""),
    }  # the unbatched duplicate never left: withheld only

    # the constraint now holds: a fresh case of another shard cannot take p1's slot
    case = new.get_model("verifier", "Case").objects.create(
        shard_id=gb.pk, kind="correction", locale="en-GB", post_id="p1", post_text="t", at=now, due_at=now
    )
    with pytest.raises(IntegrityError, match="one_sample_per_post|post_id"), transaction.atomic():
        Sample.objects.create(case_id=case.pk, shard_id=gb.pk, locale="en-GB", post_id="p1", text_delta="d")
