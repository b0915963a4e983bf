"""CA-3 blind-audit paraphrases: the shipped paraphraser for the demo languages (Thai, English, Arabic).

No paraphrase model ships offline, so this is rules over real segmentation: Thai is cut into words
by PyThaiNLP's dictionary tokeniser (`newmm`, its bundled word list; no download), English and
Arabic by word boundaries. Then, per language: same-meaning word and function-word swaps from a
small table (whole words only, so a Thai word inside a longer one is never touched), and a trailing
time adverbial moved to the front of the sentence, which all three languages allow. When nothing in
the text matched, a neutral lead-in ("According to the post, ...") is put first, so a flip always
differs from its original. Seniors still edit flips before they are offered.
"""

from __future__ import annotations

import os
import re

# PyThaiNLP: bundled data only, never a background download (before it is first imported).
os.environ.setdefault("PYTHAINLP_OFFLINE", "1")
os.environ.setdefault("PYTHAINLP_READ_ONLY", "1")

_EN_SWAPS = {
    "big": "large",
    "large": "big",
    "small": "little",
    "little": "small",
    "meeting": "gathering",
    "gathering": "meeting",
    "said": "stated",
    "stated": "said",
    "photo": "picture",
    "picture": "photo",
    "near": "close to",
    "announced": "declared",
    "begin": "start",
    "start": "begin",
    "began": "started",
    "started": "began",
    "rally": "demonstration",
    "demonstration": "rally",
    "shows": "depicts",
    "quickly": "rapidly",
    "huge": "enormous",
    "people": "persons",
    "is not": "isn't",
    "isn't": "is not",
    "does not": "doesn't",
    "doesn't": "does not",
    "over": "more than",
    "more than": "over",
    "after": "following",
    "because of": "due to",
    "due to": "because of",
    "cancelled": "called off",
    "stopped": "halted",
    "arrested": "detained",
    "denied": "rejected",
    "again": "once more",
    "very": "really",
    "warned": "cautioned",
    "asked": "requested",
    "help": "assistance",
    "reopen": "open again",
}
_EN_TIME = ("yesterday", "today", "last night", "this morning", "tonight", "tomorrow", "on monday", "on sunday")
_EN_KEEP_BEFORE = ("not", "from", "late", "early", "than", "since", "until")  # "not yesterday": the time is the point

_AR_SWAPS = {
    "قال": "صرح",
    "صرح": "قال",
    "كبير": "ضخم",
    "ضخم": "كبير",
    "حوالي": "نحو",
    "نحو": "حوالي",
    "أمس": "البارحة",
    "البارحة": "أمس",
    "صورة": "لقطة",
    "الصورة": "اللقطة",
    "قرب": "بالقرب من",
    "أكثر": "أزيد",
    "جديدا": "حديثا",
    "جديد": "حديث",
    "بعد": "عقب",
    "عقب": "بعد",
    "المقبل": "القادم",
    "القادم": "المقبل",
    "بسبب": "جراء",
    "شخص": "فرد",
    "المدينة": "البلدة",
    "ليست": "ليس",
    "تجمع": "احتشد",
    "المتظاهرون": "المحتجون",
}
_AR_TIME = ("أمس", "اليوم", "غدا", "الليلة الماضية", "هذا الصباح", "البارحة")
_AR_KEEP_BEFORE = ("من", "ليس", "ليست", "وليس", "وليست", "منذ", "حتى")

_TH_SWAPS = {
    "ภาพ": "รูป",
    "รูป": "ภาพ",
    "ประกาศ": "แถลง",
    "แถลง": "ประกาศ",
    "ผู้ชุมนุม": "ผู้ประท้วง",
    "ผู้ประท้วง": "ผู้ชุมนุม",
    "ประมาณ": "ราว",
    "ราว": "ประมาณ",
    "ใกล้": "ใกล้กับ",
    "บอก": "กล่าว",
    "กล่าว": "บอก",
    "ไม่ใช่": "มิใช่",
    "มิใช่": "ไม่ใช่",
    "เมื่อวาน": "เมื่อวานนี้",
    "พรุ่งนี้": "วันพรุ่งนี้",
    "มาก": "อย่างมาก",
    "หลัง": "ภายหลัง",
    "เพราะ": "เนื่องจาก",
    "เนื่องจาก": "เพราะ",
    "อีกครั้ง": "อีกหน",
    "จับกุม": "จับตัว",
    "เริ่ม": "เริ่มต้น",
    "ทุกคน": "ทุกๆ คน",
    "เกี่ยวกับ": "ในเรื่อง",
    "ข่าว": "ข่าวสาร",
    "รวมตัวกัน": "รวมตัว",
}
_TH_TIME = ("วันนี้", "เมื่อวาน", "เมื่อวานนี้", "พรุ่งนี้", "เมื่อคืน", "เมื่อเช้านี้")
_TH_KEEP_BEFORE = ("ไม่ใช่", "มิใช่", "ใช่", "ไม่", "จาก", "ตั้งแต่", "จนถึง")

_LEAD_IN = {"en": "According to the post, ", "th": "ตามโพสต์นี้ ", "ar": "بحسب المنشور، "}


def _case_like(word: str, new: str) -> str:
    return new[:1].upper() + new[1:] if word[:1].isupper() else new


def _swap_words(text: str, table: dict[str, str], *, ignore_case: bool) -> str:
    """Whole-word swaps, longest phrase first, each position swapped once."""
    keys = sorted(table, key=len, reverse=True)
    pattern = re.compile(
        r"(?<!\w)(" + "|".join(re.escape(k) for k in keys) + r")(?!\w)", re.IGNORECASE if ignore_case else 0
    )
    return pattern.sub(lambda m: _case_like(m.group(0), table[m.group(0).lower() if ignore_case else m.group(0)]), text)


def _front_time(text: str, times: tuple[str, ...], keep: tuple[str, ...], *, comma: str, capitalise: bool) -> str:
    """ "X did Y yesterday." -> "Yesterday, X did Y." (a trailing time adverbial moved to the front),
    not where the word before it makes the time the point ("not from yesterday")."""
    body, end = (text[:-1], text[-1]) if text[-1:] in ".!؟?" else (text, "")
    for t in sorted(times, key=len, reverse=True):
        if body.lower().endswith(" " + t):
            head = body[: len(body) - len(t)].rstrip()
            if head.split()[-1].lower() in keep:
                return text
            first = head.split()[0]
            if capitalise and (first.lower() in _EN_LOWER_FIRST or not first.isupper()):
                head = head[:1].lower() + head[1:]
            lead = t[:1].upper() + t[1:] if capitalise else t
            return f"{lead}{comma} {head}{end}"
    return text


_EN_LOWER_FIRST = {"a", "an", "the", "this", "that", "these", "those", "our", "my", "his", "her", "their", "its"}


class RuleParaphraser:
    """CA-3: the shipped paraphraser (see the module docstring). Deterministic: the same text and
    locale always give the same flip."""

    name = "rule-paraphraser"

    def paraphrase(self, text: str, *, locale: str) -> str:
        lang = locale.split("-")[0].lower()
        if lang == "th":
            out = self._thai(text)
        elif lang == "ar":
            out = _swap_words(
                _front_time(text, _AR_TIME, _AR_KEEP_BEFORE, comma="،", capitalise=False), _AR_SWAPS, ignore_case=False
            )
        else:
            lang = "en"
            out = _swap_words(
                _front_time(text, _EN_TIME, _EN_KEEP_BEFORE, comma=",", capitalise=True), _EN_SWAPS, ignore_case=True
            )
        if out == text:
            out = _LEAD_IN[lang] + (text[:1].lower() + text[1:] if lang == "en" and text[1:2].islower() else text)
        return out

    def _thai(self, text: str) -> str:
        from pythainlp.tokenize import word_tokenize  # loads its bundled dictionary on first use

        words = word_tokenize(text, engine="newmm", keep_whitespace=True)
        # a time word at the end to the front, not where it is the point ("ไม่ใช่เมื่อวาน": not yesterday)
        if len(words) > 1 and words[-1] in _TH_TIME and words[-2].strip() and words[-2] not in _TH_KEEP_BEFORE:
            words = [words[-1], *words[:-1]]
        return "".join(_TH_SWAPS.get(w, w) for w in words)
