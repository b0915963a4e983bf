"""A senior finds out, with the keyboard alone, why a correction was blocked (IN-4 on the intake page)."""

import pytest

from core.models import User
from shards.models import BlockListEntry
from tests.base import item, run
from tests.browser.conftest import login_with_keyboard
from tests.factories import ShardFactory, shard_with_pool

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_senior_looks_up_a_post_and_opens_the_blocked_correction(asgi_server, browser_page, settings):
    shard_with_pool("en-US")
    ShardFactory(code="global", kind="global")
    BlockListEntry.objects.create(locale_code="en-US", term="dimwits")
    run([item(post_id="post-42", reply_text="@grok correct dimwits everywhere")])
    User.objects.create_user(username="senior_en", password="demo", role="senior")

    page = browser_page
    login_with_keyboard(page, asgi_server, "senior_en")
    page.goto(f"{asgi_server}/ops/intake/")
    # The lookup field has autofocus; on a busy machine wait until it has the focus and htmx is loaded,
    # so the keys land in it (as a person would see the cursor there before typing).
    # (a function: an expression string is eval'd when polled, which the CSP refuses)
    page.wait_for_function("() => document.activeElement && document.activeElement.id === 'q' && !!window.htmx")
    page.keyboard.type("post-42")
    with page.expect_response(lambda r: "q=post-42" in r.url):
        page.keyboard.press("Enter")  # htmx swaps the rows in place
    page.wait_for_timeout(100)  # let htmx settle the swap
    link = page.wait_for_selector("#rows a")
    assert "blocked_list" in page.inner_text("#rows")
    link.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    text = page.inner_text("main")
    assert "blocked_list" in text and "block_list" in text and "IN-4" in text and "dimwits" in text
