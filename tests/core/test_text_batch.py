"""Issue 13: the batch forms of the rule-matching normaliser (`rule_fold_many`, the word form of a joined
batch, the two in one pass (`match_texts_words`), the engine's one-buffer scan) give exactly what the
per-text forms give, on a mixed-script corpus with the characters that make normalising hard: invisible characters, ligatures, full-width letters, Thai
SARA AM, Arabic presentation forms and marks, special case folds, characters beyond the BMP."""

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import core.text
from core.text import BATCH_MIN_CHARS, BATCH_SEPARATOR, rule_fold, rule_fold_many
from modelhooks.scoring.corpus import make_posts
from modelhooks.scoring.engine import Engine
from risk_db.patterns import match_texts_words, word_bytes, word_text
from tests.modelhooks.test_patterns import rules_from

HARD = [
    "\u200b",  # zero width space
    "\u200d",  # zero width joiner (emoji sequences)
    "\u00ad",  # soft hyphen
    "\ufe0f",  # variation selector
    "\u2061",  # invisible operator
    "\U000e0041",  # tag character (invisible, beyond the BMP)
    "\ufb01",  # ligature fi
    "\ufefb",  # Arabic ligature lam-alef (presentation form)
    "\uff21\uff22\uff23",  # full-width ABC
    "\u0e33",  # Thai SARA AM
    "\u0eb3",  # Lao AM
    "\u00a0",  # no-break space
    "\u0653",  # Arabic maddah above (composes with alef)
    "\u0627\u0653",
    "e\u0301",  # e + combining acute (composes)
    "\u0301",  # a lone combining mark
    "\u00df",  # sharp s: casefold -> ss
    "\u0130",  # I with dot above
    "\u03c2",  # final sigma
    "\u017f",  # long s
    "\uab70",  # Cherokee small letter (folds to capital)
    "\U0001f600",  # emoji
    "\U00010400",  # Deseret capital
    "\u212b",  # angstrom sign
    "\ufffd",  # replacement character (UTF-8 EF BF BD, like the separator's lead)
    "\uf8ff",  # private use (UTF-8 EF A3 BF)
    "\uffe8",  # halfwidth form
    "\u060c",  # Arabic comma (non-word)
    "\u00ab",  # guillemet
]


def _corpus(n: int, seed: int) -> list[str]:
    rnd = random.Random(seed)
    posts = []
    for post in make_posts(n):
        for _ in range(rnd.choice((0, 0, 1, 2))):
            k = rnd.randrange(len(post) + 1)
            post = post[:k] + rnd.choice(HARD) + post[k:]
        if rnd.random() < 0.05:  # at the edges, where the batch joins posts
            post = rnd.choice(HARD) + post
        if rnd.random() < 0.05:
            post += rnd.choice(HARD)
        posts.append(post)
    return posts + ["", " ", "ascii only", "\u0301", "Stra\u00dfe", "\u0e19\u0e49\u0e33"]


def test_the_batch_fold_equals_the_per_text_fold_on_a_mixed_script_corpus():
    texts = _corpus(3000, seed=13)
    assert len(BATCH_SEPARATOR.join(texts)) >= BATCH_MIN_CHARS  # the batch path, not its per-text fallback
    want = [rule_fold(t) for t in texts]
    assert sum(w != t for w, t in zip(want, texts)) > 500  # the corpus really needs normalising
    assert rule_fold_many(texts) == want


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(st.sampled_from(HARD + list("aZ \u0e01\u0e32\u0628\u0645.")), max_size=12).map("".join)))
def test_any_small_batch_folds_as_its_texts_do(monkeypatch, texts):
    monkeypatch.setattr(core.text, "BATCH_MIN_CHARS", 0)  # the batch path even for a few characters
    assert rule_fold_many(texts) == [rule_fold(t) for t in texts]


def test_a_text_holding_the_separator_is_folded_alone():
    texts = ["a\uffffb", "\u00df"] * 5000
    assert rule_fold_many(texts) == [rule_fold(t) for t in texts]


def test_the_word_form_of_a_long_batch_equals_the_per_character_definition():
    folded = rule_fold_many(_corpus(3000, seed=7))
    joined = BATCH_SEPARATOR.join(folded)
    assert len(joined) >= BATCH_MIN_CHARS
    # word_text maps every character that is not a letter, mark, number or `_` by its Unicode category
    assert word_bytes(joined).split(BATCH_SEPARATOR.encode()) == [word_text(t).encode("utf-8") for t in folded]
    assert (
        word_bytes(joined.replace(BATCH_SEPARATOR, "\n")) == word_text(joined.replace(BATCH_SEPARATOR, "\n")).encode()
    )


def _one_pass_reference(texts: list[str]) -> tuple[list[str], list[bytes]]:
    folded = [rule_fold(t) for t in texts]
    return folded, [word_bytes(t) for t in folded]


def test_the_fold_and_the_word_form_in_one_pass_equal_the_per_text_forms():
    texts = _corpus(3000, seed=17)
    folded, words = match_texts_words(texts)
    want_folded, want_words = _one_pass_reference(texts)
    assert words is not None  # the batch pass ran, flagged texts (invisible, ß, beyond the BMP) included
    assert sum(core.text._rule_fold_quick().search(t) is not None for t in texts) > 500  # texts finished alone
    assert folded == want_folded
    assert words.split(BATCH_SEPARATOR.encode()) == want_words
    assert words == word_bytes(BATCH_SEPARATOR.join(want_folded))


@pytest.mark.parametrize("hard", HARD)
def test_one_pass_finishes_a_flagged_text_anywhere_in_the_batch(hard):
    """Each hard character at the start, inside and at the end of a batch (its stretch of the lookup replaced
    at the edges of the joined buffer too), beside full-width, `ß` and astral characters."""
    base = _corpus(400, seed=5)
    for texts in (
        [hard + "x", *base],
        [*base[:200], "\uff21" + hard + "\u00df", *base[200:]],
        [*base, "\U0001f600" + hard],
    ):
        folded, words = match_texts_words(texts)
        want_folded, want_words = _one_pass_reference(texts)
        assert folded == want_folded
        assert words is not None and words.split(BATCH_SEPARATOR.encode()) == want_words


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(st.sampled_from(HARD + list("aZ _\u0e01\u0e32\u0628\u0645.,")), max_size=12).map("".join)))
def test_any_small_batch_in_one_pass_gives_its_texts_forms(monkeypatch, texts):
    monkeypatch.setattr(core.text, "BATCH_MIN_CHARS", 0)  # the batch path even for a few characters
    folded, words = match_texts_words(texts)
    want_folded, want_words = _one_pass_reference(texts)
    assert folded == want_folded
    if words is not None:
        assert words.split(BATCH_SEPARATOR.encode()) == want_words


def test_one_pass_leaves_the_word_form_to_the_caller_where_the_batch_pass_does_not_run():
    for texts in (["short", "\u00df"], ["a\uffffb", "\u00df"] * 5000, ["ascii only " * 2000]):
        folded, words = match_texts_words(texts)
        assert folded == [rule_fold(t) for t in texts] and words is None
    texts = ["ascii, only!"] * 5000  # ASCII texts joined by U+FFFF: the batch pass
    assert match_texts_words(texts) == (texts, word_bytes(BATCH_SEPARATOR.join(texts)))


def _engine() -> Engine:
    patterns = [r"\bqua\b", r"\bfal\b", "\\b\u0628\u0645\\b", "\u0e01\u0e32", r"\bstrasse\b", r"\bfi\w+\b", r"\ba\b"]
    engine = Engine(rules_from(patterns), cosine_threshold=1.0)
    assert engine.skipped == []
    return engine


def test_one_buffer_scan_of_a_batch_equals_each_post_scanned_alone():
    engine = _engine()
    posts = _corpus(2000, seed=3)
    posts += ["a", "a\ufffd", "\uf8ff a", "qua\uffe8fal", "Stra\u00dfe", "\ufb01sh"]  # EF-led characters at edges
    together = engine.match(posts)
    alone = [engine.match([p])[0] for p in posts]
    assert [sorted(m) for m in together] == [sorted(m) for m in alone]
    assert sum(map(len, alone)) > 500
