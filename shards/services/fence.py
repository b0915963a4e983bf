"""Issue 11: an admin's read of taboo or native-only content is audited (SH-3: admins see it, and the
audit log says who read what). People inside the content's native pool read it without an event."""

from core.audit import audit_record
from shards.models import PoolMembership


def taboo_read_record(
    *,
    user,
    what: str,
    obj=None,
    object_type: str = "",
    object_id: str = "",
    shard_id=None,
    locale: str = "",
    detail: dict | None = None,
) -> bool:
    """SH-3 / VQ-7: when an admin outside the native pool of `shard_id` / `locale` opens native-only
    content, append `taboo_read` naming the admin and `what` was read (the path family: case, audit item,
    intake record, rule, export file, admin change page). Returns whether an event was written."""
    if getattr(user, "role", None) != "admin":
        return False  # everyone else reaches this content only from inside the fence
    pool = PoolMembership.objects.filter(user=user, native=True, active=True)
    if shard_id is not None and pool.filter(shard_id=shard_id).exists():
        return False
    if locale and pool.filter(shard__locale__code=locale).exists():
        return False
    audit_record(
        actor=user,
        action="taboo_read",
        obj=obj,
        object_type=object_type,
        object_id=object_id,
        after={"read": what, "shard_id": shard_id, "locale": locale, **(detail or {})},
    )
    return True


# ---- Django admin change pages (core.admin.admin_read_hook) ------------------------------------------


def admin_read_case(*, user, obj, case=None) -> None:
    """A change page of a case, or of a row carrying one (`case`): audited when the case is native-only."""
    case = case or obj
    if case is not None and case.native_only:
        taboo_read_record(
            user=user, what="admin_change_page", obj=obj, shard_id=case.shard_id, detail={"case": str(case.public_id)}
        )


def admin_read_correction(*, user, obj) -> None:
    if obj.risk_tags:
        taboo_read_record(user=user, what="admin_change_page", obj=obj, shard_id=obj.shard_id, locale=obj.risk_locale)


def taboo_reads_of_cases_record(*, user, what: str, cases) -> int:
    """A list page or answer showing words of several cases (nominations in the risk feed, the review
    queue, the candidates API): one `taboo_read` per shard whose native-only cases an admin outside that
    pool was shown, listing the case ids. Returns how many events were written."""
    if getattr(user, "role", None) != "admin":
        return 0
    by_shard: dict = {}
    for case in cases:
        if case is not None and case.native_only:
            by_shard.setdefault(case.shard_id, set()).add(str(case.public_id))
    return sum(
        taboo_read_record(
            user=user, what=what, object_type="verifier.case", shard_id=shard_id, detail={"cases": sorted(ids)}
        )
        for shard_id, ids in sorted(by_shard.items(), key=lambda kv: kv[0] or 0)
    )
