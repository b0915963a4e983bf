"""The defences between the public and the training data (SPEC IN-2..IN-10), as intake steps.

Each step works on the whole batch with a fixed number of queries, whatever the batch size
(settings.INTAKE["PIPELINE"] orders them). The first step to decide an item names itself in
`decided_by` and says why in `reason`. The last step, which turns settled posts into training
samples, is `training.intake.settle` (issue 9).
"""

import hashlib
import math
import re
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from typing import NamedTuple

from django.conf import settings
from django.db import connection
from django.db.models import Max
from django.utils.module_loading import import_string
from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

from core.text import text_normalise
from core.texts import message_english
from modelhooks import hooks
from shards.intake.pipeline import CrowdAccept, IntakeBatch
from shards.models import (
    Alert,
    BlockListEntry,
    Correction,
    IntakeCounter,
    Locale,
    ReplyComponentMember,
    Shard,
    TopicFreeze,
)
from shards.services import botnet, ledgers
from shards.services.ratelimit import RateCheck, rate_key, rate_limits_check

O = Correction.Outcome


def _hour(at):
    return at.replace(minute=0, second=0, microsecond=0)


# ---- IN-2 language ------------------------------------------------------------------------

_detectors: dict = {}


def language_detector(codes: frozenset[str]):
    """One lingua detector per process and set of languages (those of the known locales)."""
    if codes not in _detectors:
        languages = set()
        for code in codes | {settings.INTAKE["MODEL_DEFAULT_LANGUAGE"]}:
            try:
                languages.add(Language.from_iso_code_639_1(IsoCode639_1.from_str(code)))
            except ValueError:
                pass  # no lingua model for it (e.g. Navajo): items fall back to the declared locale
        if len(languages) < 2:
            languages.add(Language.ENGLISH if Language.FRENCH in languages else Language.FRENCH)
        _detectors.clear()
        _detectors[codes] = LanguageDetectorBuilder.from_languages(*languages).with_low_accuracy_mode().build()
    return _detectors[codes]


_NUMBER = re.compile(r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?\s*(k|m|thousand|million|bn|billion)?\b", re.I)
_SCALE = {"k": 1e3, "thousand": 1e3, "m": 1e6, "million": 1e6, "bn": 1e9, "billion": 1e9}


def number_parse(text: str) -> float | None:
    """IN-6 normalisation: the first number of an (English or digit-normalised) text.
    "1.5k" -> 1500, "2,000 ppl" -> 2000."""
    match = _NUMBER.search(text or "")
    if not match:
        return None
    whole, frac, scale = match.groups()
    value = float(whole.replace(",", "") + ("." + frac if frac else ""))
    return value * _SCALE.get((scale or "").lower(), 1)


def number_span(text: str) -> tuple[int, int] | None:
    """The [start, end) characters of the first number of `text` with its scale word ("1.5k", "2,000")."""
    match = _NUMBER.search(text or "")
    if not match:
        return None
    return match.start(1), max(match.end(g) for g in (1, 2, 3) if match.group(g))


def number_replace(text: str, value: str) -> str:
    """The text with its first number (and scale word) set to `value`."""
    span = number_span(text)
    if span is None:
        return text
    return text[: span[0]] + value + text[span[1] :]


def norm_key_for(english: str, number: float | None) -> str:
    """IN-5: corrections are "the same" when they name the same number, or else the same normalised text."""
    basis = f"n:{number:.6g}" if number is not None else "t:" + re.sub(r"[^\w\s]", "", text_normalise(english)).strip()
    return hashlib.sha256(basis.encode()).hexdigest()[:32]


def detect_language(batch: IntakeBatch) -> None:
    """IN-2: detect the correction's language; if it is not the model default, the MT hook gives the
    English used for conflict resolution (the native text is what is exported)."""
    pending = batch.pending()
    if not pending:
        return
    locales = dict(Locale.objects.values_list("code", "language"))
    detector = language_detector(frozenset(locales.values()))
    found = detector.detect_languages_in_parallel_of([i.corrected_text for i in pending])
    default = settings.INTAKE["MODEL_DEFAULT_LANGUAGE"]
    mt = hooks.mt()
    for item, language in zip(pending, found):
        lang = language.iso_code_639_1.name.lower() if language else locales.get(item.data["declared_locale"], "")
        item.language = lang
        item.english_text = item.corrected_text if lang == default else mt.translate(item.corrected_text, source=lang)
        item.numeric_value = number_parse(item.english_text)
        item.norm_key = norm_key_for(item.english_text, item.numeric_value)


# ---- counters for IN-7/8/9 -----------------------------------------------------------------


def _region(locale_code: str) -> str:
    part = locale_code.rsplit("-", 1)[-1]
    return part.upper() if len(part) == 2 and part.isalpha() else ""


def count_traffic(batch: IntakeBatch) -> None:
    """Hourly counters per locale: corrections, geo mismatches (IN-9) and hashtag mentions (IN-8).
    One upsert for the whole batch."""
    totals: Counter = Counter()
    mismatched: Counter = Counter()
    tags: Counter = Counter()
    for item in batch.pending():
        d = item.data
        region = _region(d["declared_locale"])
        item.geo_mismatch = bool(region) and region != d["billing_country"]
        key = (d["declared_locale"], _hour(d["at"]))
        totals[key] += 1
        mismatched[key] += item.geo_mismatch
        for tag in d["hashtags"]:
            tags[key + (tag,)] += 1
    rows = [(loc, hour, "", n, mismatched[(loc, hour)]) for (loc, hour), n in totals.items()]
    rows += [(loc, hour, tag, n, 0) for (loc, hour, tag), n in tags.items()]
    counters_add(rows=rows)


def counters_add(*, rows: list[tuple]) -> None:
    if not rows:
        return
    table = IntakeCounter._meta.db_table
    adapt = connection.ops.adapt_datetimefield_value
    rows = sorted(rows, key=lambda r: (r[0], r[1], r[2]))  # one lock order: concurrent batches never deadlock
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} (locale_code, hour, hashtag, n, mismatched) VALUES (%s, %s, %s, %s, %s) "
            f"ON CONFLICT (locale_code, hour, hashtag) DO UPDATE SET n = {table}.n + excluded.n, "
            f"mismatched = {table}.mismatched + excluded.mismatched",
            [(loc, adapt(hour), tag, n, m) for loc, hour, tag, n, m in rows],
        )


# ---- IN-10 suspended components ---------------------------------------------------------------


def suspended_component(batch: IntakeBatch) -> None:
    """IN-10: members of a suspended component are stopped here. A large component that this batch
    tips over 50 % on one hashtag is suspended now, before any of it is stored."""

    pending = batch.pending()
    if not pending:
        return
    subs = {i.data["submitter_id"] for i in pending}
    stopped = botnet.suspended_submitters(submitter_ids=subs)
    in_large = defaultdict(set)
    for cid, s in ReplyComponentMember.objects.filter(submitter_id__any=subs - stopped).values_list(
        "component_id", "submitter_id"
    ):
        in_large[cid].add(s)
    if in_large:
        components = [
            set(ReplyComponentMember.objects.filter(component_id=cid).values_list("submitter_id", flat=True))
            for cid in in_large
        ]
        waiting = defaultdict(list)
        for item in pending:
            waiting[item.data["submitter_id"]].append(item.data["hashtags"])
        made = botnet.components_suspend_campaigns(
            components=components, now=max(i.data["at"] for i in pending), pending=waiting
        )
        for component in made:
            stopped |= set(component.members)
    for item in pending:
        if item.data["submitter_id"] in stopped:
            item.decide(
                O.SUSPENDED_COMPONENT,
                by="suspended_component",
                reason="The submitter belongs to a suspended reply-graph component (IN-10).",
            )


# ---- IN-3 rate limit ------------------------------------------------------------------------


def rate_limit(batch: IntakeBatch) -> None:
    """IN-3: 3 per 24 h per billing country + IPv6 /64 (IPv4 /32); a burst starts a 12 h cool-off."""
    pending = batch.pending()
    checks = []
    for item in pending:
        item.rate_key = rate_key(billing_country=item.data["billing_country"], ip=item.ip_address or item.data["ip"])
        checks.append(RateCheck(key=item.rate_key, at=item.data["at"], member=item.dedupe_key or str(item.index)))
    rate_limits_check(checks=checks)
    for item, check in zip(pending, checks):
        if not check.admitted:
            item.decide(
                O.RATE_LIMITED,
                by="rate_limit",
                reason=f"More than {settings.INTAKE['RATE_LIMIT_MAX']} corrections in "
                f"{settings.INTAKE['RATE_LIMIT_WINDOW_HOURS']} h from {item.rate_key}; "
                f"cooling off until {check.cooloff_until.isoformat()} (IN-3).",
            )


# ---- IN-4 block-list ------------------------------------------------------------------------


class _BlockList:
    def __init__(self):
        self.stamp, self.patterns = None, {}

    def refresh(self):
        qs = BlockListEntry.objects.filter(active=True)
        stamp = (qs.count(), qs.aggregate(m=Max("updated_at"))["m"])
        if stamp == self.stamp:
            return
        by_locale = defaultdict(list)
        for entry in qs:
            by_locale[entry.locale_code].append(entry)
        self.patterns = {}
        for locale in set(by_locale) | {""}:
            entries = by_locale[locale] + (by_locale[""] if locale else [])
            parts = []
            for term in sorted({text_normalise(e.term) for e in entries}, key=len, reverse=True):
                esc = re.escape(term)
                parts.append(rf"(?<!\w){esc}(?!\w)" if re.match(r"^[\x00-\u024f\s\-']+$", term) else esc)
            self.patterns[locale] = re.compile("|".join(parts)) if parts else None
        self.kinds = {text_normalise(e.term): e.kind for e in qs}
        self.stamp = stamp

    def find(self, locale: str, text: str) -> str | None:
        pattern = self.patterns.get(locale, self.patterns.get(""))
        if pattern is None:
            return None
        match = pattern.search(text_normalise(text))
        return match.group(0) if match else None


block_list_cache = _BlockList()


def block_list(batch: IntakeBatch) -> None:
    """IN-4: a correction overlapping a slur or gibberish term of its locale (or of every locale)."""
    block_list_cache.refresh()
    for item in batch.pending():
        term = block_list_cache.find(item.data["declared_locale"], item.corrected_text)
        if term:
            item.decide(
                O.BLOCKED_LIST,
                by="block_list",
                reason=f"Overlaps the block-list term {term!r} ({block_list_cache.kinds.get(term, 'slur')}, IN-4).",
            )


# ---- IN-8 topic freeze ----------------------------------------------------------------------


def topic_entropy(counts: dict[str, int]) -> tuple[float, str, float, int]:
    """(Shannon entropy in bits, top hashtag, its share, mentions) of a hashtag distribution."""
    total = sum(counts.values())
    if not total:
        return 0.0, "", 0.0, 0
    entropy = -sum(n / total * math.log2(n / total) for n in counts.values() if n)
    top, n = max(counts.items(), key=lambda kv: (kv[1], kv[0]))
    return entropy, top, n / total, total


def topic_freeze(batch: IntakeBatch) -> None:
    """IN-8: when one hashtag dominates a locale's corrections in the trailing TOPIC_WINDOW_HOURS
    (>= TOPIC_MIN_MENTIONS mentions, entropy < TOPIC_ENTROPY_MIN_BITS, top share >=
    TOPIC_DOMINANT_SHARE), that hashtag is frozen in the locale for TOPIC_FREEZE_DAYS from the first
    item of this batch that carries it."""
    cfg = settings.INTAKE
    pending = [i for i in batch.pending() if i.data["hashtags"]]
    if not pending:
        return
    by_locale = defaultdict(list)
    for item in pending:
        by_locale[item.data["declared_locale"]].append(item)
    for locale, items in by_locale.items():
        latest = max(i.data["at"] for i in items)
        since = _hour(latest) - timedelta(hours=cfg["TOPIC_WINDOW_HOURS"] - 1)
        counts = Counter()
        for tag, n in (
            IntakeCounter.objects.filter(locale_code=locale, hour__gte=since, hour__lte=latest)
            .exclude(hashtag="")
            .values_list("hashtag", "n")
        ):
            counts[tag] += n
        entropy, top, share, mentions = topic_entropy(counts)
        if (
            mentions >= cfg["TOPIC_MIN_MENTIONS"]
            and entropy < cfg["TOPIC_ENTROPY_MIN_BITS"]
            and share >= cfg["TOPIC_DOMINANT_SHARE"]
            and not TopicFreeze.objects.filter(locale_code=locale, hashtag=top, frozen_until__gt=latest).exists()
        ):
            start = min(i.data["at"] for i in items if top in i.data["hashtags"])
            TopicFreeze.objects.create(
                locale_code=locale,
                hashtag=top,
                frozen_from=start,
                frozen_until=start + timedelta(days=cfg["TOPIC_FREEZE_DAYS"]),
                entropy_bits=entropy,
                share=share,
                mentions=mentions,
            )
    earliest = min(i.data["at"] for i in pending)
    freezes = defaultdict(list)
    for f in TopicFreeze.objects.filter(locale_code__in=list(by_locale), frozen_until__gt=earliest):
        freezes[(f.locale_code, f.hashtag)].append(f)
    for item in pending:
        for tag in item.data["hashtags"]:
            hit = next(
                (
                    f
                    for f in freezes.get((item.data["declared_locale"], tag), [])
                    if f.frozen_from <= item.data["at"] < f.frozen_until
                ),
                None,
            )
            if hit:
                item.decide(
                    O.FROZEN_TOPIC,
                    by="topic_freeze",
                    reason=f"#{tag} is frozen in {hit.locale_code} until {hit.frozen_until.isoformat()}: "
                    f"topic entropy fell to {hit.entropy_bits:.2f} bits (IN-8).",
                )
                break


# ---- IN-9 geo-spoofing ----------------------------------------------------------------------


def geo_spoof(batch: IntakeBatch) -> None:
    """IN-9: billing country vs declared locale. A mismatched item goes to the global queue; a shard
    whose mismatch share in the trailing 24 h exceeds 1 % raises one "x-shard anomaly" alert."""
    cfg = settings.INTAKE
    pending = batch.pending()
    locales = {i.data["declared_locale"] for i in batch.items if i.geo_mismatch}  # decided ones count too
    for item in pending:
        if item.geo_mismatch:
            item.force_global = True
            item.reason = (
                f"Billing country {item.data['billing_country']} does not match the declared locale "
                f"{item.data['declared_locale']}: global queue, no local shield (IN-9)."
            )
    if not locales:
        return
    latest = max(i.data["at"] for i in batch.items if i.geo_mismatch)
    since = _hour(latest) - timedelta(hours=cfg["GEO_SPOOF_WINDOW_HOURS"] - 1)
    totals = defaultdict(lambda: [0, 0])
    for loc, n, m in IntakeCounter.objects.filter(
        hashtag="", locale_code__in=locales, hour__gte=since, hour__lte=latest
    ).values_list("locale_code", "n", "mismatched"):
        totals[loc][0] += n
        totals[loc][1] += m
    shards = {s.locale.code: s for s in Shard.objects.select_related("locale").filter(locale__code__in=locales)}
    for loc, (n, m) in totals.items():
        if n < cfg["GEO_SPOOF_MIN_TRAFFIC"] or m / n <= cfg["GEO_SPOOF_SHARE"]:
            continue
        shard = shards.get(loc)
        open_alert = Alert.objects.filter(kind="x_shard_anomaly", resolved_at__isnull=True)
        open_alert = open_alert.filter(shard=shard) if shard else open_alert.filter(message__contains=f" {loc}:")
        if not open_alert.exists():
            params = {
                "locale": loc,
                "mismatched": m,
                "total": n,
                "share": f"{m / n:.1%}",
                "hours": cfg["GEO_SPOOF_WINDOW_HOURS"],
            }
            Alert.objects.create(
                kind="x_shard_anomaly",
                shard=shard,
                level=Alert.Level.LOUD,
                message=message_english("x_shard_anomaly", params),
                params=params,
            )


# ---- IN-5, IN-6, IN-7 consensus ---------------------------------------------------------------

CROWD = [O.QUEUED, O.MERGED, O.AUTO_ACCEPTED]


def consensus(batch: IntakeBatch) -> None:
    """IN-5: >= 5 unique users (weighted by their flag weight, IN-10) with the same normalised
    correction for a post within 6 h auto-accept it. IN-6: different numbers for one post go to the
    conflict resolver. IN-7: in a language with < 50 corrections in 24 h the crowd decides nothing.
    Risk-tagged (SH-3) and geo-mismatched (IN-9) items are always left to humans."""
    cfg = settings.INTAKE
    items = [i for i in batch.pending() if not i.risk_locale and not i.force_global]
    if not items:
        return
    languages = dict(Locale.objects.values_list("code", "language"))
    latest = max(i.data["at"] for i in items)
    volumes = ledgers.language_volumes(
        languages={languages.get(i.data["declared_locale"], "") for i in items}, at=latest
    )
    window = timedelta(hours=cfg["AUTO_ACCEPT_WINDOW_HOURS"])
    conflict_window = timedelta(hours=cfg["CONFLICT_WINDOW_HOURS"])
    by_post = defaultdict(list)
    for item in items:
        by_post[item.data["post_id"]].append(item)
    earliest = min(i.data["at"] for i in items) - max(window, conflict_window)
    stored = defaultdict(list)
    for row in Correction.objects.filter(post_id__any=list(by_post), at__gt=earliest, outcome__in=CROWD).values(
        "post_id",
        "submitter_id",
        "norm_key",
        "numeric_value",
        "at",
        "declared_locale",
        "corrected_text",
        "english_text",
    ):
        stored[row["post_id"]].append(row)
    # training sits above shards: the posts that hold a sample come by dotted path (issue 9)
    trained = import_string(cfg["SAMPLED_POSTS"])(post_ids=list(by_post))
    groups = []
    for post_id, post_items in by_post.items():
        if post_id in trained:
            continue  # IN-6: one training slot per post; later corrections go to humans
        for locale in {i.data["declared_locale"] for i in post_items}:
            mine = [i for i in post_items if i.data["declared_locale"] == locale]
            rows = [r for r in stored[post_id] if r["declared_locale"] == locale]
            low = volumes.get(languages.get(locale, ""), 0) < cfg["LOW_VOLUME_PER_DAY"]
            if len(mine) == 1 and not rows and not low and cfg["AUTO_ACCEPT_USERS"] > 1:
                continue  # one lone correction: no crowd to count, nothing to conflict with
            groups.append((mine, rows, locale, low))
    # Ledgers only for the users of posts that can reach a decision: one query.
    pairs = {(i.data["submitter_id"], locale) for mine, _, locale, _ in groups for i in mine}
    pairs |= {(r["submitter_id"], locale) for _, rows, locale, _ in groups for r in rows}
    book = ledgers.submitter_ledgers(pairs=pairs)
    for mine, rows, locale, low in groups:
        _post_consensus(mine, rows, locale=locale, low_volume=low, book=book)


class Backing(NamedTuple):
    """One user's correction of a post, as the consensus and the conflict resolver weigh it."""

    user: str  # submitter id
    key: str  # normalised correction (IN-5: same key = same correction)
    number: float | None  # the number it claims, if any (IN-6)
    at: datetime
    native: str  # the corrected text as sent
    english: str  # its English form (IN-2)


def _post_consensus(items, rows, *, locale, low_volume, book) -> None:
    cfg = settings.INTAKE
    ref = max(i.data["at"] for i in items)
    conflict_since = ref - timedelta(hours=cfg["CONFLICT_WINDOW_HOURS"])
    # Every backing of this post in the window.
    entries = [
        Backing(r["submitter_id"], r["norm_key"], r["numeric_value"], r["at"], r["corrected_text"], r["english_text"])
        for r in rows
        if r["at"] > conflict_since
    ]
    entries += [
        Backing(i.data["submitter_id"], i.norm_key, i.numeric_value, i.data["at"], i.corrected_text, i.english_text)
        for i in items
    ]
    numbers = {e.number for e in entries if e.number is not None}
    if len(numbers) >= 2:
        _resolve_conflict(items, entries, locale=locale, low_volume=low_volume, book=book, ref=ref)
        return
    if low_volume:
        for item in items:
            item.escalate = "low_volume"
            item.reason = (
                f"Fewer than {cfg['LOW_VOLUME_PER_DAY']} corrections in this language in 24 h: crowd "
                f"auto-accept is off, a verifier decides (IN-7)."
            )
        return
    window = timedelta(hours=cfg["AUTO_ACCEPT_WINDOW_HOURS"])
    by_key = defaultdict(list)
    for item in items:
        by_key[item.norm_key].append(item)
    for key, key_items in by_key.items():
        at = max(i.data["at"] for i in key_items)
        users = {e.user for e in entries if e.key == key and at - window < e.at <= at}
        weight = sum(book[(u, locale)].flag_weight for u in users)
        if weight >= cfg["AUTO_ACCEPT_USERS"] - 1e-9:
            accept = CrowdAccept(
                rule="auto_accept", text_delta=key_items[-1].corrected_text, backers={u: True for u in users}
            )
            for item in key_items:
                item.accept = accept
                item.reason = (
                    f"{len(users)} users sent the same correction within "
                    f"{cfg['AUTO_ACCEPT_WINDOW_HOURS']} h (weight {weight:.2f}, IN-5)."
                )


def _resolve_conflict(items, entries, *, locale, low_volume, book, ref) -> None:
    """IN-6: oracle first; else a merge weighted by corroboration; beyond 2 sigma, a human."""
    cfg = settings.INTAKE
    post = items[0].data
    values = {e.number for e in entries if e.number is not None}
    oracle_value = hooks.public_record_oracle().lookup(
        post_id=post["post_id"], post_text=post["post_text"], at=ref, window_hours=cfg["CONFLICT_WINDOW_HOURS"]
    )
    latest = {}
    for e in sorted(entries, key=lambda e: e.at):
        if e.number is not None:
            latest[e.user] = e  # each user's latest number counts once
    if oracle_value is not None and any(math.isclose(v, oracle_value, rel_tol=1e-9) for v in values):
        winner = next(
            e
            for e in reversed(sorted(entries, key=lambda e: e.at))
            if e.number is not None and math.isclose(e.number, oracle_value, rel_tol=1e-9)
        )
        accept = CrowdAccept(
            rule="conflict_resolver:oracle",
            text_delta=winner.native,
            backers={u: math.isclose(e.number, oracle_value, rel_tol=1e-9) for u, e in latest.items()},
            numeric_delta=_relative_delta(post["post_text"], oracle_value, values, post),
        )
        for item in items:
            item.accept = accept
            item.reason = f"The public-record oracle says {oracle_value:g}; the matching correction wins (IN-6)."
        return
    if low_volume:
        for item in items:
            item.escalate = "conflict_resolver:low_volume"
            item.reason = "Conflicting numbers in a low-volume language: a verifier decides (IN-6, IN-7)."
        return
    weights = {u: book[(u, locale)].score * book[(u, locale)].flag_weight for u in latest}
    total = sum(weights.values()) or 1.0
    merged = sum(weights[u] * e.number for u, e in latest.items()) / total
    delta = _relative_delta(post["post_text"], merged, values, post)
    mean, sigma = ledgers.numeric_history(locale_code=locale)
    if abs(delta - mean) > cfg["CONFLICT_SIGMA"] * sigma:
        for item in items:
            item.escalate = "conflict_resolver:2sigma"
            item.reason = (
                f"The merged value {merged:g} moves the post by {delta:+.2f} (relative), beyond "
                f"{cfg['CONFLICT_SIGMA']:g} sigma ({sigma:.2f}) of this locale's history: a human decides (IN-6)."
            )
        return
    heaviest = max(latest.values(), key=lambda e: (weights[e.user], e.at))
    value = f"{merged:.0f}" if abs(merged - round(merged)) < 0.05 else f"{merged:.1f}"
    english = number_replace(heaviest.english, value)
    native = (
        hooks.mt().back_translate(english, native=heaviest.native, language=items[0].language or "en")
        if items[0].language != settings.INTAKE["MODEL_DEFAULT_LANGUAGE"]
        else english
    )
    backers = {u: math.isclose(e.number, merged, rel_tol=0.05) for u, e in latest.items()}
    supporting = sum(backers.values())
    if supporting < cfg["MERGE_MIN_USERS"]:
        for item in items:
            item.escalate = "conflict_resolver:few_backers"
            item.reason = (
                f"Conflicting numbers {sorted(values)} merge to {value}, but only {supporting} unique users "
                f"support it (at least {cfg['MERGE_MIN_USERS']} needed to enter a batch): a verifier decides (IN-6)."
            )
        return
    accept = CrowdAccept(rule="conflict_resolver:merge", text_delta=native, backers=backers, numeric_delta=delta)
    for item in items:
        item.accept = accept
        item.reason = (
            f"Conflicting numbers {sorted(values)} merged to {value}, weighted by each user's "
            f"corroboration in {locale} (IN-6)."
        )


def _relative_delta(post_text: str, value: float, values: set, post) -> float:
    """The merged value's change against the number in the post, relative; without one, the spread."""
    original = number_parse(hooks.mt().translate(post_text, source="auto"))
    if original is not None:
        return (value - original) / max(abs(original), 1.0)
    return (max(values) - min(values)) / max(abs(value), 1.0)
