"""CA-3: the shipped paraphraser gives every demo language a flip that differs from its original,
keeps the meaning-bearing words, and segments Thai with PyThaiNLP's bundled dictionary (no network)."""

import re
import socket

import pytest

from modelhooks import hooks
from modelhooks.hooks.paraphrasers import RuleParaphraser
from modelhooks.probes import sanity_core

_SCRIPT = {"th-TH": "[\u0e00-\u0e7f]", "ar-SA": "[\u0600-\u06ff]"}


def _core_of(locale: str) -> list[str]:
    if locale in _SCRIPT:
        return [t for t in sanity_core() if re.search(_SCRIPT[locale], t)]
    return [t for t in sanity_core() if not re.search("[\u0e00-\u0e7f\u0600-\u06ff]", t)]


@pytest.mark.parametrize("locale", ["en-US", "th-TH", "ar-SA"])
def test_every_flip_differs_from_its_original(locale):
    texts = _core_of(locale)
    assert len(texts) >= 30
    for text in texts:
        flip = hooks.paraphrase(text, locale)
        assert flip != text, text
        assert hooks.paraphrase(text, locale) == flip  # deterministic: the audit can be re-run


def test_english_swaps_words_and_moves_a_trailing_time_to_the_front():
    p = RuleParaphraser()
    assert p.paraphrase("The big meeting opened with over 40 people", locale="en-US") == (
        "The large gathering opened with more than 40 persons"
    )
    assert p.paraphrase("The palace issued a statement this morning.", locale="en-US") == (
        "This morning, the palace issued a statement."
    )
    # where the time is the point it stays where it is
    assert p.paraphrase("The photo is from 2019, not yesterday.", locale="en-US") == (
        "The picture is from 2019, not yesterday."
    )


def test_thai_swaps_whole_words_found_by_pythainlp_never_parts_of_longer_words():
    p = RuleParaphraser()
    assert p.paraphrase("รัฐบาลประกาศมาตรการใหม่วันนี้", locale="th-TH") == "วันนี้รัฐบาลแถลงมาตรการใหม่"
    assert p.paraphrase("ภาพนี้สวย", locale="th-TH").startswith("รูปนี้")
    # ภาพยนตร์ (a film) is one word to the tokeniser: its ภาพ is not a "picture" to swap
    assert "ภาพยนตร์" in p.paraphrase("ภาพยนตร์เรื่องนี้สนุก", locale="th-TH")
    assert p.paraphrase("ภาพนี้ถ่ายเมื่อปี 2562 ไม่ใช่เมื่อวาน", locale="th-TH").endswith("ไม่ใช่เมื่อวานนี้")


def test_arabic_swaps_words_and_fronts_a_trailing_time():
    p = RuleParaphraser()
    assert p.paraphrase("تجمع المتظاهرون قرب النهر", locale="ar-SA") == "احتشد المحتجون بالقرب من النهر"
    assert p.paraphrase("اندلع حريق في السوق الليلة الماضية", locale="ar-SA") == "الليلة الماضية، اندلع حريق في السوق"


def test_a_text_no_rule_touches_gets_a_neutral_lead_in():
    p = RuleParaphraser()
    assert (
        p.paraphrase("Everyone knows the truth.", locale="en-US") == "According to the post, everyone knows the truth."
    )
    assert p.paraphrase("แมวนอน", locale="th-TH") == "ตามโพสต์นี้ แมวนอน"


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
