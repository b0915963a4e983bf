"""MH-3: export progress pushed to the export's page over Channels (same pattern as verifier/live.py)."""
import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

log = logging.getLogger(__name__)


def export_group(public_id) -> str:
    return f"export.{public_id}"


def export_state(export) -> dict:
    return {"type": "export", "id": str(export.public_id), "status": export.status, "progress": round(export.progress, 4),
            "rows_written": export.rows_written, "rows_total": export.rows_total, "error": export.error}


def export_changed(export) -> None:
    """Called by the worker outside any transaction it could roll back (each progress step is saved first)."""
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(export_group(export.public_id), {"type": "live.event", "event": export_state(export)})
    except Exception:  # a dead channel layer must never fail an export; the page also polls
        log.warning("export progress push failed", exc_info=True)
