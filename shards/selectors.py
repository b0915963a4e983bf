"""Reads for the shards app that other apps use (dashboards). The training samples' reads are in
training/selectors.py (issue 9)."""

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from core.sql import SqlPart, sql_hot_path, sql_run
from shards.models import Correction, PoolMembership, RiskLexicon

# ---- the taboo fence (SH-3, VQ-2; issue 11) --------------------------------------------------------
# The one visibility rule for taboo and native-only content. It lives here, in shards (layer 3),
# because shards owns the pools it is decided from and every app that returns post text sits above
# it (training, verifier, risk_db, quality, modelhooks): each imports this, none re-derives it.


@dataclass(frozen=True)
class TabooFence:
    """What native-only content one person may see: everything (admins, whose reads of it are
    audited where they start or open an audit), else the content of the shards where they are an
    active native member, and of those shards' locales (an intake record not routed to a shard yet
    carries its locale only)."""

    everything: bool
    shard_ids: frozenset[int]
    locales: frozenset[str]

    @classmethod
    def outsider(cls) -> "TabooFence":
        """Nobody's native pool: for content handed to people of another locale (CA-4 sets, CA-5)."""
        return cls(everything=False, shard_ids=frozenset(), locales=frozenset())

    def allows_case(self, case) -> bool:
        """A case (or anything with `native_only` and `shard_id`) may be shown to this person."""
        return self.everything or not case.native_only or case.shard_id in self.shard_ids

    def cases_q(self, prefix: str = "") -> Q:
        """The same rule as a filter on cases, or on rows reaching a case through `prefix`
        (e.g. "case__", "ruling__case__")."""
        if self.everything:
            return Q()
        return Q(**{f"{prefix}native_only": False}) | Q(**{f"{prefix}shard_id__in": list(self.shard_ids)})

    def allows_locale(self, locale: str) -> bool:
        """Native-only content of `locale` (a risk-tagged intake record, a taboo nomination)."""
        return self.everything or not locale or locale in self.locales

    def allows_words_of(self, locale: str, native_only: frozenset[str] | None = None) -> bool:
        """A taboo term of `locale` (a risk rule's pattern, term, context, keyword): natives of a locale
        with a risk lexicon only (SH-3: that locale's taboo content is native-only); any other locale's
        rules are shown to every senior. `native_only`: native_only_locales(), read once for a list."""
        if self.everything or locale in self.locales:
            return True
        return locale not in (native_only_locales() if native_only is None else native_only)

    def corrections_q(self) -> Q:
        """Intake records: a risk-tagged one only for natives of its locale (or of the shard it went to)."""
        if self.everything:
            return Q()
        return (
            Q(risk_tags=[])
            | Q(risk_locale__in=list(self.locales))
            | Q(risk_locale="", shard_id__in=list(self.shard_ids))  # rows stored before risk_locale existed
        )


def taboo_fence(*, user) -> TabooFence:
    """SH-3: the one place the visibility of taboo and native-only content is decided (issue 11)."""
    if getattr(user, "role", None) == "admin":
        return TabooFence(everything=True, shard_ids=frozenset(), locales=frozenset())
    if not getattr(user, "is_authenticated", False):
        return TabooFence.outsider()
    rows = PoolMembership.objects.filter(user=user, native=True, active=True).values_list(
        "shard_id", "shard__locale__code"
    )
    return TabooFence(
        everything=False,
        shard_ids=frozenset(s for s, _ in rows),
        locales=frozenset(code for _, code in rows if code),
    )


def native_only_locales() -> frozenset[str]:
    """SH-3: the locales whose taboo content is native-only: those with a risk lexicon (TH-risks-lm)."""
    return frozenset(RiskLexicon.objects.values_list("locale_code", flat=True))


def corrections_visible_to(*, user) -> QuerySet[Correction]:
    """Operator pages: every correction but the risk-tagged ones outside the user's native pool
    (SH-3: native-only, no other locale ever sees them); admins see all."""
    return Correction.objects.filter(taboo_fence(user=user).corrections_q())


# Issue 14: the queue's pick (verifier.services.queue) reads the verifier's working shards inside its one
# statement; the text is this app's, as its table is. Parameter: %(user)s.
POOL_WORKING_SQL = (
    f'SELECT m.shard_id, m.native FROM "{PoolMembership._meta.db_table}" m '
    "WHERE m.user_id = %(user)s AND m.active AND m.under_contract"
)
CORRECTION_BACKERS_SQL = (
    f'SELECT DISTINCT submitter_id FROM "{Correction._meta.db_table}" WHERE case_id = {{case}} AND outcome <> %s'
)


def correction_backers_part(*, case_sql: str) -> SqlPart:
    """Issue 14: `correction_backers` as an ARRAY subquery on `case_sql` (a column of the caller's statement),
    so the ruling reads the backers with its seat lock."""
    return SqlPart(f"ARRAY({CORRECTION_BACKERS_SQL.format(case=case_sql)})", (Correction.Outcome.INVALID,))


def correction_backers(*, case) -> set[str]:
    """IN-7, IN-11: the submitters whose (valid) corrections backed a case. The ruling reads it once and
    hands it to the sample and the ledgers, which both need it."""
    if sql_hot_path():  # the ruling's hot path: one prepared statement (core.sql)
        sql = CORRECTION_BACKERS_SQL.format(case="%s")
        return {row[0] for row in sql_run(sql, [case.pk, Correction.Outcome.INVALID])}
    return set(
        Correction.objects.filter(case=case)
        .exclude(outcome=Correction.Outcome.INVALID)
        .values_list("submitter_id", flat=True)
    )


def correction_explain(*, correction: Correction) -> dict:
    """For the operator page: the outcome, the step and rule that decided it, and why."""
    return {
        "outcome": correction.outcome,
        "decided_by": correction.decided_by,
        "rule": RULES.get(correction.decided_by.split(":")[0], ""),
        "reason": correction.reason,
        "errors": correction.errors,
    }


RULES = {
    "validate": "IN-1: every field checked; an invalid item names the field and the reason.",
    "recognise_correction": "IN-1: the reply must carry '@grok correct' or a variant, with text after it.",
    "deduplicate": "A repeated delivery (same post, submitter, text) answers what the first got.",
    "ocr_defer": "MH-6: an image without OCR text waits for the OCR task (gpu queue); then the whole pipeline runs.",
    "suspended_component": "IN-10: the submitter is in a suspended reply-graph component.",
    "rate_limit": "IN-3: 3 corrections per 24 h per country + network; a burst starts a 12 h cool-off.",
    "block_list": "IN-4: the correction overlaps the slur/gibberish block-list.",
    "topic_freeze": "IN-8: the hashtag's topic entropy collapsed; it is frozen for 3 days.",
    "route": "Routing: the locale's shard (risk-tagged: native-only; rare: the rare pool; "
    "geo-mismatch or no shard: the global queue, IN-9).",
    "auto_accept": "IN-5: >= 5 unique users sent the same normalised correction within 6 h.",
    "conflict_resolver": "IN-6: conflicting numbers: oracle, else a weighted merge, beyond 2 sigma a human.",
    "consensus": "IN-6/IN-7: sent to a human (2 sigma, or a low-volume language with crowd auto-accept off).",
    "pipeline": "No step decided the item (a bug); it is kept as invalid.",
}


def correction_texts_recent(*, shard, since, limit: int) -> list[tuple[int, str, str, bool]]:
    """Issue 13 backtest: the recorded texts of a shard since `since`, newest first, one per post:
    (correction id, post id, text with its OCR text, risk-tagged)."""
    rows = (
        Correction.objects.filter(shard=shard, received_at__gte=since)
        .exclude(outcome=Correction.Outcome.INVALID)
        .order_by("-received_at", "-pk")
        .values_list("pk", "post_id", "post_text", "ocr_text", "risk_tags")[: limit * 2]
    )
    out, seen = [], set()
    for pk, post_id, text, ocr, tags in rows:
        key = post_id or f"correction-{pk}"
        if key in seen:
            continue
        seen.add(key)
        out.append((pk, key, text + ("\n" + ocr if ocr else ""), bool(tags)))
        if len(out) >= limit:
            break
    return out


def corrections_ocr_pending(*, limit: int = 500) -> list[int]:
    """MH-6: the oldest ocr_pending corrections (pks), for the retry schedule."""
    return list(
        Correction.objects.filter(outcome=Correction.Outcome.OCR_PENDING)
        .order_by("received_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
