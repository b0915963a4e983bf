"""Browser flows of the risk DB, driven like a person: a verifier presses T on a case and nominates a
taboo; a senior approves it on the weekly review page with the keyboard."""

from datetime import timedelta

import pytest
from django.utils import timezone

from risk_db.models import TabooCandidate
from risk_db.services import taboo_nominate
from tests.base import build_world, handed_case
from tests.factories import make_cases

pytestmark = [pytest.mark.browser, pytest.mark.pg]


@pytest.fixture
def browser(monkeypatch):
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are still synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield b
        b.close()


def log_in(page, base, username):
    page.goto(f"{base}/login/")
    page.keyboard.type(username)  # the username field has autofocus
    page.keyboard.press("Tab")
    page.keyboard.type("demo")
    page.keyboard.press("Enter")
    page.wait_for_load_state("networkidle")


def test_verifier_presses_t_and_nominates_a_taboo_from_the_case(asgi_server, browser):
    world = build_world()
    make_cases(world.th, 1, text="a royaldog meme", at=timezone.now())
    page = browser.new_page()
    log_in(page, asgi_server, world.th_v[0].username)
    page.wait_for_selector("#btn-taboo")
    page.keyboard.press("t")
    page.wait_for_selector("#taboo-term:focus")
    page.keyboard.type("RoyalDog")
    page.keyboard.press("Tab")
    page.keyboard.type("meme mocking the king's dog")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_selector("#taboo-done")
    assert "in the daily feed" in page.inner_text("#taboo-done")
    candidate = TabooCandidate.objects.get()
    assert candidate.token == "royaldog" and candidate.nominations.get().context == "meme mocking the king's dog"


def test_senior_approves_a_candidate_on_the_review_page(asgi_server, browser):
    world = build_world()
    now = timezone.now()
    for user, shard, h in ((world.th_v[0], world.th, 2), (world.ar_v[0], world.ar, 1)):
        n = taboo_nominate(
            user=user, case=handed_case(user, shard, at=now), term="crowndog", context="", now=now - timedelta(hours=h)
        )
    page = browser.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(page, asgi_server, world.senior.username)
    page.goto(f"{asgi_server}/risk/review/")
    page.focus(f"#candidate-{n.candidate_id} input[name=pattern]")
    page.keyboard.press("Control+a")
    page.keyboard.type("[aeiou]")
    page.keyboard.press("Tab")
    page.keyboard.type("royal insult")
    page.keyboard.press("Enter")
    page.wait_for_selector(f"#candidate-{n.candidate_id}-error")
    assert "sample posts" in page.inner_text(f"#candidate-{n.candidate_id}-error")
    page.focus(f"#candidate-{n.candidate_id} input[name=pattern]")
    page.keyboard.press("Control+a")
    page.keyboard.type("crown ?dog")
    page.keyboard.press("Tab")
    page.keyboard.type("royal insult")
    page.keyboard.press("Enter")
    page.wait_for_selector(f"#candidate-{n.candidate_id} .flash")
    assert "Approved as rule" in page.inner_text(f"#candidate-{n.candidate_id} .flash")
    page.click(f"#candidate-{n.candidate_id} .flash a")
    page.wait_for_selector("#chart-hits")
    # The chart script loads after the canvas is in the DOM; wait for it rather than race it.
    # A function, not a bare expression: Playwright evaluates an expression string with eval when it
    # polls, and the page's Content-Security-Policy (no 'unsafe-eval') refuses that.
    page.wait_for_function(
        "() => typeof Chart === 'function' && Chart.getChart('chart-hits') !== undefined", polling=100
    )
    assert page.evaluate("typeof Chart") == "function"
    assert page.inner_text('[data-shard-state="th-TH"]') == "shadow"
    assert page.evaluate("Chart.getChart('chart-hits') !== undefined && Chart.getChart('chart-survey') !== undefined")
    assert errors == []
