"""CA-3 blind-audit paraphrases: the shipped paraphraser for the demo languages (Thai, English, Arabic).

No paraphrase model ships offline, so this is rules over real segmentation: Thai is cut into words
by PyThaiNLP's dictionary tokeniser (`newmm`, its bundled word list; no download), English and
Arabic by word boundaries. Every rule changes the body of the sentence, never only its edges:
- same-meaning word, phrase and function-word swaps from the shipped word lists
  (`wordlists/<lang>.tsv`; whole words only, so a Thai word inside a longer one is never touched);
- a trailing time adverbial moved to the front of the sentence, which all three languages allow;
- numbers written another way: English and Thai counts in words (Thai by PyThaiNLP's
  `num_to_thaiword`), Thai years and article numbers in Thai digits, Arabic numbers in Arabic-Indic
  digits; English "June 4" as "4 June".
There is no lead-in: a text no rule changes is returned unchanged, and the blind audit does not
sample it (a senior may still write its flip). Seniors edit flips before they are offered.
A text in another script than its locale's (an English reply on an Arabic post) gets the rules of
its own script.
"""

from __future__ import annotations

import os
import re
from functools import cache
from pathlib import Path

# PyThaiNLP: bundled data only, never a background download (before it is first imported).
os.environ.setdefault("PYTHAINLP_OFFLINE", "1")
os.environ.setdefault("PYTHAINLP_READ_ONLY", "1")

WORDLISTS = Path(__file__).with_name("wordlists")

_EN_TIME = ("yesterday", "today", "last night", "this morning", "tonight", "tomorrow", "on monday", "on sunday")
_EN_KEEP_BEFORE = ("not", "from", "late", "early", "than", "since", "until")  # "not yesterday": the time is the point
_EN_LOWER_FIRST = {"a", "an", "the", "this", "that", "these", "those", "our", "my", "his", "her", "their", "its"}
_EN_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
# a number right after these is a name or a date, not a count ("Rama 9", "June 3", "Route 66")
_EN_NOT_A_COUNT = {"rama", "route", "no", "number", "room", "gate", "page", "article", "section", "version"}

_AR_TIME = (
    "أمس",
    "اليوم",
    "غدا",
    "الليلة الماضية",
    "هذا الصباح",
    "البارحة",
    "يوم السبت",
    "يوم الأحد",
    "يوم الاثنين",
    "يوم الثلاثاء",
    "يوم الأربعاء",
    "يوم الخميس",
    "يوم الجمعة",
)
_AR_KEEP_BEFORE = ("من", "ليس", "ليست", "وليس", "وليست", "منذ", "حتى")
_AR_DIGITS = str.maketrans("0123456789.", "٠١٢٣٤٥٦٧٨٩٫")

_TH_TIME = ("วันนี้", "เมื่อวาน", "เมื่อวานนี้", "พรุ่งนี้", "เมื่อคืน", "เมื่อคืนนี้", "เมื่อเช้านี้", "คืนนี้")
_TH_KEEP_BEFORE = ("ไม่ใช่", "มิใช่", "ใช่", "ไม่", "จาก", "ตั้งแต่", "จนถึง")
# a number after these is a year, an article or a reign: Thai digits, never words
_TH_DIGITS_AFTER = ("ปี", "พ.ศ.", "ค.ศ.", "มาตรา", "รัชกาลที่", "ที่")

_PREFIX = re.compile(r"^(@\w+\s+correct\s+)", re.IGNORECASE)  # "@grok correct ...": the request stays as it is
_THAI = re.compile("[\u0e00-\u0e7f]")
_ARABIC = re.compile("[\u0600-\u06ff]")
_LATIN = re.compile("[A-Za-z]")


@cache
def word_list(lang: str) -> dict[str, str]:
    """The shipped swap list of a language: `word<TAB>replacement` lines, `#` comments."""
    table = {}
    for n, line in enumerate((WORDLISTS / f"{lang}.tsv").read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        key, sep, value = line.partition("\t")
        if not sep or not key.strip() or not value.strip():
            raise ValueError(f"wordlists/{lang}.tsv line {n}: expected 'word<TAB>replacement', got {line!r}")
        table[key.strip()] = value.strip()
    return table


def _case_like(word: str, new: str) -> str:
    return new[:1].upper() + new[1:] if word[:1].isupper() else new


def _swap_words(text: str, table: dict[str, str], *, ignore_case: bool) -> str:
    """Whole-word swaps, longest phrase first, each position swapped once."""
    keys = sorted(table, key=len, reverse=True)
    lookup = {k.lower(): v for k, v in table.items()} if ignore_case else table
    pattern = re.compile(
        r"(?<!\w)(" + "|".join(re.escape(k) for k in keys) + r")(?!\w)", re.IGNORECASE if ignore_case else 0
    )
    return pattern.sub(
        lambda m: _case_like(m.group(0), lookup[m.group(0).lower() if ignore_case else m.group(0)]), text
    )


def _front_time(text: str, times: tuple[str, ...], keep: tuple[str, ...], *, comma: str, capitalise: bool) -> str:
    """ "X did Y yesterday." -> "Yesterday, X did Y." (a trailing time adverbial moved to the front),
    not where the word before it makes the time the point ("not from yesterday")."""
    body, end = (text[:-1], text[-1]) if text[-1:] in ".!؟?" else (text, "")
    for t in sorted(times, key=len, reverse=True):
        if body.lower().endswith(" " + t):
            head = body[: len(body) - len(t)].rstrip()
            if not head or head.split()[-1].lower() in keep:
                return text
            first = head.split()[0]
            if capitalise and (first.lower() in _EN_LOWER_FIRST or not first.isupper()):
                head = head[:1].lower() + head[1:]
            lead = t[:1].upper() + t[1:] if capitalise else t
            return f"{lead}{comma} {head}{end}"
    return text


_ONES = "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen".split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()


def en_number_words(n: int) -> str:
    """0 <= n < 1,000,000 in English words ("forty-two", "one thousand two hundred")."""
    if n < 20:
        return _ONES[n]
    if n < 100:
        return _TENS[n // 10] + ("-" + _ONES[n % 10] if n % 10 else "")
    if n < 1000:
        return _ONES[n // 100] + " hundred" + (" " + en_number_words(n % 100) if n % 100 else "")
    return en_number_words(n // 1000) + " thousand" + (" " + en_number_words(n % 1000) if n % 1000 else "")


def _english_numbers(text: str) -> str:
    text = re.sub(rf"\b({_EN_MONTHS}) (\d{{1,2}})\b", r"\2 \1", text)  # "June 4" -> "4 June"

    def count(m: re.Match) -> str:
        before = text[: m.start()].split()[-1:] or [""]
        if before[0].lower().strip(",") in _EN_NOT_A_COUNT:
            return m.group(0)
        return f"{en_number_words(int(m.group(1).replace(',', '')))} {m.group(2)}"

    # a count: a whole number under a million followed by a lower-case word ("40 people", "200 people")
    return re.sub(r"(?<![\w.,])(\d{1,3}(?:,\d{3})?|\d{1,6})(?![\w.,]\d) ([a-z]+)", count, text)


@cache
def _th_provinces() -> frozenset[str]:
    from pythainlp.corpus import provinces  # PyThaiNLP's bundled list of the 77 provinces

    return frozenset(provinces()) - {"กรุงเทพมหานคร"}  # Bangkok is not a จังหวัด


class RuleParaphraser:
    """CA-3: the shipped paraphraser (see the module docstring). Deterministic: the same text and
    locale always give the same flip."""

    name = "rule-paraphraser"

    def paraphrase(self, text: str, *, locale: str) -> str:
        m = _PREFIX.match(text)
        head, body = (m.group(1), text[m.end() :]) if m else ("", text)
        if not body.strip():
            return text
        return head + self._body(body, lang=self._language(body, locale))

    @staticmethod
    def _language(text: str, locale: str) -> str:
        lang = locale.split("-")[0].lower()
        if _THAI.search(text):
            return "th"
        if _ARABIC.search(text):
            return "ar"
        return "en" if _LATIN.search(text) or lang not in ("th", "ar") else lang

    def _body(self, text: str, *, lang: str) -> str:
        if lang == "th":
            return self._thai(text)
        if lang == "ar":
            out = _front_time(text, _AR_TIME, _AR_KEEP_BEFORE, comma="،", capitalise=False)
            out = _swap_words(out, word_list("ar"), ignore_case=False)
            # a number standing alone, not the digits of a code or a name ("A320", "ABC123")
            return re.sub(r"(?<!\w)\d+(?:[.,]\d+)*(?!\w)", lambda m: m.group(0).translate(_AR_DIGITS), out)
        out = _front_time(text, _EN_TIME, _EN_KEEP_BEFORE, comma=",", capitalise=True)
        return _english_numbers(_swap_words(out, word_list("en"), ignore_case=True))

    def _thai(self, text: str) -> str:
        from pythainlp.tokenize import word_tokenize  # loads its bundled dictionary on first use
        from pythainlp.util import arabic_digit_to_thai_digit, num_to_thaiword

        words = word_tokenize(text, engine="newmm", keep_whitespace=True)
        # a time word at the end to the front, not where it is the point ("ไม่ใช่เมื่อวาน": not yesterday)
        # (and not after a bare predicate: "เป็นรายการเมื่อวาน" is "it was yesterday's show")
        if (
            len(words) > 1
            and words[-1] in _TH_TIME
            and words[-2].strip()
            and words[-2] not in _TH_KEEP_BEFORE
            and sum(1 for w in words[:-1] if w.strip()) >= 3
        ):
            words = [words[-1], *words[:-1]]
        table, longest = word_list("th"), 6
        out, i = [], 0
        while i < len(words):
            # the longest run of whole tokens that is an entry ("ผู้|ชุมนุม" -> ผู้ประท้วง)
            for j in range(min(len(words), i + longest), i, -1):
                if (joined := "".join(words[i:j])) in table:
                    out.append(table[joined])
                    i = j
                    break
            else:
                w = words[i]
                if w in _th_provinces() and i and words[i - 1] in ("ที่", "ใน"):
                    w = "จังหวัด" + w  # "ที่ขอนแก่น" -> "ที่จังหวัดขอนแก่น"
                elif (re.fullmatch(r"\d{1,3}(,\d{3})+|\d+", w) or re.fullmatch(r"\d+\.\d+", w)) and (
                    i == 0 or not words[i - 1].strip()
                ):  # a number standing alone ("กว่า 100 คน"), not glued to a word or a code ("กรอบ7731")
                    prev = next((p for p in reversed(out) if p.strip()), "")
                    plain = w.replace(",", "")
                    if (
                        "." in w
                        or prev.endswith(_TH_DIGITS_AFTER)
                        or (len(plain) == 4 and plain[:2] in ("19", "20", "25"))  # a year, CE or BE
                    ):
                        w = arabic_digit_to_thai_digit(w)
                    else:
                        w = num_to_thaiword(int(plain))
                        if out and out[-1] == " ":  # "2 เมตร" -> "สองเมตร": Thai writes no space around a number word
                            out.pop()
                        if i + 1 < len(words) and words[i + 1] == " ":
                            i += 1
                out.append(w)
                i += 1
        return "".join(out)
