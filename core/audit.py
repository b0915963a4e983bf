"""VQ-7: the one way anything is written to the audit log."""

from typing import Any

from core.models import AuditEvent, User
from core.sql import sql_hot_path, sql_insert


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
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(getattr(obj, "public_id", None) or obj.pk)
    event = AuditEvent(
        actor=actor,
        actor_name=actor.username if actor else "system",
        action=action,
        object_type=object_type,
        object_id=object_id,
        before=before,
        after=after,
    )
    if sql_hot_path():  # one prepared INSERT (core.sql): the ruling's hot path writes one event each
        sql_insert(event)
    else:
        event.save()
    return event
