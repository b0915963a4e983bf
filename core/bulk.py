"""SPEC 8 bulk form: one JSON object, or `{"items": [...]}` with at most `limit` items."""
from dataclasses import dataclass

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
            raise Refused("invalid", "`items` must be a list.", 400, {"items": ["Expected a list."]})
        if len(items) > limit:
            raise Refused("too_many_items", f"{len(items)} items; the limit is {limit} a request.", 400)
        return BulkBody(items=items, single=False)
    if isinstance(body, dict):
        return BulkBody(items=[body], single=True)
    raise Refused("invalid", "The body must be one JSON object or {\"items\": [...]}.", 400)
