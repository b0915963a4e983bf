"""MH-6: clearly named deterministic stand-ins for the MT and public-record oracle hooks.

They are used only when the real hooks (settings.INTAKE["MT_HOOK"] / ["ORACLE_HOOK"], owned by the
model-hooks app) cannot be imported. No model ships offline for either, so these stand-ins do the
one thing intake needs from them without a model, and say so in their name.
"""
import re
import unicodedata
from datetime import datetime

_DIGITS = {}
for _block in (0x0660, 0x06F0, 0x0E50, 0x0966, 0x09E6):  # Arabic-Indic, Persian, Thai, Devanagari, Bengali
    for _i in range(10):
        _DIGITS[_block + _i] = str(_i)


class StandInTranslator:
    """Not a translator: maps native digits to ASCII so numbers compare across scripts, and leaves
    the words as they are. `translate` and `back_translate` keep the interface of the real MT hook."""

    name = "stand-in-mt"

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


class StandInOracle:
    """Not a public-record source: answers only from the table it was given (tests, demos)."""

    name = "stand-in-oracle"

    def __init__(self):
        self.records: dict[str, float] = {}

    def lookup(self, *, post_id: str, post_text: str, at: datetime, window_hours: float) -> float | None:
        return self.records.get(post_id)


stand_in_translator = StandInTranslator()
stand_in_oracle = StandInOracle()
