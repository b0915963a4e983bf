"""RK-4: regex safety. Patterns are compiled by RE2, a linear-time engine: no pattern can hang a worker.

What a pattern means for Thai, Arabic and every other script is defined once, in
`risk_db.patterns` and docs/patterns.md for seniors, and the same meaning holds everywhere a
pattern runs: the shadow scorer (Hyperscan + RE2), this app's live index and the queue's defer-to-rule.
In short: RE2 syntax, case-insensitive; `\\w` is a letter, number or `_` of any script; `\\b` only at the
start or end of a pattern (or of a top-level `|` branch), where a word character is a letter, a mark
(Thai vowels, Arabic harakat), a number or `_`; next to Thai (and other scripts written without spaces)
`\\b` is dropped and the term matches inside the text. Refused with the reason: a `\\b` elsewhere, `\\B`,
backreferences and lookaround, patterns over the length or memory limit, patterns that match too large
a share of the sample corpus, and patterns the scoring engine cannot compile.
"""

from functools import lru_cache
from pathlib import Path

import re2
from django.conf import settings

from risk_db.patterns import PatternUnsupported, match_text, pattern_check, pattern_translate
from verifier.models import Case


class PatternRejected(ValueError):
    """The engine refuses the pattern (SPEC 8 code `pattern_rejected`)."""

    code = "pattern_rejected"


class PatternTooBroad(PatternRejected):
    """The pattern matches too large a share of the sample corpus (SPEC 8 code `pattern_too_broad`)."""

    code = "pattern_too_broad"


def _options() -> "re2.Options":
    options = re2.Options()
    options.case_sensitive = False
    options.log_errors = False
    options.max_mem = settings.RISK_DB["RE2_MAX_MEM"]
    return options


@lru_cache(maxsize=4096)
def rule_pattern_compile(pattern: str):
    """RK-4: compile with RE2; a pattern RE2 refuses (backreferences, lookaround, too big) raises PatternRejected."""
    if not pattern or not pattern.strip():
        raise PatternRejected("The pattern is empty.")
    limit = settings.RISK_DB["PATTERN_MAX_CHARS"]
    if len(pattern) > limit:
        raise PatternRejected(f"The pattern is {len(pattern)} characters long; the limit is {limit}.")
    try:
        return re2.compile(pattern_for_engine(pattern), _options())
    except re2.error as exc:
        raise PatternRejected(
            f"RE2 (the linear-time engine) cannot compile this pattern: {exc}. "
            "Backreferences and lookaround are not supported."
        ) from exc


def pattern_for_engine(pattern: str) -> str:
    """The senior's pattern as one RE2 pattern with the product's Unicode semantics (docs/patterns.md)."""

    try:
        return pattern_translate(pattern).re2_unicode
    except PatternUnsupported as exc:
        raise PatternRejected(f"This pattern cannot be used: {exc}.") from exc


def sample_corpus() -> list[str]:
    """RK-4: the shipped mixed-script sample plus the most recent case texts."""
    path = Path(settings.RISK_DB["SAMPLE_CORPUS"])
    lines = [ln for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip() and not ln.startswith("#")]

    recent = settings.RISK_DB["SAMPLE_RECENT_POSTS"]
    if recent:
        lines += list(Case.objects.order_by("-id").values_list("post_text", flat=True)[:recent])
    return lines


def rule_pattern_check(*, pattern: str, corpus: list[str] | None = None) -> dict:
    """RK-4: compile the pattern and measure its reach on the sample corpus. Refuses with the reason.
    Returns {"matched": n, "corpus": size, "share": float}."""
    compiled = rule_pattern_compile(pattern)
    if compiled.search("") is not None:
        raise PatternTooBroad("The pattern matches the empty text, so it would match every post.")

    reason = pattern_check(pattern)  # the shadow scorer must be able to run it too (MH-1)
    if reason:
        raise PatternRejected(f"The scoring engine cannot run this pattern: {reason}")
    corpus = sample_corpus() if corpus is None else corpus
    matched = sum(1 for text in corpus if compiled.search(match_text(text)))
    share = matched / len(corpus) if corpus else 0.0
    limit = settings.RISK_DB["TOO_BROAD_SHARE"]
    if share > limit:
        raise PatternTooBroad(
            f"The pattern matches {matched} of {len(corpus)} sample posts ({share:.1%}); "
            f"the limit is {limit:.1%}. Make it more specific."
        )
    return {"matched": matched, "corpus": len(corpus), "share": share}
