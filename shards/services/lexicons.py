"""SH-3: tag text and OCR text against every per-locale risk lexicon."""

import re
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.db.models import Count, Max

from core.text import text_normalise
from shards.models import RiskLexicon, RiskTerm

LEXICON_DIR = Path(__file__).resolve().parent.parent / "lexicons"
_LATIN_ONLY = re.compile(r"^[\x00-\u024f\s\-']+$")


@dataclass(frozen=True)
class _CompiledLexicon:
    name: str
    locale_code: str
    pattern: re.Pattern


class RiskTagger:
    """Holds the lexicons compiled as one alternation each; rebuilt when the terms change."""

    def __init__(self):
        self._stamp = None
        self._lexicons: list[_CompiledLexicon] = []

    def _current_stamp(self):
        return tuple(RiskTerm.objects.aggregate(n=Count("id"), m=Max("id")).values())

    def _build(self):
        lexicons = []
        for lexicon in RiskLexicon.objects.prefetch_related("terms"):
            parts = []
            # Longest first, so a full title wins over the shorter title inside it.
            for term in sorted((t.term for t in lexicon.terms.all()), key=len, reverse=True):
                norm = re.escape(text_normalise(term))
                # Thai and Arabic terms match anywhere (Thai has no spaces between words);
                # Latin terms match as whole words so "Rama X" does not fire on "Rama Xavier".
                parts.append(rf"\b{norm}\b" if _LATIN_ONLY.match(term) else norm)
            if parts:
                lexicons.append(_CompiledLexicon(lexicon.name, lexicon.locale_code, re.compile("|".join(parts))))
        return lexicons

    def refresh(self):
        stamp = self._current_stamp()
        if stamp != self._stamp:
            self._lexicons, self._stamp = self._build(), stamp

    def tag(self, *texts: str) -> dict[str, list[str]]:
        """{locale_code: [lexicon:term, ...]} for every lexicon that matches any of the texts."""
        found: dict[str, list[str]] = {}
        joined = "\n".join(text_normalise(t) for t in texts if t)
        for lexicon in self._lexicons:
            hits = sorted(set(lexicon.pattern.findall(joined)))
            if hits:
                found.setdefault(lexicon.locale_code, []).extend(f"{lexicon.name}:{h}" for h in hits)
        return found


tagger = RiskTagger()


def lexicon_load_file(*, name: str, locale_code: str, path: Path | None = None) -> RiskLexicon:
    """Load (or top up) a lexicon from its shipped file; terms an admin added are kept."""
    path = path or LEXICON_DIR / f"{name}.txt"
    with transaction.atomic():
        lexicon, _ = RiskLexicon.objects.get_or_create(name=name, defaults={"locale_code": locale_code})
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip() or line.startswith("#"):
                continue
            category, term = line.split("\t", 1)
            RiskTerm.objects.get_or_create(lexicon=lexicon, term=term.strip(), defaults={"category": category})
    return lexicon
