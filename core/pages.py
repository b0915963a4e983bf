"""Helpers for the HTMX pages: a service call whose refusal becomes the page's message."""

from django.contrib import messages

from core.errors import Refused


def attempt_with_message(request, fn, success: str, **kwargs):
    """Call `fn(**kwargs)`; on success show `success`, on a refusal show its words. None if refused."""
    try:
        result = fn(**kwargs)
    except Refused as refusal:
        messages.error(request, refusal.detail)
        return None
    messages.success(request, success)
    return result
