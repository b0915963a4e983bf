"""RK-4 / MH-1: what a rule's pattern means, per script, and its translation for the engines.

The rule (documented for seniors in docs/patterns.md):
- Texts are matched in `match_text` form (`core.text.rule_fold`: NFKC, invisible characters removed, case
  folded) and a pattern's literal characters are folded the same way first (`pattern_fold`, issue 13).
- Patterns are RE2 syntax, matched case-insensitively, Unicode-aware: `\\w` is a letter, number
  or underscore of any script, `\\d` a decimal digit of any script, `\\s` any Unicode space.
- A word character, for boundaries, is a letter, a combining mark (Thai vowel signs, Arabic
  harakat), a number or `_`.
- `\\b` is allowed at the start and the end of the pattern (or of a top-level `|` branch) and
  means "no word character touches the match on that side". It is not allowed elsewhere, nor
  is `\\B`: such a pattern is reported and skipped, never silently.
- Thai (and other scripts written without spaces: Lao, Khmer, Myanmar, CJK, kana) has no word
  boundaries in the text, so a `\\b` next to a literal letter of such a script is dropped: the
  term matches inside a run of Thai text.

Translation: `prefilter` (boundaries removed, for Hyperscan in UTF8|UCP mode: a superset of the
matches), `confirm` (RE2 with the boundaries written out as Unicode classes, run only on posts the
prefilter flagged and only when the pattern has a boundary) and `reference` (Python `re` with
lookarounds: the slow, obviously-right definition the tests compare against).
"""

from __future__ import annotations

import codecs
import re
import sys
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import hyperscan
import numpy as np
import re2
from django.conf import settings

from core.text import (
    BATCH_MIN_CHARS,
    code_point_table,
    code_points,
    rule_fold,
    rule_fold_batch,
    rule_fold_many,
    rule_fold_marked,
)


class PatternUnsupported(ValueError):
    """The pattern uses a construct whose meaning across scripts we do not define."""


NO_SPACE_SCRIPTS = ("THAI", "LAO", "KHMER", "MYANMAR", "CJK", "HIRAGANA", "KATAKANA", "TIBETAN")
RE2_WORD = r"\pL\pM\pN_"
RE2_BODY_CLASS = {"w": r"\pL\pN_", "d": r"\p{Nd}", "s": r"\t\n\v\f\r\p{Z}"}
RE2_BODY_NEG = {"W": "w", "D": "d", "S": "s"}


@dataclass(frozen=True)
class Token:
    kind: str  # lit, esc, class, open, close, alt, quant, other
    text: str


@dataclass(frozen=True)
class Translated:
    prefilter: str
    confirm: str | None  # None: the prefilter's answer is final
    reference: str
    boundaries: bool
    confirm_on_word_text: bool = False  # the body matches word characters only
    words_pattern: str | None = None  # exact pattern for Hyperscan on the framed word_text(text) (engine)
    re2_unicode: str = ""  # the whole rule as one RE2 pattern on raw text, same meaning (risk_db's index, the queue)


class _WordTable(dict):
    """str.translate table: every non-word character (not a letter, mark, number or `_`) -> space."""

    def __missing__(self, cp: int):
        ch = chr(cp)
        value = ch if ch == "_" or unicodedata.category(ch)[0] in "LMN" else " "
        self[cp] = value
        return value


_WORD_TABLE = _WordTable()


def match_text(text: str) -> str:
    """The form every rule is matched against (SH-3, issue 11, issue 13): `core.text.rule_fold`, the one
    normaliser's form without the whitespace collapse: NFKC, default-ignorable and format characters removed,
    case folded. Patterns are folded the same way (`pattern_fold`: their literal characters), so a full-width,
    ligature, upper-case or invisible-character spelling of a rule's term is still the term."""
    return rule_fold(text)


def match_texts(texts: list[str]) -> list[str]:
    """`[match_text(t) for t in texts]`, exactly, in a few C-level passes for a batch (`rule_fold_many`)."""
    return rule_fold_many(texts)


def word_text(text: str) -> str:
    """`text` with each non-word character replaced by a space (same length, same offsets)."""
    return text.translate(_WORD_TABLE)


_ASCII_WORD_TABLE = bytes(c if (chr(c).isalnum() or c == 0x5F) else 0x20 for c in range(128)) + bytes(range(128, 256))


@lru_cache(maxsize=1)
def _non_word_classes() -> tuple[re.Pattern, re.Pattern, re.Pattern]:
    """(exact, bmp, astral): `exact` is every non-ASCII non-word character (not a letter, mark, number or
    `_`) except U+FFFF (the engine's post separator); `bmp` is its Basic Multilingual Plane part written out
    code point by code point (one bitmap lookup per character in `re`, ~3x faster than `exact`'s `\\w` and
    ranges); `astral` finds a character beyond the BMP, the only case `bmp` would miss."""
    marks, start, prev = [], None, None
    for cp in range(0x80, sys.maxunicode + 1):
        ok = unicodedata.category(chr(cp))[0] == "M"
        if ok and start is None:
            start = cp
        elif not ok and start is not None:
            marks.append((start, prev))
            start = None
        prev = cp
    cls = "".join(f"\\U{a:08x}-\\U{b:08x}" for a, b in marks)
    exact = re.compile(f"[^\\x00-\\x7f\\w{cls}\\uffff]")
    bmp_chars = (chr(c) for c in range(0x80, 0xFFFF) if unicodedata.category(chr(c))[0] not in "LMN")
    bmp = re.compile("[" + re.escape("".join(bmp_chars)) + "]")
    return exact, bmp, re.compile("[\\U00010000-\\U0010ffff]")


@lru_cache(maxsize=1)
def _non_word_table() -> np.ndarray:
    """`_non_word_classes`' exact class per code point, for long texts (a batch)."""
    return code_point_table(_non_word_classes()[0])


def non_word_spaces(text: str) -> str:
    """Every non-ASCII non-word character of `text` -> a space (ASCII ones are left to a byte table). A long
    text (a batch joined) by one table lookup per character in numpy: ~2x the regex pass (issue 13)."""
    if text.isascii():
        return text
    if len(text) >= BATCH_MIN_CHARS:
        codes = code_points(text).copy()
        np.putmask(codes, np.take(_non_word_table(), codes), 0x20)
        return codes.tobytes().decode("utf-32-le", "surrogatepass")
    exact, bmp, astral = _non_word_classes()
    return (exact if astral.search(text) else bmp).sub(" ", text)


def word_bytes(text: str) -> bytes:
    """UTF-8 of word_text(text), fast: ASCII by a byte table, other non-word characters (Arabic
    comma, NBSP, guillemets ...) by one regex pass, only when the post has any."""
    return non_word_spaces(text).encode("utf-8", "surrogatepass").translate(_ASCII_WORD_TABLE)


@lru_cache(maxsize=1)
def _match_word_table() -> np.ndarray:
    """Per code point, what word_bytes makes of it (the code point itself, or a space: ASCII by
    `_ASCII_WORD_TABLE`, the rest by `_non_word_table`), with rule_fold's quick-check mark (`rule_fold_marked`):
    the normaliser's lookup and the word form's in one (`match_texts_words`)."""
    values = np.arange(sys.maxunicode + 1, dtype=np.uint32)
    values[_non_word_table()] = 0x20
    values[:128] = np.frombuffer(_ASCII_WORD_TABLE[:128], dtype=np.uint8)
    return rule_fold_marked(values)


def match_texts_words(texts: list[str]) -> tuple[list[str], bytes | None]:
    """(`match_texts(texts)`, `word_bytes` of those joined by U+FFFF, or None where the batch pass did not
    run: a small batch, one holding U+FFFF, one ASCII text). Issue 13: the bulk filter and the scorer need both;
    the word form comes from the normaliser's own table lookup (`core.text.rule_fold_batch`), so the batch is
    not joined, encoded and looked up a second time, and from code points to UTF-8 in one decode, one encode."""
    folded, words = rule_fold_batch(texts, _match_word_table())
    if words is None:
        return folded, None
    return folded, codecs.utf_32_le_decode(words, "surrogatepass")[0].encode("utf-8", "surrogatepass")


_WORD_ESCAPES = {"\\w", "\\d", "\\pL", "\\pN", "\\pM"}


def _word_only(body: list[Token]) -> bool:
    """True when every character the body can match is a word character, so that matching it on
    word_text() gives the same answer and the boundaries become plain spaces (cheap for RE2)."""
    for t in body:
        if t.kind == "lit":
            if not (t.text == "_" or unicodedata.category(t.text)[0] in "LMN"):
                return False
        elif t.kind == "esc":
            if not (t.text in _WORD_ESCAPES or t.text.startswith(("\\p{L", "\\p{N", "\\p{M"))):
                return False
        elif t.kind == "class":
            inner = t.text[1:-1]
            if inner.startswith("^") or "\\" in inner.replace("\\w", "").replace("\\d", ""):
                return False
            if not all(
                c == "-" or c == "_" or unicodedata.category(c)[0] in "LMN"
                for c in inner.replace("\\w", "").replace("\\d", "")
            ):
                return False
        elif t.kind == "open":
            if t.text not in ("(", "(?:"):
                return False
        elif t.kind not in ("close", "alt", "quant"):
            return False
    return True


def _tokenize(p: str) -> list[Token]:
    toks: list[Token] = []
    i, n = 0, len(p)
    while i < n:
        c = p[i]
        if c == "\\":
            if i + 1 >= n:
                raise PatternUnsupported("the pattern ends with a lone backslash")
            d = p[i + 1]
            j = i + 2
            if d in "pPx" and j < n and p[j] == "{":
                k = p.find("}", j)
                if k < 0:
                    raise PatternUnsupported(f"unclosed \\{d}{{ at position {i}")
                j = k + 1
            elif d in "pP" and j < n:
                j += 1
            elif d == "x":
                j = min(n, j + 2)
            toks.append(Token("esc", p[i:j]))
            i = j
        elif c == "[":
            j = i + 1
            if j < n and p[j] == "^":
                j += 1
            if j < n and p[j] == "]":
                j += 1
            while j < n and p[j] != "]":
                if p[j] == "\\":
                    j += 2
                elif p.startswith("[:", j):
                    k = p.find(":]", j + 2)
                    j = k + 2 if k >= 0 else j + 1
                else:
                    j += 1
            if j >= n:
                raise PatternUnsupported(f"unclosed character class at position {i}")
            toks.append(Token("class", p[i : j + 1]))
            i = j + 1
        elif c == "(":
            j = i + 1
            if p.startswith("?", j):
                k = j + 1
                if p.startswith("P<", k):
                    k = p.find(">", k) + 1
                else:
                    while k < n and p[k] not in ":)":
                        k += 1
                    k += 1
                j = k
            toks.append(Token("open", p[i:j]))
            i = j
        elif c == ")":
            toks.append(Token("close", c))
            i += 1
        elif c == "|":
            toks.append(Token("alt", c))
            i += 1
        elif c in "*+?":
            j = i + 1
            if j < n and p[j] in "?+":
                j += 1
            toks.append(Token("quant", p[i:j]))
            i = j
        elif c == "{" and i + 1 < n and (p[i + 1].isdigit() or p[i + 1] == ","):
            k = p.find("}", i)
            j = (k + 1) if k >= 0 else i + 1
            if j < n and p[j] == "?":
                j += 1
            toks.append(Token("quant", p[i:j]))
            i = j
        elif c in "^$.":
            toks.append(Token("other", c))
            i += 1
        else:
            toks.append(Token("lit", c))
            i += 1
    return toks


def _branches(toks: list[Token]) -> list[list[Token]]:
    out, cur, depth = [], [], 0
    for t in toks:
        if t.kind == "open":
            depth += 1
        elif t.kind == "close":
            depth -= 1
            if depth < 0:
                raise PatternUnsupported("unbalanced ')'")
        if t.kind == "alt" and depth == 0:
            out.append(cur)
            cur = []
        else:
            cur.append(t)
    if depth:
        raise PatternUnsupported("unbalanced '('")
    out.append(cur)
    return out


def _is_boundary(t: Token) -> bool:
    return t.kind == "esc" and t.text == "\\b"


def _no_space_script(t: Token | None) -> bool:
    if t is None or t.kind != "lit" or unicodedata.category(t.text)[0] not in "LM":
        return False
    return unicodedata.name(t.text, "").split(" ", 1)[0] in NO_SPACE_SCRIPTS


def _edge_literal(body: list[Token], *, left: bool) -> Token | None:
    if not body:
        return None
    if left:
        return body[0]
    i = len(body) - 1
    while i >= 0 and body[i].kind == "quant":
        i -= 1
    return body[i] if i >= 0 else None


def _re2_body(body: list[Token]) -> str:
    parts = []
    for t in body:
        if t.kind == "esc" and len(t.text) == 2 and t.text[1] in RE2_BODY_CLASS:
            parts.append(f"[{RE2_BODY_CLASS[t.text[1]]}]")
        elif t.kind == "esc" and len(t.text) == 2 and t.text[1] in RE2_BODY_NEG:
            parts.append(f"[^{RE2_BODY_CLASS[RE2_BODY_NEG[t.text[1]]]}]")
        elif t.kind == "class":
            inner = t.text
            for neg in RE2_BODY_NEG:
                if "\\" + neg in inner:
                    raise PatternUnsupported(
                        f"\\{neg} inside a character class is not supported; write the class out (e.g. [^...])"
                    )
            for pos, repl in RE2_BODY_CLASS.items():
                inner = inner.replace("\\" + pos, repl)
            parts.append(inner)
        else:
            parts.append(t.text)
    return "".join(parts)


@lru_cache(maxsize=1)
def python_word_class() -> str:
    """The word-character set (letters, marks, numbers, `_`) as a Python `re` class body."""
    ranges, start, prev = [], None, None
    for cp in range(sys.maxunicode + 1):
        ch = chr(cp)
        ok = ch == "_" or unicodedata.category(ch)[0] in "LMN"
        if ok and start is None:
            start = cp
        elif not ok and start is not None:
            ranges.append((start, prev))
            start = None
        prev = cp
    if start is not None:
        ranges.append((start, prev))
    return "".join(f"\\U{a:08x}" if a == b else f"\\U{a:08x}-\\U{b:08x}" for a, b in ranges)


_META = set("\\.^$|?*+()[]{}")
_CLASS_META = set("\\]^-[")


def _lit_out(text: str) -> str:
    """Folded literal characters written back into a pattern: metacharacters (a full-width `＋` folds to `+`)
    escaped, so they stay literal."""
    return "".join("\\" + c if c in _META else c for c in text)


def _class_fold(cls: str) -> str:
    """Fold the literal characters of a character class (escapes, `\\p{..}` and `[:name:]` untouched); a
    character that folds to several (the ligature `ﬁ`) cannot be a class member: refused, with the reason."""
    out, i, n = [], 1, len(cls) - 1
    if cls.startswith("[^"):
        i = 2
    out.append(cls[:i])
    while i < n:
        c = cls[i]
        if c == "\\":
            j = i + 2
            if cls[i + 1 : i + 2] in ("p", "P", "x") and cls[j : j + 1] == "{":
                j = cls.index("}", j) + 1
            elif cls[i + 1 : i + 2] in ("p", "P"):
                j += 1
            out.append(cls[i:j])
            i = j
            continue
        if cls.startswith("[:", i) and ":]" in cls[i:]:
            j = cls.index(":]", i) + 2
            out.append(cls[i:j])
            i = j
            continue
        folded = rule_fold(c)
        if len(folded) > 1:
            raise PatternUnsupported(
                f"the character {c!r} in a character class folds to {folded!r} (NFKC and case folding, "
                "docs/patterns.md); write it outside the class"
            )
        out.append(c if c in "-^" else "\\" + folded if folded in _CLASS_META else folded)
        i += 1
    out.append(cls[n:])
    return "".join(out)


@lru_cache(maxsize=65536)
def pattern_fold(pattern: str) -> str:
    """Issue 13: a pattern in the form texts are matched in (`match_text`): every literal character, and each
    run of literal characters together (NFKC composes across characters), NFKC-normalised, stripped of
    invisible characters and case-folded; escapes (`\\S`, `\\x{..}`, `\\.`) and class syntax untouched. A
    quantified literal that folds to several characters is grouped (`ß+` -> `(?:ss)+`); one that folds to
    nothing (an invisible character) is dropped with its quantifier."""
    toks = _tokenize(pattern)
    out: list[str] = []
    run: list[str] = []

    def flush() -> None:
        if run:
            out.append(_lit_out(rule_fold("".join(run))))
            run.clear()

    i = 0
    while i < len(toks):
        t = toks[i]
        quantified = i + 1 < len(toks) and toks[i + 1].kind == "quant"
        if t.kind == "lit" and not quantified:
            run.append(t.text)
        elif t.kind == "lit":
            flush()
            folded = rule_fold(t.text)
            if not folded:
                i += 2  # an invisible character and its quantifier: nothing in the text to match
                continue
            out.append(_lit_out(folded) if len(folded) == 1 else "(?:" + _lit_out(folded) + ")")
        else:
            flush()
            out.append(_class_fold(t.text) if t.kind == "class" else t.text)
        i += 1
    flush()
    return "".join(out)


@lru_cache(maxsize=65536)
def pattern_translate(pattern: str) -> Translated:
    """Translate a rule pattern per the rule in this module's docstring; raises PatternUnsupported."""
    if not pattern:
        raise PatternUnsupported("the pattern is empty")
    return _translate(pattern_fold(pattern))


def _words_branch(raw: str, left: bool, right: bool) -> str:
    """A word-only branch for Hyperscan on the framed word form (`engine.words_framed`: a space before and after
    each post, U+FFFF and the batch's post separator read as spaces): a `\\b` edge is a plain space, which
    Hyperscan matches ~2x faster than `(?:^|[ \\x{ffff}])` (issue 13). Exact because a post never starts or ends
    without a space beside it; a body that may match nothing included (two spaces, or one for a single edge)."""
    return (" " if left else "") + "(?:" + raw + ")" + (" " if right else "")


def _translate(pattern: str) -> Translated:
    if not pattern:
        raise PatternUnsupported("the pattern matches only invisible characters, which texts never hold")
    toks = _tokenize(pattern)
    pre, conf, ref, word_conf, word_hs = [], [], [], [], []
    any_boundary, all_word_only = False, True
    for branch in _branches(toks):
        left = bool(branch) and _is_boundary(branch[0])
        right = len(branch) > int(left) and _is_boundary(branch[-1])
        body = branch[int(left) : len(branch) - int(right)]
        for t in body:
            if t.kind == "esc" and t.text in ("\\b", "\\B"):
                raise PatternUnsupported(
                    f"{t.text} is only allowed at the start or end of the pattern (or of a "
                    f"top-level | branch); see docs/patterns.md"
                )
        if not body:
            raise PatternUnsupported("a branch of the pattern matches the empty string")
        if left and _no_space_script(_edge_literal(body, left=True)):
            left = False  # Thai and co.: no boundaries in the text, the term matches as a substring
        if right and _no_space_script(_edge_literal(body, left=False)):
            right = False
        any_boundary |= left or right
        raw = "".join(t.text for t in body)
        pre.append(raw)
        all_word_only &= _word_only(body)
        word_conf.append(("(?:^| )" if left else "") + "(?:" + _re2_body(body) + ")" + ("(?: |$)" if right else ""))
        word_hs.append(_words_branch(raw, left, right))
        conf.append(
            ("(?:^|[^" + RE2_WORD + "])" if left else "")
            + "(?:"
            + _re2_body(body)
            + ")"
            + ("(?:[^" + RE2_WORD + "]|$)" if right else "")
        )
        w = python_word_class()
        ref.append(("(?<![" + w + "])" if left else "") + "(?:" + raw + ")" + ("(?![" + w + "])" if right else ""))
    join = lambda parts: parts[0] if len(parts) == 1 else "|".join(f"(?:{p})" for p in parts)  # noqa: E731
    if not any_boundary:
        confirm = None
    else:
        confirm = join(word_conf) if all_word_only else join(conf)
    return Translated(
        prefilter=join(pre),
        confirm=confirm,
        reference=join(ref),
        boundaries=any_boundary,
        confirm_on_word_text=any_boundary and all_word_only,
        words_pattern=join(word_hs) if all_word_only else None,
        re2_unicode=join(conf),
    )


HS_FLAGS = hyperscan.HS_FLAG_UTF8 | hyperscan.HS_FLAG_UCP | hyperscan.HS_FLAG_CASELESS | hyperscan.HS_FLAG_SINGLEMATCH


def _re2_options():
    o = re2.Options()
    o.case_sensitive = False
    o.log_errors = False
    o.max_mem = settings.RISK_DB["RE2_MAX_MEM"]  # RK-4: the same budget the rule was accepted under
    return o


def _hs_compile(expressions: list[bytes], flags: int = HS_FLAGS):
    db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
    db.compile(
        expressions=expressions,
        ids=list(range(len(expressions))),
        elements=len(expressions),
        flags=[flags] * len(expressions),
    )
    return db


@lru_cache(maxsize=16384)
def _hs_single_error(expression: bytes) -> str | None:
    try:
        _hs_compile([expression])
    except hyperscan.error as exc:
        return str(exc)
    return None


def rule_matcher_check(pattern: str) -> str | None:
    """None when both engines accept `pattern` (after translation), else the reason."""
    try:
        t = pattern_translate(pattern)
    except PatternUnsupported as exc:
        return str(exc)
    err = _hs_single_error(t.prefilter.encode("utf-8"))
    if err:
        return f"Hyperscan refuses the pattern: {err}"
    if t.confirm is not None:
        try:
            re2.compile(t.confirm, _re2_options())
        except re2.error as exc:
            return f"RE2 refuses the pattern: {exc}"
    return None


def pattern_check(pattern: str) -> str | None:
    """For the approval form (RK-4): None when the scorer can run `pattern`, else the reason."""
    try:
        pattern_translate(pattern)
    except PatternUnsupported as exc:
        return str(exc)
    return rule_matcher_check(pattern)
