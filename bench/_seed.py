"""The world the queue benchmarks (bench/queue.py, bench/browser.py) start from: an empty queue in an
en-US shard, verifiers in its native pool, and cases created through the real intake service."""

from datetime import UTC, datetime

TABLES = (
    "verifier_ruling, verifier_assignment, verifier_skip, verifier_casetask, shards_trainingsample,"
    " shards_correction, verifier_case, knox_authtoken, shards_poolmembership"
)


def queue_world_reset():
    """Empty the queue and its bookkeeping; returns the en-US shard (created the first time)."""
    from django.db import connection

    from shards.models import Locale, Shard

    with connection.cursor() as c:
        c.execute(f"TRUNCATE {TABLES} CASCADE")
    locale, _ = Locale.objects.get_or_create(code="en-US", defaults={"name": "English", "language": "en"})
    shard, _ = Shard.objects.get_or_create(code="en-US", defaults={"locale": locale})
    return shard


def verifier_seed(*, shard, username: str, **fields):
    """A verifier in the shard's native pool; `fields` set on the user (saved)."""
    from core.models import User
    from shards.services.pools import membership_set

    user, _ = User.objects.get_or_create(username=username, defaults={"role": "verifier"})
    if fields:
        password = fields.pop("password", None)
        if password is not None:
            user.set_password(password)
        for name, value in fields.items():
            setattr(user, name, value)
        user.save()
    membership_set(user=user, shard=shard, native=True)
    return user


def cases_seed(*, shard, n: int, post_id, post_text, proposal, batch: int = 5000) -> None:
    """`n` correction cases; `post_id`, `post_text` and `proposal` map the case number to its text."""
    from verifier.services.queue import NewCase, cases_create

    now = datetime.now(UTC)
    for start in range(0, n, batch):
        cases_create(
            new_cases=[
                NewCase(
                    shard=shard,
                    kind="correction",
                    locale="en-US",
                    post_id=post_id(i),
                    post_text=post_text(i),
                    proposal=proposal(i),
                    at=now,
                )
                for i in range(start, min(n, start + batch))
            ]
        )
