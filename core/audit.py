"""VQ-7: the one way anything is written to the audit log."""

from typing import Any

from core.models import AuditEvent, User
from core.sql import SqlPart, sql_hot_path, sql_insert, sql_insert_part


def _event(*, actor, action, obj, object_type, object_id, before, after) -> AuditEvent:
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(getattr(obj, "public_id", None) or obj.pk)
    return AuditEvent(
        actor=actor,
        actor_name=actor.username if actor else "system",
        action=action,
        object_type=object_type,
        object_id=object_id,
        before=before,
        after=after,
    )


def audit_record(
    *,
    actor: User | None,
    action: str,
    obj: Any = None,
    object_type: str = "",
    object_id: str = "",
    before: dict | None = None,
    after: dict | None = None,
) -> AuditEvent:
    """Append one event. `actor=None` means the system (a scheduled task or a rule)."""
    event = _event(
        actor=actor, action=action, obj=obj, object_type=object_type, object_id=object_id, before=before, after=after
    )
    if sql_hot_path():  # one prepared INSERT (core.sql)
        sql_insert(event)
    else:
        event.save()
    return event


def audit_record_part(
    *,
    actor: User | None,
    action: str,
    obj: Any = None,
    before: dict | None = None,
    after: dict,
    after_merge_sql: str,
) -> SqlPart:
    """Issue 14, PostgreSQL: `audit_record` as a part of a composed statement (core.sql), for a write whose
    outcome that statement decides: `after_merge_sql` is a jsonb expression of the caller's statement (say
    the status its update set), merged into `after`, so the event records what was written."""
    event = _event(actor=actor, action=action, obj=obj, object_type="", object_id="", before=before, after=after)
    return sql_insert_part(event, placeholders={"after": f"%s::jsonb || {after_merge_sql}"})
