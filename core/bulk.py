"""SPEC 8 bulk form: one JSON object, or `{"items": [...]}` with at most `limit` items; and the
field parsers the bulk endpoints share."""

from dataclasses import dataclass
from datetime import UTC, datetime

from django.utils.translation import gettext as _

from core.errors import Refused


@dataclass(frozen=True)
class BulkBody:
    items: list
    single: bool  # the body was one object, not {"items": [...]}


def bulk_parse(body, *, limit: int) -> BulkBody:
    """Refuses anything else with a clear code; the items themselves are validated by the caller."""
    if isinstance(body, dict) and "items" in body:
        items = body["items"]
        if not isinstance(items, list):
            raise Refused("invalid", _("`items` must be a list."), 400, {"items": ["Expected a list."]})
        if len(items) > limit:
            raise Refused(
                "too_many_items",
                _("%(count)s items; the limit is %(limit)s a request.") % {"count": len(items), "limit": limit},
                400,
            )
        return BulkBody(items=items, single=False)
    if isinstance(body, dict):
        return BulkBody(items=[body], single=True)
    raise Refused("invalid", _('The body must be one JSON object or {"items": [...]}.'), 400)


def parse_at(at) -> tuple[datetime | None, str]:
    """An ISO 8601 event time with offset, or the reason it is not one."""
    try:
        parsed = datetime.fromisoformat(at) if isinstance(at, str) else None
    except ValueError:
        parsed = None
    if parsed is None:
        return None, "Must be an ISO 8601 date and time with offset."
    if parsed.tzinfo is None:
        return None, "Must carry a UTC offset (e.g. 2026-01-01T12:00:00+07:00)."
    # Stored in UTC: PostgreSQL refuses offsets beyond +-15:59 that ISO 8601 (and Python) accept (found
    # by the API fuzz: "+23:58" answered 500).
    try:
        return parsed.astimezone(UTC), ""
    except OverflowError:
        return None, "Must be a date and time between the years 1 and 9999 in UTC."
