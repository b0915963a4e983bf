"""Builders for the intake-defence tests: items with their own network each unless told otherwise."""
import itertools
from datetime import datetime, timedelta, timezone

from shards.intake.pipeline import corrections_intake

T0 = datetime(2026, 11, 26, 10, 0, tzinfo=timezone.utc)
_ips = itertools.count(1)


def fresh_ip() -> str:
    n = next(_ips)
    return f"2001:db8:{n // 65536:x}:{n % 65536:x}::1"


def item(**over) -> dict:
    at = over.pop("at", T0)
    base = {
        "post_id": "p1", "post_text": "Over 100 people marched", "hashtags": ["#March"],
        "reply_text": "@grok correct it was 200 people", "submitter_id": "u1", "billing_country": "US",
        "ip": fresh_ip(), "declared_locale": "en-US", "at": at.isoformat() if isinstance(at, datetime) else at,
    }
    base.update(over)
    return base


def run(items, now=None):
    return corrections_intake(payloads=items, now=now or T0)


def users(n, prefix="u", **over) -> list[dict]:
    return [item(submitter_id=f"{prefix}{i}", **over) for i in range(n)]


def hours(h: float) -> timedelta:
    return timedelta(hours=h)
