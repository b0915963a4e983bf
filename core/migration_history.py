"""Bring a database built before the user model moved to `core` in line with the new graph."""

from django.db.migrations.recorder import MigrationRecorder

CORE_INITIAL = ("core", "0001_initial")
# Applied before the move, they now depend on core.0001 (their user FK is swappable).
USER_DEPENDENTS = [("admin", "0001_initial"), ("authtoken", "0001_initial")]
BUILT_BY = ("verifier", "0001_initial")  # created verifier_user and verifier_auditevent


def user_move_record(*, connection) -> bool:
    """Record core.0001 as applied where the old history has the tables and the user's dependents
    applied without it. Returns whether it recorded anything."""
    recorder = MigrationRecorder(connection)
    if not recorder.has_table():
        return False
    applied = recorder.applied_migrations()
    if CORE_INITIAL in applied or BUILT_BY not in applied:
        return False
    if not any(dep in applied for dep in USER_DEPENDENTS):
        return False
    recorder.record_applied(*CORE_INITIAL)
    return True
