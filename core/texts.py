"""Issue 14 (VQ-9): text the app stores in English, shown in the viewer's language.

Alert and live-feed messages, state codes and the app's own fixed reasons are stored in English, and
the API and the audit log keep that English. Pages (and the live feed, per recipient) translate at
render time:

- a message is stored with its code (the alert's `kind`, the feed item's `code`) and its `params`;
  `message_render` fills the code's translated template, each parameter isolated (`<bdi>` in HTML,
  Unicode FSI/PDI in plain text) so a shard code or a number keeps its order in the Arabic UI;
  the English template is the stored sentence, so an English page shows exactly what is stored;
- a state code (`decided`, `auto_accepted` ...) has a translated name (`code_name`); English shows
  the code as it is;
- a fixed reason the app writes (`stored_text`) is looked up among the known sentences below;
  anything else (a person's own words, a parameterised reason) is shown as stored.
"""

import re
from decimal import Decimal

from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, gettext_noop, pgettext_lazy

# The stored English of each message code (the f-strings that write `message` use the same words).
MESSAGES = {
    # shards.services.pools.shard_check_pool (SH-1)
    "pool_degraded": gettext_noop(
        "%(shard)s has %(size)s native verifier(s) under contract (minimum %(minimum)s) for %(days)s day(s): "
        "new taboo cases are paused, only clear-rule regex hits flow."
    ),
    "pool_closed": gettext_noop(
        "%(shard)s has %(size)s native verifier(s) under contract (minimum %(minimum)s) for %(days)s day(s): "
        "new taboo cases are paused."
    ),
    # shards.services.rare.rare_pool_check (SH-2)
    "rare_pool": gettext_noop(
        "The rare-locale pool has %(members)s contractor(s) in %(zones)s time zone(s); "
        "SH-2 wants %(want)s across %(want)s time zones."
    ),
    # shards.services.botnet (IN-10)
    "suspended_component": gettext_noop(
        "Suspended a reply-graph component of %(users)s users: %(share)s of its corrections are on #%(hashtag)s (IN-10)."
    ),
    # shards.intake.defences (IN-9)
    "x_shard_anomaly": gettext_noop(
        "x-shard anomaly in %(locale)s: %(mismatched)s of %(total)s corrections (%(share)s) in the last %(hours)s h "
        "have a billing country that does not match the locale (IN-9)."
    ),
    # risk_db.tasks (RK-2)
    "taboo_weekly_review": gettext_noop(
        "Weekly taboo review: %(waiting)s candidates wait at /risk/review/ (as of %(date)s)"
    ),
    "horizon": gettext_noop("Daily taboo feed: %(open)s open, %(review)s waiting for review, %(expired)s expired"),
    # risk_db.services.horizon, lifecycle
    "taboo": gettext_noop("New taboo nominated in %(locale)s: %(term)s (%(status)s)"),
    "rule_review": gettext_noop("Rule %(rule)s needs review in %(shard)s: would-hit rate %(rate)s in 48 h"),
    # modelhooks.services.filtering
    "filter_index_load": gettext_noop(
        "The live filter could not load index build %(build)s (%(reason)s); it still serves build %(serving)s."
    ),
    # verifier.services.appeals, verifier.tasks
    "appeal_tier2": gettext_noop("Tier-2 appeal waiting for %(senior)s (%(shard)s)"),
    "appeal_tier3": gettext_noop("Tier-3 panel formed for an appeal in %(shard)s"),
    "overdue": gettext_noop("Overdue case in %(shard)s (due %(due)s UTC)"),
}

# Parameters that are themselves state codes: shown by their translated name.
_CODE_PARAMS = frozenset({"status"})

# State codes shown on pages. The msgid is the code itself (context "state code"), so English pages
# show what is stored, unchanged; Thai and Arabic pages show a name.
CODE_NAMES = {
    # shard states (shards.services.pools.ShardState)
    "open": pgettext_lazy("state code", "open"),
    "degraded": pgettext_lazy("state code", "degraded"),
    "closed": pgettext_lazy("state code", "closed"),
    # case kinds and states, appeal states and outcomes, answers
    "taboo": pgettext_lazy("state code", "taboo"),
    "correction": pgettext_lazy("state code", "correction"),
    "queued": pgettext_lazy("state code", "queued"),
    "paused": pgettext_lazy("state code", "paused"),
    "decided": pgettext_lazy("state code", "decided"),
    "upheld": pgettext_lazy("state code", "upheld"),
    "reversed": pgettext_lazy("state code", "reversed"),
    "yes": pgettext_lazy("state code", "yes"),
    "no": pgettext_lazy("state code", "no"),
    # intake outcomes (IN-1)
    "auto_accepted": pgettext_lazy("state code", "auto_accepted"),
    "merged": pgettext_lazy("state code", "merged"),
    "rate_limited": pgettext_lazy("state code", "rate_limited"),
    "blocked_list": pgettext_lazy("state code", "blocked_list"),
    "suspended_component": pgettext_lazy("state code", "suspended_component"),
    "frozen_topic": pgettext_lazy("state code", "frozen_topic"),
    "global_queue": pgettext_lazy("state code", "global_queue"),
    "invalid": pgettext_lazy("state code", "invalid"),
    "ocr_pending": pgettext_lazy("state code", "ocr_pending"),
    # dormant cliques (IN-11)
    "flagged": pgettext_lazy("state code", "flagged"),
    "bots": pgettext_lazy("state code", "bots"),
    "cleared": pgettext_lazy("state code", "cleared"),
    # rule states (RK) and taboo candidates (RK-2)
    "shadow": pgettext_lazy("state code", "shadow"),
    "blocking": pgettext_lazy("state code", "blocking"),
    "reverted": pgettext_lazy("state code", "reverted"),
    "dropped": pgettext_lazy("state code", "dropped"),
    "shadow_only": pgettext_lazy("state code", "shadow_only"),
    "feed": pgettext_lazy("state code", "feed"),
    "review": pgettext_lazy("state code", "review"),
    "expired": pgettext_lazy("state code", "expired"),
    "approved": pgettext_lazy("state code", "approved"),
    "rejected": pgettext_lazy("state code", "rejected"),
    # exports, releases, scoring batches
    "pending": pgettext_lazy("state code", "pending"),
    "running": pgettext_lazy("state code", "running"),
    "done": pgettext_lazy("state code", "done"),
    "failed": pgettext_lazy("state code", "failed"),
    "passed": pgettext_lazy("state code", "passed"),
    "held": pgettext_lazy("state code", "held"),
    # alert levels
    "info": pgettext_lazy("state code", "info"),
    "warning": pgettext_lazy("state code", "warning"),
    "loud": pgettext_lazy("state code", "loud"),
}

# Fixed reasons the app writes and pages show (a withheld sample, a correction's "why", a rule
# state's reason, a skipped scoring item). Parameterised ones stay English: see docs/languages.md.
STORED_SENTENCES = frozenset(
    {
        gettext_noop("The submitter belongs to a suspended reply-graph component (IN-10)."),
        gettext_noop("Conflicting numbers in a low-volume language: a verifier decides (IN-6, IN-7)."),
        gettext_noop("Waiting for OCR of the image (gpu queue)."),
        gettext_noop("overturned by a senior"),
        gettext_noop("origin shard"),
        gettext_noop("exported to every shard in shadow only (RK-7)"),
        gettext_noop("local evidence passed"),
        gettext_noop("graduation evidence passed"),
        gettext_noop("the author of the pattern asked; a second senior must confirm (four eyes)"),
        gettext_noop("no shard: the intake did not route this item"),
        gettext_noop("post_id is empty"),
        gettext_noop("post text is empty"),
        gettext_noop("no live index has been built yet"),
    }
)


_NUMBER = re.compile(r"[0-9.,]+")


def isolate_html(value) -> str:
    """`value` in `<bdi>`, unless it is a bare number (digits keep their order in RTL text anyway):
    a Latin shard code, username, id or date inside a translated sentence keeps its order and its
    punctuation in the Arabic UI."""
    if isinstance(value, int | float | Decimal) or (isinstance(value, str) and _NUMBER.fullmatch(value)):
        return conditional_escape(value)
    return format_html("<bdi>{}</bdi>", value)


def code_name(code) -> str:
    """The translated name of a stored state code; an unknown code is shown as stored."""
    name = CODE_NAMES.get(code) if isinstance(code, str) else None
    return str(name) if name is not None else code


def stored_text(text) -> str:
    """A fixed reason the app wrote, in the viewer's language; any other text as stored."""
    return gettext(text) if isinstance(text, str) and text in STORED_SENTENCES else text


def message_render(code: str, params, fallback: str, *, html: bool = False) -> str:
    """The message of `code` with `params` in the active language, or `fallback` (the stored English)
    when the code is unknown or the params do not fill it (a row written before params were kept)."""
    msgid = MESSAGES.get(code)
    if msgid is None or not isinstance(params, dict) or not params:
        return conditional_escape(fallback) if html else fallback
    values = {key: code_name(value) if key in _CODE_PARAMS else value for key, value in params.items()}
    template = gettext(msgid)
    try:
        if html:
            isolated = {key: isolate_html(value) for key, value in values.items()}
            return mark_safe(conditional_escape(template) % isolated)
        return template % {key: f"\u2068{value}\u2069" for key, value in values.items()}
    except (KeyError, ValueError, TypeError):
        return conditional_escape(fallback) if html else fallback


def message_english(code: str, params: dict) -> str:
    """The stored English of a message: the code's template filled with `params`, untranslated."""
    return MESSAGES[code] % params


def feed_message(code: str, **params) -> dict:
    """A live-feed item's text: the stored English `message` (as before), and `code` + `params`
    so each recipient's page gets it in their own language (verifier.consumers)."""
    return {"message": message_english(code, params), "code": code, "params": params}
