"""The text normaliser every app matches with (SH-3 tagging, intake keys, block list, RK-2 terms).

`text_normalise` is the one form texts are compared in. `token_normalise` is the stricter form of a
single nominated term (RK-2), built on the same steps plus compatibility folding, Arabic diacritics
and edge punctuation; it lives here so both forms change together.
"""

import re
import unicodedata

_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))
_IGNORABLE = re.compile("[\u0640\u064b-\u065f\u0670\u200b-\u200d\u2060\ufeff]")  # tatweel, harakat, zero-width
_EDGE = re.compile(r"^[\W_]+|[\W_]+$")


def text_normalise(text: str) -> str:
    """NFC, case-folded, zero-width characters removed, runs of spaces collapsed."""
    text = unicodedata.normalize("NFC", text or "").translate(_ZERO_WIDTH).casefold()
    return re.sub(r"\s+", " ", text)


def token_normalise(term: str) -> str:
    """RK-2: NFKC, case-folded, Arabic tatweel/harakat and zero-width characters removed, punctuation
    trimmed from the ends, inner whitespace collapsed. Thai tone marks are kept: they change the word."""
    text = unicodedata.normalize("NFKC", term or "").casefold()
    text = _IGNORABLE.sub("", text)
    text = " ".join(text.split())
    return _EDGE.sub("", text)


# C0 control characters other than tab, newline and carriage return: PostgreSQL cannot store NUL in
# text, SQLite would, and none of them belongs in a post, a reply, an id or a reason (issue 11).
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def control_character_reason(value: str) -> str:
    """Why `value` is refused, naming the first control character and where it is; "" when it is clean."""
    match = _CONTROL.search(value)
    if match is None:
        return ""
    return (
        f"Contains the control character U+{ord(match.group()):04X} at position {match.start()}; "
        "control characters other than tab, newline and carriage return are not accepted."
    )


def control_characters_replace(value: str) -> str:
    """`value` with each control character replaced by U+FFFD, for keeping a refused input on record."""
    return _CONTROL.sub("\ufffd", value)


def text_spans_normalised(text: str, terms: list[str]) -> list[tuple[int, int]]:
    """VQ-11: where `terms` (in `text_normalise` form, as SH-3 tags them) occur in `text` (NFC), as
    sorted, non-overlapping (start, end) offsets into `unicodedata.normalize("NFC", text)`. Each
    character is normalised on its own and mapped back, so a term hidden behind zero-width characters,
    other case or extra spaces is still found in the text as written."""
    text = unicodedata.normalize("NFC", text or "")
    chars: list[str] = []
    origin: list[int] = []
    for i, ch in enumerate(text):
        if ord(ch) in _ZERO_WIDTH:
            continue
        if ch.isspace():
            if chars and chars[-1] == " ":
                continue
            folded = " "
        else:
            folded = ch.casefold()
        for f in folded:
            chars.append(f)
            origin.append(i)
    normalised = "".join(chars)
    wanted = sorted({t for t in terms if t}, key=len, reverse=True)  # longest first, as the tagger matches
    if not wanted:
        return []
    pattern = re.compile("|".join(re.escape(t) for t in wanted))
    spans = [(origin[m.start()], origin[m.end() - 1] + 1) for m in pattern.finditer(normalised) if m.end() > m.start()]
    return spans
