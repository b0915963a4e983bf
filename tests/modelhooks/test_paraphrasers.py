"""CA-3: the shipped paraphraser changes the body of every demo-language text (never only a
lead-in), keeps its meaning-bearing words, and segments Thai with PyThaiNLP's bundled dictionary
(no network)."""

import re
import socket

import pytest

from modelhooks import hooks
from modelhooks.hooks import paraphrasers
from modelhooks.hooks.paraphrasers import RuleParaphraser
from modelhooks.probes import sanity_core
from verifier.management.commands.load_demo import DEMO_ITEMS

_SCRIPT = {"th-TH": "[\u0e00-\u0e7f]", "ar-SA": "[\u0600-\u06ff]"}
# the lead-ins the paraphraser used to put before a text it could not change
_OLD_LEAD_INS = ("According to the post", "ตามโพสต์นี้", "بحسب المنشور")


def _core_of(locale: str) -> list[str]:
    if locale in _SCRIPT:
        return [t for t in sanity_core() if re.search(_SCRIPT[locale], t)]
    return [t for t in sanity_core() if not re.search("[\u0e00-\u0e7f\u0600-\u06ff]", t)]


def _demo_posts_of(locale: str) -> list[str]:
    return [text for loc, _sub, text, _reply, _tags in DEMO_ITEMS if loc == locale]


def _tokens(text: str, locale: str) -> list[str]:
    if locale == "th-TH":
        from pythainlp.tokenize import word_tokenize

        return [w for w in word_tokenize(text, engine="newmm") if w.strip()]
    return re.findall(r"\w+(?:'\w+)?", text.lower())


def _contains(seq: list[str], part: list[str]) -> bool:
    return any(seq[i : i + len(part)] == part for i in range(len(seq) - len(part) + 1))


@pytest.mark.parametrize("locale", ["en-US", "th-TH", "ar-SA"])
def test_every_flip_changes_the_body_of_the_sentence_never_only_a_lead_in(locale):
    texts = _core_of(locale) + _demo_posts_of(locale)
    assert len(texts) >= 33
    for text in texts:
        flip = hooks.paraphrase(text, locale)
        assert flip != text, text
        # not the original with something put before or after it
        assert text.rstrip(".?!") not in flip, (text, flip)
        assert not any(lead in flip for lead in _OLD_LEAD_INS), flip
        # token by token, the body differs: a word swapped, moved or dropped, not one put at an edge
        before, after = _tokens(text, locale), _tokens(flip, locale)
        assert after != before and not _contains(after, before), (text, flip)
        assert hooks.paraphrase(text, locale) == flip  # deterministic: the audit can be re-run


def test_english_swaps_words_and_moves_a_trailing_time_to_the_front():
    p = RuleParaphraser()
    assert p.paraphrase("The big meeting opened with over 40 people", locale="en-US") == (
        "The large gathering opened with more than forty persons"
    )
    assert p.paraphrase("The palace issued a statement this morning.", locale="en-US") == (
        "This morning, the palace released a statement."
    )
    # where the time is the point it stays where it is
    assert p.paraphrase("The photo is from 2019, not yesterday.", locale="en-US") == (
        "The picture is from 2019, not yesterday."
    )


def test_numbers_are_written_another_way_in_each_language():
    p = RuleParaphraser()
    # English: a count in words, a date day-first; a name's number stays
    assert p.paraphrase("The county fair opened on June 3", locale="en-US") == "The county fair opened on 3 June"
    assert "Rama IX" in p.paraphrase("Photo shows the Rama IX bridge at night", locale="en-US")
    assert (
        p.paraphrase("Route 66 had 1,200 visitors", locale="en-US") == "Route 66 had one thousand two hundred visitors"
    )
    # Thai: a count in words (no space around it), a year and an article number in Thai digits
    assert p.paraphrase("น้ำท่วมขอนแก่นสูง 2 เมตร", locale="th-TH") == "น้ำท่วมขอนแก่นสูงสองเมตร"
    assert p.paraphrase("มีผู้ถูกแจ้งความตามมาตรา 112 เพิ่มอีก 5 คน", locale="th-TH") == ("มีผู้ถูกแจ้งความตามมาตรา ๑๑๒ เพิ่มขึ้นอีกห้าคน")
    assert p.paraphrase("คลิปพระราชดำรัสเรื่องน้ำท่วมปี 2554", locale="th-TH").endswith("ปี ๒๕๕๔")
    # Arabic: Arabic-Indic digits
    assert p.paraphrase("درجة الحرارة في جدة 45 درجة", locale="ar-SA") == "الحرارة في جدة ٤٥ درجة"
    # digits that are part of a code or a word stay as they are
    assert "ปลาทูกรอบ7731" in p.paraphrase("ภาพ ในหลวง เสด็จ ปลาทูกรอบ7731", locale="th-TH")
    assert "A320" in p.paraphrase("طائرة A320 هبطت في جدة 45 دقيقة", locale="ar-SA")


def test_the_correction_request_is_kept_and_a_reply_in_another_script_gets_its_own_rules():
    p = RuleParaphraser()
    assert p.paraphrase("@grok correct it was 200 people", locale="en-US") == "@grok correct it was two hundred persons"
    assert p.paraphrase("@grok correct it was 42 degrees", locale="ar-SA") == "@grok correct it was forty-two degrees"
    assert p.paraphrase("@grok correct 42 درجة", locale="ar-SA") == "@grok correct ٤٢ درجة"


def test_thai_swaps_whole_words_found_by_pythainlp_never_parts_of_longer_words():
    p = RuleParaphraser()
    assert p.paraphrase("รัฐบาลประกาศมาตรการใหม่วันนี้", locale="th-TH") == "วันนี้รัฐบาลแถลงมาตรการใหม่"
    assert p.paraphrase("ภาพนี้สวย", locale="th-TH").startswith("รูปนี้")
    # ภาพยนตร์ (a film) is one word to the tokeniser: its ภาพ is not a "picture" to swap
    assert "ภาพยนตร์" in p.paraphrase("ภาพยนตร์เรื่องนี้สนุก", locale="th-TH")
    # a run of tokens is one entry (ผู้|ชุมนุม, ไม่|ใช่); "not yesterday" keeps its time at the end
    assert p.paraphrase("ภาพนี้ถ่ายเมื่อปี 2562 ไม่ใช่เมื่อวาน", locale="th-TH") == "รูปนี้ถ่ายเมื่อปี ๒๕๖๒ มิใช่เมื่อวานนี้"
    # a province after ที่ is named as a จังหวัด; Bangkok is not one
    assert p.paraphrase("พระราชินีเสด็จเยี่ยมโรงพยาบาลที่ขอนแก่น", locale="th-TH").endswith("ที่จังหวัดขอนแก่น")
    assert "จังหวัดกรุงเทพ" not in p.paraphrase("ร้านที่กรุงเทพมหานคร", locale="th-TH")


def test_arabic_swaps_words_and_fronts_a_trailing_time():
    p = RuleParaphraser()
    assert p.paraphrase("تجمع المتظاهرون قرب النهر", locale="ar-SA") == "احتشد المحتجون بالقرب من النهر"
    assert p.paraphrase("اندلع حريق في السوق الليلة الماضية", locale="ar-SA") == "الليلة الماضية، شب حريق في السوق"
    # a phrase entry keeps the verb agreeing with its new subject
    assert p.paraphrase("انقطعت الكهرباء عن الحي ست ساعات", locale="ar-SA") == "انقطع التيار الكهربائي عن الحي ست ساعات"


def test_a_text_no_rule_touches_comes_back_unchanged_with_no_lead_in():
    p = RuleParaphraser()
    assert p.paraphrase("Cats nap.", locale="en-US") == "Cats nap."
    assert p.paraphrase("@grok correct สีม่วง", locale="th-TH") == "@grok correct สีม่วง"


def test_a_malformed_word_list_line_is_an_error_naming_the_file_and_line(tmp_path, monkeypatch):
    (tmp_path / "en.tsv").write_text("# comment\nbig\tlarge\nsmall little\n", encoding="utf-8")
    monkeypatch.setattr(paraphrasers, "WORDLISTS", tmp_path)
    paraphrasers.word_list.cache_clear()
    try:
        with pytest.raises(ValueError, match=r"wordlists/en.tsv line 3"):
            paraphrasers.word_list("en")
    finally:
        paraphrasers.word_list.cache_clear()


def test_the_thai_tokeniser_works_offline_on_bundled_data(monkeypatch):
    import pythainlp.corpus.core as corpus_core
    from pythainlp.tools.path import is_offline_mode

    def no_network(*args, **kwargs):
        raise AssertionError("PyThaiNLP tried to reach the network")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(corpus_core, "download", no_network)
    assert is_offline_mode()
    from pythainlp.tokenize import word_tokenize

    assert word_tokenize("ผู้ชุมนุมรวมตัวกันใกล้แม่น้ำ", engine="newmm") == ["ผู้", "ชุมนุม", "รวมตัวกัน", "ใกล้", "แม่น้ำ"]
    assert RuleParaphraser().paraphrase("พระราชินีเสด็จเยี่ยมโรงพยาบาลที่ขอนแก่น", locale="th-TH")  # provinces too
