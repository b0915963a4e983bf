"""Template helpers of the queue page (VQ-11: lexicon terms masked in a taboo post until revealed)."""

import unicodedata

from django import template

from core.text import text_spans_normalised

register = template.Library()


@register.filter
def masked_parts(text: str, case) -> list[tuple[str, bool]]:
    """The post (or OCR) text of `case` as (part, is_lexicon_term) pieces: on a taboo case the terms
    it was tagged with (SH-3, `case.risk_tags` as "lexicon:term") are masked until the verifier
    reveals them (key R); every other case shows its text whole."""
    text = unicodedata.normalize("NFC", text or "")
    if not case.is_taboo:
        return [(text, False)]
    terms = [tag.split(":", 1)[1] for tag in case.risk_tags or [] if ":" in tag]
    parts, at = [], 0
    for start, end in text_spans_normalised(text, terms):
        if start > at:
            parts.append((text[at:start], False))
        parts.append((text[start:end], True))
        at = end
    if at < len(text):
        parts.append((text[at:], False))
    return parts
