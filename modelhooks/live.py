"""MH-3: export progress pushed to the export's page over Channels (primitives in `core.live`)."""

from core.live import send


def export_group(public_id) -> str:
    return f"export.{public_id}"


def export_state(export) -> dict:
    return {
        "type": "export",
        "id": str(export.public_id),
        "status": export.status,
        "progress": round(export.progress, 4),
        "rows_written": export.rows_written,
        "rows_total": export.rows_total,
        "error": export.error,
    }


def export_changed(export) -> None:
    """Called by the worker outside any transaction it could roll back (each progress step is saved first);
    a dead channel layer never fails an export (the page also polls)."""
    send(export_group(export.public_id), export_state(export))
