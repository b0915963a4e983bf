"""Issue 14 in Chromium, keys only: undo within and after its window (VQ-10), masked lexicon terms
revealed with R (VQ-11), and a double Y press that makes one ruling and shows no error."""

import pytest
from django.utils import timezone

from core.models import User
from shards.services.pools import membership_set
from tests.browser.conftest import login_with_keyboard
from tests.conftest import asgi_server_start, stop_process_group
from tests.factories import make_cases, shard_with_pool
from verifier.models import Ruling
from verifier.services.queue import NewCase, cases_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
UNDO_SECONDS = 3  # the server under test runs with a short window, so "after the window" is quick


@pytest.fixture
def short_undo_server(transactional_db, tmp_path):
    proc, url = asgi_server_start(tmp_path, VERIFIER_UNDO_SECONDS=str(UNDO_SECONDS))
    yield url
    stop_process_group(proc)


def _verifier(shard, username: str) -> User:
    user = User.objects.create_user(
        username=username, password="demo", role="verifier", sub_locale="x:y", ui_language="en"
    )
    membership_set(user=user, shard=shard, native=True)
    return user


def _shown(page) -> str:
    return page.get_attribute("#case", "data-case-id")


def _wait_for_other_case(page, old: str) -> str:
    page.wait_for_function(
        "old => { const c = document.querySelector('#case'); return c && c.dataset.caseId !== old; }",
        arg=old,
        polling=50,
    )
    return _shown(page)


def _ready(page) -> None:
    """The case is on screen and the key guard (a double press) has passed."""
    page.wait_for_selector("#case")
    page.wait_for_timeout(400)


def test_u_takes_back_the_last_ruling_within_the_window_and_is_refused_after_it(short_undo_server, browser_page):
    shard, _ = shard_with_pool("en-US")
    alice = _verifier(shard, "alice")
    make_cases(shard, 4)
    page = browser_page
    login_with_keyboard(page, short_undo_server, "alice")
    _ready(page)
    first = _shown(page)

    page.keyboard.press("y")
    second = _wait_for_other_case(page, first)
    page.wait_for_function("() => /Recorded/.test(document.querySelector('#case-slot').innerText)")
    page.keyboard.press("u")
    assert _wait_for_other_case(page, second) == first  # the ruled case is back on screen, the seat mine again
    assert "taken back" in page.inner_text("#case-slot")
    assert not Ruling.objects.filter(verifier=alice).exists()

    _ready(page)
    page.keyboard.press("n")
    after = _wait_for_other_case(page, first)
    page.wait_for_function("() => /Recorded/.test(document.querySelector('#case-slot').innerText)")
    page.wait_for_timeout((UNDO_SECONDS + 1) * 1000)
    page.keyboard.press("u")
    page.wait_for_function("() => /stands/.test(document.querySelector('#case-slot').innerText)")
    assert f"older than {UNDO_SECONDS} seconds" in page.inner_text("#case-slot")
    assert _shown(page) == after
    assert list(Ruling.objects.filter(verifier=alice).values_list("answer", flat=True)) == ["no"]


def test_r_reveals_the_lexicon_terms_masked_in_a_taboo_post(asgi_server, browser_page):
    shard, _ = shard_with_pool("th-TH", prefix="th")
    _verifier(shard, "somchai")
    cases_create(
        new_cases=[
            NewCase(
                shard=shard,
                kind="taboo",
                locale="th-TH",
                post_id="t1",
                post_text="ภาพ ในหลวง เสด็จ",
                at=timezone.now(),
                native_only=True,
                risk_tags=["TH-risks-lm:ในหลวง"],
                hard_block_locale="th-TH",
            )
        ]
    )
    page = browser_page
    login_with_keyboard(page, asgi_server, "somchai")
    _ready(page)
    post = page.locator("#case .post")
    assert "ในหลวง" not in post.inner_text() and "hidden term" in post.inner_text()
    assert "ภาพ" in post.inner_text()
    page.keyboard.press("r")
    page.wait_for_function("() => document.querySelector('#case .post').innerText.includes('ในหลวง')")
    assert page.locator("#case .masked").count() == 0


def test_pressing_y_twice_quickly_makes_one_ruling_and_shows_no_error(asgi_server, browser_page):
    shard, _ = shard_with_pool("en-US")
    alice = _verifier(shard, "alice")
    make_cases(shard, 4)
    page = browser_page
    console = []
    page.on("console", lambda m: console.append(m.text))
    login_with_keyboard(page, asgi_server, "alice")
    _ready(page)
    first = _shown(page)
    page.keyboard.press("y")
    page.keyboard.press("y")
    second = _wait_for_other_case(page, first)
    page.wait_for_function("() => /Recorded/.test(document.querySelector('#case-slot').innerText)")
    page.wait_for_timeout(500)
    assert Ruling.objects.filter(verifier=alice).count() == 1
    assert _shown(page) == second
    text = page.inner_text("#case-slot")
    assert "already" not in text.lower() and "error" not in text.lower()
    assert not [m for m in console if "error" in m.lower()], console  # (a missing favicon is not one)
