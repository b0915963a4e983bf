"""MH-6 hooks other than embedders: a real sentiment model (VADER ships its lexicon) and
deterministic stand-ins for what cannot be had offline. A stand-in's name says so."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime

from django.conf import settings

from modelhooks.hooks.base import OracleAnswer

_DIGITS = {}
for _block in (0x0660, 0x06F0, 0x0E50, 0x0966, 0x09E6):  # Arabic-Indic, Persian, Thai, Devanagari, Bengali
    for _i in range(10):
        _DIGITS[_block + _i] = str(_i)


class VaderSentiment:
    """VADER (vaderSentiment): a lexicon and rules, shipped in the package. English-centred: for
    text in other scripts it mostly answers 0 (neutral), which RK-6 reads as "not >= 0.2"."""

    name = "vader"
    languages = ("en",)  # its lexicon is English: on Thai or Arabic a softened rule could never fire

    def __init__(self):
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer  # loads its lexicon: only when used

        self._analyzer = SentimentIntensityAnalyzer()

    def score(self, text: str) -> float:
        return float(self._analyzer.polarity_scores(text)["compound"])


class MachineTranslatorStandIn:
    """No MT model ships offline. Deterministic: tags the text with the language pair and returns it
    unchanged, so round trips are exact and tests can see the hook was called.

    Intake (IN-2, IN-6) uses MT only to compare numbers across scripts, which a tag would spoil, so
    its face of this stand-in (`intake_translator()`, what `modelhooks.hooks.mt()` returns) leaves the
    words as they are and maps native digits to ASCII."""

    name = "mt-stand-in"

    def translate(self, text: str, *, source: str, target: str) -> str:
        if source.split("-")[0] == target.split("-")[0]:
            return text
        return f"[{source}->{target}] {text}"

    def intake_translator(self) -> _NumbersOnlyTranslator:
        return _NumbersOnlyTranslator(self.name)


class _NumbersOnlyTranslator:
    """Intake's face of MachineTranslatorStandIn: `translate` and `back_translate` keep the interface
    intake calls, and only make numbers comparable."""

    def __init__(self, name: str):
        self.name = name

    def translate(self, text: str, *, source: str, target: str = "en") -> str:
        return unicodedata.normalize("NFKC", text).translate(_DIGITS)

    def back_translate(self, english: str, *, native: str, language: str) -> str:
        """The approved delta on native tokens: the native text with its number set to the English one."""
        numbers = re.findall(r"\d[\d,.]*", english)
        if not numbers:
            return native
        value = numbers[0]
        native_ascii = self.translate(native, source=language)
        return re.sub(r"\d[\d,.]*", value, native_ascii, count=1)


class OracleStandIn:
    """No public-record oracle is reachable offline. Answers from `settings.MODELHOOKS["ORACLE_FACTS"]`
    ({query: value}); unknown queries get value None ("no record")."""

    name = "oracle-stand-in"

    def lookup(self, query: str, *, at: datetime | None = None, window_hours: float | None = None) -> OracleAnswer:
        facts = settings.MODELHOOKS.get("ORACLE_FACTS", {})
        return OracleAnswer(value=facts.get(query.strip().lower()), source=self.name, at=at)
