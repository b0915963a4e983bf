"""Rule matching used by the queue (VQ-3 defer-to-rule, SH-1 clear-rule hits).

Patterns are compiled by RE2, a linear-time engine (RK-4): no pattern can hang a worker.
"""
from functools import lru_cache

import re2

from risk_db.models import Rule


class PatternRejected(ValueError):
    pass


def _options() -> "re2.Options":
    options = re2.Options()
    options.case_sensitive = False
    options.log_errors = False
    return options


@lru_cache(maxsize=4096)
def rule_pattern_compile(pattern: str):
    """Compile with RE2; a pattern RE2 refuses (backreferences, lookaround) raises PatternRejected."""
    try:
        return re2.compile(pattern, _options())
    except re2.error as exc:
        raise PatternRejected(f"RE2 cannot compile this pattern: {exc}") from exc


def rules_matching_text(*, text: str, locale: str, states: tuple[str, ...] = (Rule.State.BLOCKING,)) -> list[Rule]:
    """Rules of `locale` in one of `states` whose pattern matches `text`. Bad patterns are skipped."""
    hits = []
    for rule in Rule.objects.filter(origin_locale=locale, state__in=states).order_by("id"):
        try:
            compiled = rule_pattern_compile(rule.pattern)
        except PatternRejected:
            continue
        if compiled.search(text):
            hits.append(rule)
    return hits
