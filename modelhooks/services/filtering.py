"""Issue 13 / RK-3: the live safety filter, answered from the index loaded in this process.

Each process holds one `LoadedIndex`: the live `IndexBuild`'s entries compiled by the scorer's engine
(`modelhooks.scoring.engine.Engine`, the same pattern meaning, docs/patterns.md) plus the locale -> shard
routing of that moment. A request reads only that object (one reference, swapped whole), never the rule
tables. The newest build is found by polling (`FILTER["POLL_SECONDS"]`, one indexed one-row query per
process; `modelhooks.tasks.filter_worker_start` runs the poll in a daemon thread of the server process). A build that
cannot be loaded leaves the previous index serving and raises an alert (`shards.services.alerts`).

Shadow on live traffic: every text is matched against the blocking and the shadow entries of its
shards; a sampled share (`FILTER["SHADOW_SAMPLE_RATE"]`, by a hash of the post id or text, so a text is
always in or always out) has its would-hits buffered in memory with the count of texts seen and sampled
per shard and hour; the buffer goes to a Celery task (`modelhooks.tasks.filter_shadow_record`) from the
daemon thread (`modelhooks.tasks.filter_worker_start`), never from the request.
"""

from __future__ import annotations

import gc
import hashlib
import logging
import threading
import uuid
import zlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import compress, repeat
from operator import attrgetter
from typing import NamedTuple

from django.conf import settings
from django.utils.translation import gettext as _

from core.errors import Refused
from modelhooks import hooks
from modelhooks.scoring.engine import (
    Engine,
    FrozenEmptyList,
    WordBuffer,
    gc_settle,
    match_text,
    match_words,
)
from modelhooks.selectors import filter_locale_routes
from risk_db.patterns import word_bytes
from risk_db.selectors import ScoringRule, index_build_live, index_build_newest_id

log = logging.getLogger(__name__)

BLOCKING = "blocking"
SHADOW_STATES = ("shadow", "shadow_only")


def filter_text(text: str, ocr_text: str = "") -> str:
    """The form the filter matches: the scorer's (`engine.match_text`, core.text's one normaliser)."""
    return match_text(text, ocr_text)


@dataclass(frozen=True)
class LoadedIndex:
    build_id: int | None
    fingerprint: str
    entries: list[dict]  # engine rule index -> index entry (rule_id, number, kind, min_sentiment, shards)
    engine: Engine | None
    routes: dict[str, tuple[tuple[int, str], ...]]  # locale code -> ((shard id, shard code), ...) own + global
    loaded_at: datetime
    skipped: tuple = ()
    # (engine rule index, locale) -> what that entry does in the locale's shards (`_entry_in_locale`), filled
    # on first use: the routes of one index never change, so a matched text only looks its rules up
    in_locale: dict = field(default_factory=dict, repr=False, compare=False)

    def match(self, texts: list[str], *, normalised: bool = False, words: WordBuffer | None = None) -> list[list[int]]:
        if self.engine is None:
            return [[] for _ in texts]
        return self.engine.match(texts, normalised=normalised, words=words)


def index_load(build) -> LoadedIndex:
    """Compile one build's entries with the scorer's engine (raises on a build the engine cannot load)."""
    entries = list(build.entries) if build is not None else []
    rules = [
        ScoringRule(
            rule_id=e["rule_id"],
            version_id=e["version_id"],
            pattern=e["pattern"],
            embedding=None,  # the filter is the regex stage; embeddings stay on the batch path (MH-1)
            embedder="",
            origin_locale="",
            shard_states=tuple(sorted(e["shards"].items())),
            kind=e.get("kind", "regex"),
            keyword=e.get("keyword", ""),
            min_sentiment=e.get("min_sentiment"),
        )
        for e in entries
    ]
    engine = Engine(rules, cosine_threshold=1.0) if rules else None
    return LoadedIndex(
        build_id=build.pk if build is not None else None,
        fingerprint=build.fingerprint if build is not None else "",
        entries=entries,
        engine=engine,
        routes=filter_locale_routes(),
        loaded_at=datetime.now(UTC),
        skipped=tuple(engine.skipped) if engine is not None else (),
    )


@dataclass
class _Holder:
    current: LoadedIndex | None = None
    failed: dict = field(default_factory=dict)  # build id -> why it could not be loaded
    lock: threading.Lock = field(default_factory=threading.Lock)


_holder = _Holder()


def filter_index_loaded() -> bool:
    """Whether this process has loaded an index (served a filter request, or its poll thread loaded one)."""
    return _holder.current is not None


def filter_index() -> LoadedIndex:
    """The index this process serves; the first call (before the poller ran) loads it."""
    current = _holder.current
    if current is None:
        filter_index_refresh()
        current = _holder.current
    return current


def filter_index_refresh() -> LoadedIndex | None:
    """Load the newest live build if it is not the one loaded; on failure keep the previous one and alert.
    Returns the index now serving."""
    with _holder.lock:
        newest = index_build_newest_id()
        current = _holder.current
        if current is not None and current.build_id == newest[0] and current.fingerprint == newest[1]:
            return current
        if newest[0] in _holder.failed and current is not None:
            return current
        try:
            loaded = index_load(index_build_live())
        except Exception as exc:  # any failure: the previous index keeps serving
            reason = f"{type(exc).__name__}: {exc}"
            _holder.failed[newest[0]] = reason
            log.exception("filter: index build %s could not be loaded; still serving %s", newest[0], current)
            _alert(newest[0], current, reason)
            if current is None:  # nothing to fall back to: serve an empty index, reported stale
                _holder.current = LoadedIndex(None, "", [], None, filter_locale_routes(), datetime.now(UTC))
            return _holder.current
        _holder.current = loaded  # one assignment: a request sees the old index or the new one
        gc_settle(len(loaded.entries))
        log.info("filter: serving index build %s (%d entries)", loaded.build_id, len(loaded.entries))
        return loaded


def _alert(build_id, current, reason: str) -> None:
    from shards.services.alerts import alert_raise  # on failure only

    serving = current.build_id if current is not None else "none"
    try:
        alert_raise(
            kind="filter_index_load",
            level="loud",
            params={"build": build_id, "reason": reason, "serving": serving},
        )
    except Exception:  # the alert must not take the filter down with it
        log.exception("filter: could not raise the alert")


def filter_index_status() -> dict:
    """What this process serves, for the readiness check."""
    current = _holder.current
    newest = index_build_newest_id()
    loaded = current.build_id if current is not None else None
    body = {
        "loaded_build": loaded,
        "loaded_at": current.loaded_at if current is not None else None,
        "loaded_entries": len(current.entries) if current is not None else 0,
        "loaded_skipped": [s.__dict__ for s in current.skipped] if current is not None else [],
        "loaded_stale": current is None or (loaded, current.fingerprint) != newest,
        "load_error": _holder.failed.get(newest[0], ""),
        "shadow_buffer": _buffer.stats(),
    }
    return body


# ---- Verdicts ---------------------------------------------------------------------------------------


class FilterItem(NamedTuple):
    """One text to answer. A tuple of strings: immutable, and the cyclic collector stops tracking it, so a
    10,000-item call does not walk its items on every collection (issue 13)."""

    text: str
    locale: str
    ocr_text: str = ""
    post_id: str = ""


def _sampled_flags(post_ids: list[str], texts: list[str], words: WordBuffer, rate: float) -> list[bool]:
    """Whether each text is sampled: the same answer for the same post in every process. The CRC-32 (stable and
    cheap) below `rate` * 2**32 of the post id's UTF-8 or, without one, of the normalised text's word form
    (`risk_db.patterns.word_bytes`: the bytes the engine scans, taken from its batch buffer `words` instead of
    encoding each text again; issue 13), in C-level passes (map) for a batch. A batch whose every item has its
    post id hashes no word form."""
    if rate >= 1.0 or rate <= 0.0:
        return [rate >= 1.0] * len(texts)
    by_id = map(zlib.crc32, map(str.encode, post_ids, repeat("utf-8"), repeat("surrogatepass")))
    if all(post_ids):
        crcs = by_id
    else:
        crcs = map(zlib.crc32, words.post_bytes() if words.buffer is not None else map(word_bytes, texts))
        if any(post_ids):
            crcs = [i if p else t for p, i, t in zip(post_ids, by_id, crcs)]
    return list(map((rate * 2**32).__gt__, crcs))


NO_RULES = FrozenEmptyList()  # `rules` / `shadow` of an answer nothing matched: shared, unchangeable


_TEXT, _OCR, _LOCALE, _POST_ID = (attrgetter(name) for name in ("text", "ocr_text", "locale", "post_id"))


def _too_long(item: FilterItem, limit: int) -> dict | None:
    n = len(item.text) + len(item.ocr_text)
    if n <= limit:
        return None
    return {
        "code": "text_too_long",
        "field": "text",
        "detail": _("text and ocr_text have %(count)s characters; the limit is %(limit)s.")
        % {"count": n, "limit": limit},
    }


def _entry_in_locale(e: dict, routes: tuple[tuple[int, str], ...]) -> tuple:
    """An index entry in a locale's shards: (entry, ((shard_id, entry, state), ...) in route order, softened,
    blocks in one of them, shadows in one of them): all a matched text needs of it but a softened one's sentiment."""
    states = e["shards"]
    there = tuple((shard_id, e, states[code]) for shard_id, code in routes if states.get(code) is not None)
    return (
        e,
        there,
        e.get("kind") == "keyword_sentiment",
        any(state == BLOCKING for _, _, state in there),
        any(state in SHADOW_STATES for _, _, state in there),
    )


def filter_texts(*, items: list[FilterItem], now: datetime | None = None) -> dict:
    """Issue 13: allow/block per item from the loaded index (blocking entries of the locale's shard and the
    global shard), the shadow entries that would have matched, the index version used. Items whose text is
    over FILTER["TEXT_MAX_CHARS"] get a per-item error; an unknown locale refuses the request (400).
    Per item only what differs: most texts match nothing and get the plain allow answer; the normaliser,
    the match, the sampling hash and the counts run over the batch (issue 13, the bulk form's speed).
    The cyclic collector is paused for the call (`_gc_paused`): its answers are acyclic, refcounting frees them."""
    with _gc_paused():
        return _filter_texts(items, now)


class _gc_paused:
    """The cyclic collector off for a bulk call, back as it was afterwards (an exception included): a call
    of 10,000 items allocates tens of thousands of small objects, each few hundred of which would otherwise
    start a collection (issue 13). Nothing it builds holds a cycle, so nothing waits for the collector. Threads:
    only a call that found it on turns it back on, so it never stays off (a concurrent call may find it on)."""

    def __enter__(self):
        self.was_enabled = gc.isenabled()
        gc.disable()

    def __exit__(self, *exc):
        if self.was_enabled:
            gc.enable()


def _filter_texts(items: list[FilterItem], now: datetime | None) -> dict:
    index = filter_index()
    cfg = settings.FILTER
    limit = cfg["TEXT_MAX_CHARS"]
    routes_of = index.routes
    if not {item.locale for item in items} <= routes_of.keys():
        single = len(items) == 1
        for i, item in enumerate(items):
            if item.locale not in routes_of:
                where = "locale" if single else f"items[{i}].locale"
                raise Refused(
                    "unknown_locale",
                    _("%(field)s: no shard serves the locale '%(locale)s'.") % {"field": where, "locale": item.locale},
                    400,
                    field=where,
                )
    texts = list(map(_TEXT, items))
    if any(map(_OCR, items)):
        texts = [item.text + "\n" + item.ocr_text if item.ocr_text else item.text for item in items]
    results: list[dict] = [
        {"index": i, "action": "allow", "rules": NO_RULES, "shadow": NO_RULES} for i in range(len(items))
    ]
    todo: list[int] | range = range(len(items))
    if texts and max(map(len, texts)) > limit:  # a joined text is at least as long as text + ocr_text
        todo = []
        for i, item in enumerate(items):
            error = _too_long(item, limit)
            if error is None:
                todo.append(i)
            else:
                results[i] = {"index": i, "action": None, "rules": NO_RULES, "shadow": NO_RULES, "error": error}
        texts = [texts[i] for i in todo]
        items = [items[i] for i in todo]
    # the scorer's normaliser and the batch's word form, a few C-level passes for both; the word form is built
    # once: scanned by the engine, hashed for the sampling
    texts, words = match_words(texts)
    matched = index.match(texts, normalised=True, words=words)
    now = now or datetime.now(UTC)
    rate = cfg["SHADOW_SAMPLE_RATE"]
    locales = list(map(_LOCALE, items))
    post_ids = list(map(_POST_ID, items))
    sampled = _sampled_flags(post_ids, texts, words, rate)
    hits: list[tuple] = []
    entries, in_locale = index.entries, index.in_locale
    at = None
    for k in list(compress(range(len(matched)), matched)):  # the few texts a rule matched
        item, i = items[k], todo[k]
        locale = item.locale
        blocking, shadow, sentiment = {}, {}, None
        found = []  # (shard_id, entry, state), kept for a sampled text
        keep = sampled[k]
        for ri in matched[k]:
            known = in_locale.get((ri, locale))
            if known is None:
                known = in_locale[ri, locale] = _entry_in_locale(entries[ri], routes_of[locale])
            e, there, softened, blocks, shadows = known
            if softened and there:  # RK-6: the softened version needs its sentiment floor, once per text
                if sentiment is None:
                    sentiment = float(hooks.sentiment(item.text))
                if sentiment < (e.get("min_sentiment") or 0.0):
                    continue
            if keep:
                found += there
            if blocks:
                blocking[e["rule_id"]] = e["number"]
            if shadows:
                shadow[e["rule_id"]] = e["number"]
        results[i] = {
            "index": i,
            "action": "block" if blocking else "allow",
            "rules": [{"rule_id": r, "version": v} for r, v in sorted(blocking.items())] if blocking else NO_RULES,
            "shadow": [{"rule_id": r, "version": v} for r, v in sorted(shadow.items())] if shadow else NO_RULES,
        }
        if sampled[k] and found:
            at = at or now.isoformat()
            key = item.post_id or "text:" + hashlib.sha256(texts[k].encode("utf-8", "surrogatepass")).hexdigest()[:40]
            for shard_id, e, state in found:
                hits.append((key, shard_id, e["version_id"], state, at))
    hour = now.replace(minute=0, second=0, microsecond=0)
    seen = Counter(locales)
    sampled_n = Counter(compress(locales, sampled))
    counts: dict[tuple[int, datetime], list[int]] = {}
    for locale, n in seen.items():
        for shard_id, _code in routes_of[locale]:
            c = counts.setdefault((shard_id, hour), [0, 0])
            c[0] += n
            c[1] += sampled_n.get(locale, 0)
    _buffer.add(counts, hits)
    return {"results": results, "index_version": index.build_id, "index_fingerprint": index.fingerprint}


# ---- The shadow buffer (off the request path) ------------------------------------------------------


class ShadowBuffer:
    """Counts and sampled would-hits since the last flush; `drain` hands them over and starts afresh."""

    def __init__(self):
        self._lock = threading.Lock()
        self._counts: dict = {}
        self._hits: list = []
        self.dropped = 0
        self.flushed_at: datetime | None = None

    def add(self, counts: dict, hits: list) -> None:
        room = settings.FILTER["SHADOW_BUFFER_MAX_HITS"]
        with self._lock:
            for key, (seen, sampled) in counts.items():
                c = self._counts.setdefault(key, [0, 0])
                c[0] += seen
                c[1] += sampled
            take = max(0, min(len(hits), room - len(self._hits)))
            self._hits.extend(hits[:take])
            if take < len(hits):
                self.dropped += len(hits) - take
                log.warning("filter: shadow buffer full, %d would-hits dropped (counted)", len(hits) - take)

    def drain(self) -> dict | None:
        with self._lock:
            if not self._counts and not self._hits:
                return None
            payload = {
                "flush_id": uuid.uuid4().hex,  # the counts are added once per flush id (a redelivery adds none)
                "traffic": [
                    [sid, hour.isoformat(), seen, sampled] for (sid, hour), (seen, sampled) in self._counts.items()
                ],
                "hits": self._hits,
            }
            self._counts, self._hits = {}, []
            self.flushed_at = datetime.now(UTC)
            return payload

    def stats(self) -> dict:
        with self._lock:
            return {"hits_waiting": len(self._hits), "dropped": self.dropped, "flushed_at": self.flushed_at}


_buffer = ShadowBuffer()


def filter_shadow_drain() -> dict | None:
    """The buffered counts and would-hits, handed over once (the caller queues them)."""
    return _buffer.drain()
