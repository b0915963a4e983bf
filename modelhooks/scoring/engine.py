"""MH-1: all rules compiled into one Hyperscan database (UTF8|UCP|CASELESS|SINGLEMATCH, linear time),
boundary confirmation by RE2 on the few flagged posts, embedding cosine as batched matrix products.

A rule the engines refuse is reported (`Engine.skipped`, with the reason) and skipped, never read as
"no match". Hyperscan either compiles a pattern into its automata or refuses it at compile time, so
no pattern can hang a worker at scan time (RK-4).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import lru_cache

import hyperscan
import numpy as np
import re2

from modelhooks.scoring.patterns import PatternUnsupported, pattern_translate

log = logging.getLogger(__name__)
HS_FLAGS = hyperscan.HS_FLAG_UTF8 | hyperscan.HS_FLAG_UCP | hyperscan.HS_FLAG_CASELESS | hyperscan.HS_FLAG_SINGLEMATCH


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


def _re2_options():
    o = re2.Options()
    o.case_sensitive = False
    o.log_errors = False
    o.max_mem = 64 << 20
    return o


def _hs_compile(expressions: list[bytes]):
    db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
    db.compile(expressions=expressions, ids=list(range(len(expressions))), elements=len(expressions),
               flags=[HS_FLAGS] * len(expressions))
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


class Engine:
    """Compiled from `risk_db.selectors.rules_for_scoring()`; immutable; cached per rule set."""

    def __init__(self, rules, *, cosine_threshold: float):
        self.rules = list(rules)
        self.cosine_threshold = cosine_threshold
        self.skipped: list[SkippedRule] = []
        self._states = [dict(r.shard_states) for r in self.rules]
        expressions: list[bytes] = []
        self._pattern_rule: list[int] = []  # hyperscan id -> rule index
        self._confirm: list = []  # hyperscan id -> RE2 regex or None
        for ri, r in enumerate(self.rules):
            try:
                t = pattern_translate(r.pattern)
                confirm = re2.compile(t.confirm, _re2_options()) if t.confirm is not None else None
            except (PatternUnsupported, re2.error) as exc:
                self._skip(r, str(exc))
                continue
            expressions.append(t.prefilter.encode("utf-8"))
            self._pattern_rule.append(ri)
            self._confirm.append(confirm)
        self._db = self._compile_valid(expressions)
        self._embeddings = self._embedding_matrices()

    def _skip(self, r, reason: str) -> None:
        log.warning("rule %s version %s skipped by the scorer: %s", r.rule_id, r.version_id, reason)
        self.skipped.append(SkippedRule(rule_id=r.rule_id, version_id=r.version_id, pattern=r.pattern, reason=reason))

    def _compile_valid(self, expressions: list[bytes]):
        """Compile all; if Hyperscan refuses the set, find the refused patterns by halving, report
        them, and compile the rest (its error names no pattern)."""
        if not expressions:
            return None
        try:
            return _hs_compile(expressions)
        except hyperscan.error:
            pass
        bad: set[int] = set()

        def find(ids: list[int]) -> None:
            try:
                _hs_compile([expressions[i] for i in ids])
            except hyperscan.error as exc:
                if len(ids) == 1:
                    bad.add(ids[0])
                    self._skip(self.rules[self._pattern_rule[ids[0]]], f"Hyperscan refuses the pattern: {exc}")
                    return
                mid = len(ids) // 2
                find(ids[:mid])
                find(ids[mid:])

        find(list(range(len(expressions))))
        keep = [i for i in range(len(expressions)) if i not in bad]
        self._pattern_rule = [self._pattern_rule[i] for i in keep]
        self._confirm = [self._confirm[i] for i in keep]
        return _hs_compile([expressions[i] for i in keep]) if keep else None

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
    def match(self, texts: list[str]) -> list[list[int]]:
        """Rule indexes whose pattern matches each text (the engine without shard mapping)."""
        out: list[list[int]] = []
        db = self._db
        if db is None:
            return [[] for _ in texts]
        confirm, to_rule = self._confirm, self._pattern_rule
        found: list[int] = []

        def on_match(pid, start, end, flags, ctx):
            found.append(pid)

        for text in texts:
            found.clear()
            db.scan(text.encode("utf-8", "surrogatepass"), match_event_handler=on_match)
            if not found:
                out.append([])
                continue
            out.append([to_rule[p] for p in found if confirm[p] is None or confirm[p].search(text)])
        return out

    def score_regex(self, texts: list[str], shard_ids: list[int]) -> list[Hit]:
        """Regex would-hits, mapped to rule versions live in each post's shard."""
        hits = []
        for i, rule_idx in enumerate(self.match(texts)):
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
                hits.append(Hit(int(pi), self.rules[ri].version_id, shard_ids[pi], state, "embedding",
                                float(sims[pi, ci])))
        return hits


_cache: dict = {}


def engine_for(rules, *, cosine_threshold: float) -> Engine:
    """One compiled engine per distinct rule set per process (a worker reuses it across batches)."""
    key = (cosine_threshold, tuple((r.version_id, r.pattern, r.embedder, r.shard_states) for r in rules))
    eng = _cache.get(key)
    if eng is None:
        _cache.clear()
        eng = _cache[key] = Engine(rules, cosine_threshold=cosine_threshold)
    return eng
