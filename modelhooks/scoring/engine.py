"""MH-1: all rules compiled into one Hyperscan database (UTF8|UCP|CASELESS|SINGLEMATCH, linear time),
boundary confirmation by RE2 on the few flagged posts, embedding cosine as batched matrix products.

A rule the engines refuse is reported (`Engine.skipped`, with the reason) and skipped, never read as
"no match". Hyperscan either compiles a pattern into its automata or refuses it at compile time, so
no pattern can hang a worker at scan time (RK-4).
"""

from __future__ import annotations

import gc
import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

import hyperscan
import numpy as np
import re2

from risk_db import patterns
from risk_db.patterns import (
    HS_FLAGS,
    PatternUnsupported,
    _hs_compile,
    _re2_options,
    pattern_translate,
    word_bytes,
    word_text,
)

log = logging.getLogger(__name__)


def match_text(text: str, ocr_text: str = "") -> str:
    """The form a post is matched in, by the live filter, the batch scorer and the queue alike: the post
    and its OCR text, in rule-matching form (`risk_db.patterns.match_text`: `core.text.rule_fold`, NFKC,
    invisible characters removed, case folded; pattern literals are folded the same way, docs/patterns.md)."""
    return patterns.match_text(text + ("\n" + ocr_text if ocr_text else ""))


def match_texts(texts: list[str]) -> list[str]:
    """`match_text` of many posts in one call, exactly the per-post form (`risk_db.patterns.match_texts`:
    the batch joined, normalised by a few C-level passes, split; only posts that need it folded alone)."""
    return patterns.match_texts(texts)


class FrozenEmptyList(list):
    """One shared empty list that refuses to change: the answer for the many texts nothing matched (renders and
    compares as `[]`; no list to build and collect per text, issue 13)."""

    def _refuse(self, *args, **kwargs):
        raise TypeError("the shared empty list cannot change")

    append = extend = insert = remove = pop = clear = sort = reverse = __setitem__ = __delitem__ = _refuse
    __iadd__ = __imul__ = _refuse


NO_MATCH = FrozenEmptyList()


def _add(out: list[list[int]], i: int, rule_index: int) -> None:
    if out[i] is NO_MATCH:
        out[i] = [rule_index]
    else:
        out[i].append(rule_index)


def _post_limits(buffer: bytes) -> np.ndarray:
    """End of each post in a framed batch buffer (`words_framed`), its separator included (the last: as if one
    followed): a match ending at `to` belongs to the first post whose limit >= `to`. Found by numpy at the
    separators' newlines (a word form has none: `_ASCII_WORD_TABLE` makes every one a space), no Python loop per
    post."""
    b = np.frombuffer(buffer, dtype=np.uint8)
    return np.append(np.flatnonzero(b == POST_SEPARATOR[1]) + 2, len(buffer) + 2)


def words_framed(words: bytes) -> bytes:
    """A word form (`word_bytes`; of a batch joined by U+FFFF: each U+FFFF its post separator) as the word-only
    patterns read it (`risk_db.patterns._words_branch`): each U+FFFF as POST_SEPARATOR, one space before and
    after, so every post starts and ends beside a space and a `\\b` edge is a plain space (issue 13). In one
    post's word form, U+FFFF (kept by word_bytes) reads as the space it always meant."""
    return b"".join((b" ", words.replace(POST_SEPARATOR_CHAR.encode("utf-8"), POST_SEPARATOR), b" "))


class WordBuffer(NamedTuple):
    """A batch in word form as the engine scans it: `buffer` the framed (`words_framed`) UTF-8 of `word_text` of
    the posts joined with U+FFFF, `limits` each post's end in it (`_post_limits`); both None when the batch is
    scanned post by post."""

    buffer: bytes | None
    limits: np.ndarray | None

    def post_bytes(self) -> Iterator[memoryview]:
        """Each post's part of `buffer` (its frame and separators left out): the bytes of `word_bytes(post)`."""
        ends = (self.limits - len(POST_SEPARATOR)).tolist()
        view = memoryview(self.buffer)
        return map(view.__getitem__, map(slice, [1, *self.limits[:-1].tolist()], ends))


def word_buffer(texts: list[str]) -> WordBuffer:
    """The batch joined with U+FFFF (a noncharacter, never in a stored post), non-word characters -> spaces
    once for all, encoded once, framed. One post (the live filter's single text), or a post holding U+FFFF (never
    from the database): no buffer, each post is scanned alone."""
    joined = POST_SEPARATOR_CHAR.join(texts)
    if len(texts) <= 1 or joined.count(POST_SEPARATOR_CHAR) != len(texts) - 1:
        return WordBuffer(None, None)
    buffer = words_framed(word_bytes(joined))
    return WordBuffer(buffer, _post_limits(buffer))


def match_words(texts: list[str]) -> tuple[list[str], WordBuffer]:
    """(`match_texts(texts)`, `word_buffer` of them) in one pass (`risk_db.patterns.match_texts_words`: the word
    form read from the normaliser's own lookup, issue 13); `word_buffer` itself where that pass did not run."""
    folded, buffer = patterns.match_texts_words(texts)
    if buffer is None or len(texts) <= 1:
        return folded, word_buffer(folded)
    buffer = words_framed(buffer)
    return folded, WordBuffer(buffer, _post_limits(buffer))


@dataclass(frozen=True)
class SkippedRule:
    rule_id: int
    version_id: int
    pattern: str
    reason: str


@dataclass(frozen=True)
class Hit:
    """One would-hit: a post matched a rule version that is live in the post's shard."""

    post_index: int
    version_id: int
    shard_id: int
    state: str
    matched_by: str  # regex / embedding
    score: float


# The word-only database scans a whole batch as one buffer: every match is reported (no SINGLEMATCH).
HS_FLAGS_ALL = HS_FLAGS & ~hyperscan.HS_FLAG_SINGLEMATCH
POST_SEPARATOR_CHAR = "\uffff"  # joins a batch's posts to normalise them (a noncharacter, never in a stored post)
POST_SEPARATOR = b" \n "  # between posts in the framed buffer: spaces at the posts' edges, a newline to find


@lru_cache(maxsize=65536)
def _re2_compiled(pattern: str):
    """Confirmation regexes, compiled on first use and shared by every engine of the process."""
    return re2.compile(pattern, _re2_options())


def _re2_syntax_check(pattern: str) -> None:
    """RE2 parses without building automata: cheap enough to run on every rule at engine build."""
    _re2_compiled(pattern)


class Engine:
    """Compiled from `risk_db.selectors.rules_for_scoring()`; immutable; cached per rule set."""

    def __init__(self, rules, *, cosine_threshold: float):
        self.rules = list(rules)
        self.cosine_threshold = cosine_threshold
        self.skipped: list[SkippedRule] = []
        self._states = [dict(r.shard_states) for r in self.rules]
        expressions: list[bytes] = []
        self._pattern_rule: list[int] = []  # hyperscan id -> rule index
        # hyperscan id -> None (final) or (confirm pattern, runs on word_text?), compiled lazily:
        # a rule's RE2 is built the first time the prefilter flags a post for it.
        self._confirm: list = []
        # Patterns whose body matches word characters only run exactly, with no confirmation, on
        # word_text(post) (non-word characters read as spaces, so `\b` is a literal space or an end).
        words_expr: list[bytes] = []
        self._words_rule: list[int] = []
        for ri, r in enumerate(self.rules):
            try:
                t = pattern_translate(r.pattern)
                if t.confirm is not None and t.words_pattern is None:
                    _re2_syntax_check(t.confirm)
            except (PatternUnsupported, re2.error) as exc:
                self._skip(r, str(exc))
                continue
            if t.words_pattern is not None:
                words_expr.append(t.words_pattern.encode("utf-8"))
                self._words_rule.append(ri)
                continue
            expressions.append(t.prefilter.encode("utf-8"))
            self._pattern_rule.append(ri)
            self._confirm.append(None if t.confirm is None else (t.confirm, t.confirm_on_word_text))
        self._words_db, self._words_rule = self._compile_valid(words_expr, self._words_rule, None, HS_FLAGS_ALL)
        self._db, self._pattern_rule = self._compile_valid(expressions, self._pattern_rule, self._confirm)
        self._embeddings = self._embedding_matrices()
        self._local = threading.local()  # per-thread Hyperscan scratch

    def _scratch(self, db):
        """Hyperscan scratch for `db` in this thread. One scratch per database is what `db.scan` uses by default,
        and two threads scanning with it at once fail (`ScratchInUseError`: the filter under gthread workers)."""
        per = getattr(self._local, "scratch", None)
        if per is None:
            per = self._local.scratch = {}
        scratch = per.get(id(db))
        if scratch is None:
            scratch = per[id(db)] = hyperscan.Scratch(db)
        return scratch

    def _skip(self, r, reason: str) -> None:
        log.warning("rule %s version %s skipped by the scorer: %s", r.rule_id, r.version_id, reason)
        self.skipped.append(SkippedRule(rule_id=r.rule_id, version_id=r.version_id, pattern=r.pattern, reason=reason))

    def _compile_valid(self, expressions: list[bytes], to_rule: list[int], side: list | None, flags: int = HS_FLAGS):
        """Compile all; if Hyperscan refuses the set, find the refused patterns by halving (its error
        names no pattern), report them, and compile the rest. Returns (db, id -> rule index)."""
        if not expressions:
            return None, []
        try:
            return _hs_compile(expressions, flags), to_rule
        except hyperscan.error:
            pass
        bad: set[int] = set()

        def find(ids: list[int]) -> None:
            try:
                _hs_compile([expressions[i] for i in ids], flags)
            except hyperscan.error as exc:
                if len(ids) == 1:
                    bad.add(ids[0])
                    self._skip(self.rules[to_rule[ids[0]]], f"Hyperscan refuses the pattern: {exc}")
                    return
                mid = len(ids) // 2
                find(ids[:mid])
                find(ids[mid:])

        find(list(range(len(expressions))))
        keep = [i for i in range(len(expressions)) if i not in bad]
        if side is not None:
            side[:] = [side[i] for i in keep]
        return (_hs_compile([expressions[i] for i in keep], flags) if keep else None), [to_rule[i] for i in keep]

    def _embedding_matrices(self) -> dict[str, tuple[np.ndarray, list[int]]]:
        groups: dict[str, list[int]] = {}
        for ri, r in enumerate(self.rules):
            if r.embedding and r.embedder:
                groups.setdefault(r.embedder, []).append(ri)
        out = {}
        for name, idx in groups.items():
            dims = {len(self.rules[i].embedding) for i in idx}
            if len(dims) != 1:
                for i in idx:
                    self._skip(self.rules[i], f"embedding sizes differ within embedder {name!r}: {sorted(dims)}")
                continue
            m = np.asarray([self.rules[i].embedding for i in idx], dtype=np.float32)
            norms = np.linalg.norm(m, axis=1, keepdims=True)
            norms[norms == 0] = 1.0
            out[name] = (m / norms, idx)
        return out

    @property
    def embedders(self) -> list[str]:
        return sorted(self._embeddings)

    # -- regex stage ------------------------------------------------------------------------------
    def match(self, texts: list[str], *, normalised: bool = False, words: WordBuffer | None = None) -> list[list[int]]:
        """Rule indexes whose pattern matches each text (the engine without shard mapping). `normalised`:
        the texts are already in `match_text` form (the filter normalises its batch once); `words`: their
        `word_buffer`, when the caller built it (the filter hashes its sampling from it too)."""
        out: list[list[int]] = [NO_MATCH] * len(texts)  # a text something matched gets its own list
        if not texts:
            return out
        if not normalised and self._words_db is not None and words is None:
            texts, words = match_words(texts)  # SH-3: rules see the normalised text (issue 11), one pass for both
        elif not normalised:
            texts = match_texts(texts)  # one pass for the batch
        if self._words_db is not None:
            self._match_words(texts, out, words or word_buffer(texts))
        if self._db is not None:
            self._match_each(texts, out)
        return out

    def _match_words(self, texts: list[str], out: list[list[int]], words: WordBuffer) -> None:
        """Word-only patterns, exact: the batch's `word_buffer`, scanned once. A word-only body cannot cross a
        separator and its edge consumes at most the separator's first space, so a match ending at `to` belongs to
        the first post whose end + len(separator) >= to."""
        if words.buffer is None:
            for i, t in enumerate(texts):
                self._match_words_one(t, out, i)
            return
        buffer, limits = words
        ends: list[int] = []
        ids: list[int] = []

        def on_match(pid, start, to, flags, ctx):  # as little as possible per event; mapped after the scan
            ends.append(to)
            ids.append(pid)

        self._words_db.scan(buffer, match_event_handler=on_match, scratch=self._scratch(self._words_db))
        words_rule, seen = self._words_rule, set()
        for key in zip(np.searchsorted(limits, ends).tolist(), map(words_rule.__getitem__, ids)):
            if key not in seen:
                seen.add(key)
                _add(out, *key)

    def _match_words_one(self, text: str, out: list[list[int]], i: int) -> None:
        seen = set()

        def on_match(pid, start, to, flags, ctx):
            if pid not in seen:
                seen.add(pid)
                _add(out, i, self._words_rule[pid])

        self._words_db.scan(
            words_framed(word_bytes(text)),  # the UTF-8 of word_text(text), framed
            match_event_handler=on_match,
            scratch=self._scratch(self._words_db),
        )

    def _match_each(self, texts: list[str], out: list[list[int]]) -> None:
        """Other patterns, post by post: the prefilter, then RE2 confirms `\\b` edges on flagged posts."""
        db, confirm, to_rule = self._db, self._confirm, self._pattern_rule
        found: list[int] = []

        def on_match(pid, start, end, flags, ctx):
            found.append(pid)

        scratch = self._scratch(db)
        for i, text in enumerate(texts):
            found.clear()
            db.scan(text.encode("utf-8", "surrogatepass"), match_event_handler=on_match, scratch=scratch)
            words = None
            for p in found:
                c = confirm[p]
                if c is None:
                    _add(out, i, to_rule[p])
                    continue
                pattern, on_words = c
                if on_words and words is None:
                    words = word_text(text)
                if _re2_compiled(pattern).search(words if on_words else text):
                    _add(out, i, to_rule[p])

    def score_regex(self, texts: list[str], shard_ids: list[int], *, normalised: bool = False) -> list[Hit]:
        """Regex would-hits, mapped to rule versions live in each post's shard (`normalised`: as `match`)."""
        hits = []
        for i, rule_idx in enumerate(self.match(texts, normalised=normalised)):
            for ri in rule_idx:
                state = self._states[ri].get(shard_ids[i])
                if state is not None:
                    hits.append(Hit(i, self.rules[ri].version_id, shard_ids[i], state, "regex", 1.0))
        return hits

    # -- embedding stage --------------------------------------------------------------------------
    def score_embeddings(self, vectors: np.ndarray, embedder: str, shard_ids: list[int]) -> list[Hit]:
        """Cosine of unit post vectors (n, d) against rule vectors of the same embedder, one matrix
        product per call; hits at or above the threshold, mapped to shards as the regex stage."""
        if embedder not in self._embeddings or len(vectors) == 0:
            return []
        m, idx = self._embeddings[embedder]
        if vectors.shape[1] != m.shape[1]:
            raise ValueError(f"post vectors have {vectors.shape[1]} dims, rules of {embedder!r} have {m.shape[1]}")
        sims = vectors @ m.T
        hits = []
        for pi, ci in zip(*np.nonzero(sims >= self.cosine_threshold)):
            ri = idx[ci]
            state = self._states[ri].get(shard_ids[pi])
            if state is not None:
                hits.append(
                    Hit(int(pi), self.rules[ri].version_id, shard_ids[pi], state, "embedding", float(sims[pi, ci]))
                )
        return hits


_cache: dict = {}


def engine_for(rules, *, cosine_threshold: float) -> Engine:
    """One compiled engine per distinct rule set per process (a worker reuses it across batches)."""
    key = (cosine_threshold, tuple((r.version_id, r.pattern, r.embedder, r.shard_states) for r in rules))
    eng = _cache.get(key)
    if eng is None:
        _cache.clear()
        eng = _cache[key] = Engine(rules, cosine_threshold=cosine_threshold)
        gc_settle(len(rules))
    return eng


def gc_settle(size: int) -> None:
    """After a long-lived structure is built (an engine, a loaded index: ~10^5 objects at 10,000 rules), move
    it out of the cyclic collector's generations: otherwise each full collection, which a batch of 10,000
    answers triggers, walks all of it again (issue 13: a third of the bulk filter's time). Refcounting still
    frees a replaced index; `gc.collect()` first so no garbage is kept. Small rule sets (tests, demo) skip it."""
    if size < 1000:
        return
    gc.collect()
    gc.freeze()
