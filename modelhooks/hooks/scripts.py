"""Which script a text is written in, to pick the embedder that covers it (MH-2)."""

import unicodedata
from functools import lru_cache

from django.conf import settings


@lru_cache(maxsize=65536)
def char_script(ch: str) -> str:
    """First word of the Unicode name: LATIN, THAI, ARABIC, CJK ... ('' for non-letters)."""
    if not ch.isalpha():
        return ""
    name = unicodedata.name(ch, "")
    return name.split(" ", 1)[0] if name else ""


def covered_by_model(text: str) -> bool:
    """True when most letters are in a script the sentence model was trained on
    (settings.MODELHOOKS["MODEL_SCRIPTS"], share MODEL_SCRIPT_SHARE)."""
    scripts = settings.MODELHOOKS["MODEL_SCRIPTS"]
    letters = covered = 0
    for ch in text:
        s = char_script(ch)
        if s:
            letters += 1
            covered += s in scripts
    return letters == 0 or covered / letters >= settings.MODELHOOKS["MODEL_SCRIPT_SHARE"]
