"""The text normaliser every app matches with (SH-3 tagging, rule matching, the block list, RK-2 terms).

`text_normalise` is the one form texts are compared in (issue 11: NFKC, default-ignorable and format
characters removed, case folded). `token_normalise` is the stricter form of a single nominated term
(RK-2), built on it plus Arabic diacritics and edge punctuation; it lives here so both change together.
`dedupe_normalise` is the frozen pre-issue-11 form that intake's stored dedupe keys were made with.
"""

import re
import sys
import unicodedata
from functools import lru_cache

import numpy as np

# Default_Ignorable_Code_Point, from Unicode's DerivedCoreProperties.txt (15.1 and 16.0 list the same
# ranges). Python's unicodedata has no such property, so the ranges are written out here. They are
# invisible when rendered, so an attacker can put them inside a lexicon term and a naive matcher
# misses it (issue 11: U+00AD, U+034F, U+FE0F, U+180E, U+2061, U+200E all got past the tagger).
DEFAULT_IGNORABLE_RANGES: tuple[tuple[int, int], ...] = (
    (0x00AD, 0x00AD),  # SOFT HYPHEN
    (0x034F, 0x034F),  # COMBINING GRAPHEME JOINER
    (0x061C, 0x061C),  # ARABIC LETTER MARK
    (0x115F, 0x1160),  # HANGUL CHOSEONG/JUNGSEONG FILLER
    (0x17B4, 0x17B5),  # KHMER VOWEL INHERENT AQ..AA
    (0x180B, 0x180F),  # MONGOLIAN FREE VARIATION SELECTORS, VOWEL SEPARATOR
    (0x200B, 0x200F),  # ZERO WIDTH SPACE..RIGHT-TO-LEFT MARK
    (0x202A, 0x202E),  # bidi embeddings and overrides
    (0x2060, 0x206F),  # WORD JOINER..NOMINAL DIGIT SHAPES (invisible operators, bidi isolates)
    (0x3164, 0x3164),  # HANGUL FILLER
    (0xFE00, 0xFE0F),  # VARIATION SELECTOR-1..16
    (0xFEFF, 0xFEFF),  # ZERO WIDTH NO-BREAK SPACE
    (0xFFA0, 0xFFA0),  # HALFWIDTH HANGUL FILLER
    (0xFFF0, 0xFFF8),  # unassigned, reserved as ignorable
    (0x1BCA0, 0x1BCA3),  # SHORTHAND FORMAT CONTROLS
    (0x1D173, 0x1D17A),  # MUSICAL SYMBOL BEGIN BEAM..END PHRASE
    (0xE0000, 0xE0FFF),  # tags, VARIATION SELECTOR-17..256, reserved
)


def _class(ranges) -> str:
    return "".join(f"\\U{a:08x}-\\U{b:08x}" for a, b in ranges)


_DEFAULT_IGNORABLE = re.compile(f"[{_class(DEFAULT_IGNORABLE_RANGES)}]")
_SPACES = re.compile(r"\s+")


def is_invisible(ch: str) -> bool:
    """A Default_Ignorable_Code_Point or a format character (Cf): what text_normalise removes."""
    return bool(_DEFAULT_IGNORABLE.match(ch)) or unicodedata.category(ch) == "Cf"


def _ranges_class(points) -> str:
    ranges, start, prev = [], None, None
    for cp in sorted(points):
        if start is None:
            start = prev = cp
        elif cp == prev + 1:
            prev = cp
        else:
            ranges.append((start, prev))
            start = prev = cp
    if start is not None:
        ranges.append((start, prev))
    return _class(ranges)


@lru_cache(maxsize=1)
def _invisible_classes() -> tuple[re.Pattern, re.Pattern]:
    """(exact, quick): `exact` is every character invisible_strip removes (the Default_Ignorable ranges and
    every Cf code point of this Python's Unicode); `quick` is its Basic Multilingual Plane part plus every
    code point beyond it, a class `re` tests by one bitmap lookup per character. A text `quick` finds nothing
    in holds nothing to remove and is returned untouched (issue 13: this pass was the filter's main cost)."""
    points = {cp for a, b in DEFAULT_IGNORABLE_RANGES for cp in range(a, b + 1)}
    points.update(cp for cp in range(0x80, sys.maxunicode + 1) if unicodedata.category(chr(cp)) == "Cf")
    exact = re.compile(f"[{_ranges_class(points)}]")
    quick = re.compile(f"[{_ranges_class(p for p in points if p <= 0xFFFF)}\U00010000-\U0010ffff]")
    return exact, quick


def invisible_strip(text: str) -> str:
    """`text` without its default-ignorable and format characters, nothing else changed (a step of
    text_normalise and of rule_fold, the rule-matching form)."""
    return _strip_invisible(text or "")


def _strip_invisible(text: str) -> str:
    if text.isascii():  # ASCII holds no default-ignorable or format character (O(1) in CPython)
        return text
    exact, quick = _invisible_classes()
    return exact.sub("", text) if quick.search(text) else text


# NFKC mappings that hold whatever the neighbours (a starter to starters that compose with nothing): done by
# str.replace, so the usual Thai text (SARA AM in most words) and text with NBSP pass NFKC's quick check after.
_NFKC_CONTEXT_FREE = (("\u0e33", "\u0e4d\u0e32"), ("\u0eb3", "\u0ecd\u0eb2"), ("\u00a0", " "))


def _special_fold(ch: str) -> bool:
    folded = ch.casefold()
    return folded != ch.lower() or len(folded) != 1 or len(ch.lower()) != 1


@lru_cache(maxsize=1)
def _rule_fold_quick() -> re.Pattern:
    """One class for rule_fold's second pass: the BMP invisible characters, every character whose full case
    fold is not what a case-insensitive engine already equates with it (`ß` -> `ss`, `İ`, `ς`, `ſ`, Cherokee:
    casefold() differs from lower() or is several characters: `İ`), and every code point beyond the BMP. Written out code point by code
    point, so `re` tests it with one bitmap lookup per character; a text it finds nothing in is left as is."""
    exact, _quick = _invisible_classes()
    points = {cp for cp in range(0x80, 0x10000) if exact.match(chr(cp))}
    points.update(cp for cp in range(0x80, 0x10000) if _special_fold(chr(cp)))
    return re.compile(f"[{_ranges_class(points)}\\U00010000-\\U0010ffff]")


def rule_fold(text: str) -> str:
    """Issue 13: the form rules are matched in (`risk_db.patterns.match_text`: the filter, the scorer, the queue):
    NFKC, default-ignorable and format characters removed, case folded, NFKC again where folding expanded a
    character; text_normalise without the whitespace collapse (so a pattern's `\\s{2}` keeps its meaning).
    Case is folded where it matters: every engine (Hyperscan, RE2, the `re` reference) matches case-insensitively,
    so a text is case-folded only when it holds a character whose full fold differs from its lower case
    (`ß` -> `ss`); otherwise the engines' case-insensitivity is the same fold. ASCII text is returned as it is.
    Fast for the usual text: each pass is skipped when its quick check finds nothing to do."""
    text = text or ""
    if text.isascii():
        return text
    for old, new in _NFKC_CONTEXT_FREE:
        if old in text:
            text = text.replace(old, new)
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    if not _rule_fold_quick().search(text):
        return text  # no invisible character, no special case fold, nothing beyond the BMP
    return _rule_fold_rest(text)


def _rule_fold_rest(text: str) -> str:
    """rule_fold after NFKC, for a text its quick check flagged."""
    text = _strip_invisible(text)
    folded = text.casefold()
    if len(folded) != len(text) or not unicodedata.is_normalized("NFKC", folded):
        folded = _strip_invisible(unicodedata.normalize("NFKC", folded))  # ß -> ss, ǰ -> j + caron: may compose
    return folded


# Batches: texts joined by U+FFFF (a noncharacter: NFKC keeps it, it composes with nothing, no rule matches it),
# normalised once by C-level calls, split again. Below this many characters the per-text path is as fast.
BATCH_SEPARATOR = "\uffff"
BATCH_MIN_CHARS = 20_000


def code_point_table(pattern: re.Pattern) -> np.ndarray:
    """A bool per code point (0 .. U+10FFFF): True where `pattern` (a one-character class without NUL) matches.
    Built in one C-level `sub` over every code point; looked up with numpy instead of the regex on long texts."""
    every = np.arange(sys.maxunicode + 1, dtype=np.uint32).tobytes().decode("utf-32-le", "surrogatepass")
    marked = pattern.sub("\x00", every).encode("utf-32-le", "surrogatepass")
    table = np.frombuffer(marked, dtype=np.uint32) == 0
    table[0] = False
    return table


def code_points(text: str) -> np.ndarray:
    """`text` as a numpy array of code points (read-only; one C-level encode)."""
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


@lru_cache(maxsize=1)
def _rule_fold_table() -> np.ndarray:
    """Where rule_fold's quick check (`_rule_fold_quick`) fires, per code point."""
    return code_point_table(_rule_fold_quick())


def _batch_nfkc(texts: list[str]) -> tuple[str, list[str]] | None:
    """The batch pass's first steps, shared by rule_fold_many and rule_fold_batch: (the texts joined by
    BATCH_SEPARATOR with the context-free replacements and NFKC done once, the same split per text). NFKC of the
    joined text is the texts' NFKC joined: the separator is a starter that composes with nothing. An ASCII batch
    comes back as it is. None: fold per text (a small batch, or one that holds the separator)."""
    joined = BATCH_SEPARATOR.join(texts)
    if len(joined) < BATCH_MIN_CHARS or joined.count(BATCH_SEPARATOR) != len(texts) - 1:
        return None
    if joined.isascii():
        return joined, list(texts)
    for old, new in _NFKC_CONTEXT_FREE:
        if old in joined:
            joined = joined.replace(old, new)
    if not unicodedata.is_normalized("NFKC", joined):
        joined = unicodedata.normalize("NFKC", joined)
    parts = joined.split(BATCH_SEPARATOR)
    if len(parts) != len(texts):  # cannot happen (NFKC makes no U+FFFF); stay exact anyway
        return None
    return joined, parts


def _texts_at(codes: np.ndarray, positions: np.ndarray) -> list[int]:
    """Which texts of a joined batch (`codes`, its code points) hold the code points at `positions`."""
    separators = np.flatnonzero(codes == ord(BATCH_SEPARATOR))
    return np.unique(np.searchsorted(separators, positions)).tolist()


def rule_fold_many(texts: list[str]) -> list[str]:
    """`[rule_fold(t) for t in texts]`, exactly, in a few C-level passes for a batch (issue 13: the bulk filter
    and the scorer): the texts joined by BATCH_SEPARATOR, the context-free replacements and NFKC done once
    (`_batch_nfkc`), the quick check by one table lookup per character; only the texts it flags (invisible
    characters, special case folds, anything beyond the BMP) finish alone. Per text for a small batch or one
    that holds the separator."""
    batch = _batch_nfkc(texts)
    if batch is None:
        return [rule_fold(t) for t in texts]
    joined, parts = batch
    if joined.isascii():  # O(1) in CPython
        return parts
    codes = code_points(joined)
    flags = np.take(_rule_fold_table(), codes)
    if flags.any():  # each flagged text (already NFKC, as rule_fold has it by then) finishes alone
        for i in _texts_at(codes, np.flatnonzero(flags)):
            parts[i] = _rule_fold_rest(parts[i])
    return parts


# In a rule_fold_batch table: rule_fold's quick check fires at this code point. Code points need 21 bits, so
# a table may carry a code point of its own (the word form's: the character or a space) below the mark.
FOLD_MARK = 1 << 31


def rule_fold_marked(values: np.ndarray) -> np.ndarray:
    """A rule_fold_batch table: `values` (uint32 per code point, 0 .. U+10FFFF, each below FOLD_MARK) with
    FOLD_MARK added where rule_fold's quick check fires."""
    return values.astype(np.uint32) | (_rule_fold_table().astype(np.uint32) << 31)


def rule_fold_batch(texts: list[str], table: np.ndarray) -> tuple[list[str], np.ndarray | None]:
    """(`rule_fold_many(texts)`, `table` (a `rule_fold_marked` table) at each code point of the folded texts
    joined by BATCH_SEPARATOR, FOLD_MARK cleared; None where the batch was folded per text or is ASCII: one ASCII text).
    The one lookup per character that rule_fold_many needs for its quick check also gives a caller its own
    per-character pass over the folded batch (the word form, `risk_db.patterns.match_texts_words`) without
    joining, encoding and looking up again (issue 13). A flagged text finishes alone and its part is looked
    up again from its folded form."""
    batch = _batch_nfkc(texts)
    if batch is None:
        return [rule_fold(t) for t in texts], None
    joined, parts = batch
    if joined.isascii():
        return parts, None
    codes = code_points(joined)
    looked = np.take(table, codes)
    if looked.max() >= FOLD_MARK:
        looked = _refold_flagged(parts, codes, looked, table)
    return parts, looked


def _refold_flagged(parts: list[str], codes: np.ndarray, looked: np.ndarray, table: np.ndarray) -> np.ndarray:
    """rule_fold_batch for a batch with flagged texts: each finishes alone (`_rule_fold_rest`, in `parts`) and its
    stretch of `looked` is replaced by the lookup of its folded form, mark cleared (a folded text may still
    hold marked characters: an emoji stays one)."""
    flagged = _texts_at(codes, np.flatnonzero(looked >= FOLD_MARK))
    bounds = np.concatenate(([-1], np.flatnonzero(codes == ord(BATCH_SEPARATOR)), [len(codes)])).tolist()
    pieces, at = [], 0
    for i in flagged:
        parts[i] = _rule_fold_rest(parts[i])
        pieces.append(looked[at : bounds[i] + 1])
        pieces.append(np.take(table, code_points(parts[i])) & (FOLD_MARK - 1))
        at = bounds[i + 1]
    pieces.append(looked[at:])
    return np.concatenate(pieces)


def text_normalise(text: str) -> str:
    """SH-3: the one form texts are compared in (risk tagging, rule matching, the lexicon, the block
    list): NFKC, every Default_Ignorable_Code_Point and format character (Cf) removed, case-folded,
    NFKC again (removing a character or folding case can leave a sequence that composes), runs of
    whitespace collapsed to one space. Idempotent."""
    text = _strip_invisible(unicodedata.normalize("NFKC", text or ""))
    text = _strip_invisible(unicodedata.normalize("NFKC", text.casefold()))
    return _SPACES.sub(" ", text)


_LEGACY_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))


def dedupe_normalise(text: str) -> str:
    """IN-1 dedupe keys only: the form stored keys were computed in before issue 11 (NFC, five
    zero-width characters removed, case-folded, spaces collapsed), frozen so that a re-delivery of an
    item stored earlier still finds its key. Matching uses text_normalise."""
    text = unicodedata.normalize("NFC", text or "").translate(_LEGACY_ZERO_WIDTH).casefold()
    return re.sub(r"\s+", " ", text)


_ARABIC_MARKS = re.compile("[\u0640\u064b-\u065f\u0670]")  # tatweel, harakat
_EDGE = re.compile(r"^[\W_]+|[\W_]+$")


def token_normalise(term: str) -> str:
    """RK-2: text_normalise, then Arabic tatweel and harakat removed and punctuation trimmed from the
    ends. Thai tone marks are kept: they change the word."""
    text = _ARABIC_MARKS.sub("", text_normalise(term))
    return _EDGE.sub("", text.strip())


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
    character is normalised on its own (as text_normalise does) and mapped back, so a term hidden behind
    invisible characters,
    other case or extra spaces is still found in the text as written."""
    text = unicodedata.normalize("NFC", text or "")
    chars: list[str] = []
    origin: list[int] = []
    for i, ch in enumerate(text):
        if is_invisible(ch):
            continue
        if ch.isspace():
            if chars and chars[-1] == " ":
                continue
            folded = " "
        else:
            folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", ch).casefold())
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
