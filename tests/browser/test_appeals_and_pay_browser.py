"""Browser: an appeal from the verifier's ruling through tier 1 to a decision; the admin pay page."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from core.models import User
from quality.models import Payout
from quality.services.calibration import calibration_answers_submit, calibration_set_build
from quality.services.pay import contract_set
from quality.services.periods import month_bounds, month_previous, month_start
from tests.base import gold_items, pool, ruled_case
from tests.browser.conftest import login_with_keyboard
from tests.factories import UserFactory, make_cases
from verifier.models import Appeal

pytestmark = [pytest.mark.browser, pytest.mark.pg]


def log_in(page, base, username):
    """A person at their own browser profile: a fresh context per user, logged in by keyboard."""
    fresh = page.context.browser.new_context().new_page()
    fresh.set_default_timeout(15_000)
    login_with_keyboard(fresh, base, username)
    return fresh


def test_appeal_goes_from_verifier_through_tier_one_to_a_decision(asgi_server, browser_page):
    shard, users, _ = pool()
    make_cases(shard, 1, text="Over 100 people marched downtown")
    verifier = log_in(browser_page, asgi_server, users[0].username)
    verifier.goto(f"{asgi_server}/queue/")
    verifier.wait_for_selector("#case")
    verifier.wait_for_timeout(400)  # a person reads the case: a key within 300 ms of it is a double press
    verifier.keyboard.press("y")  # accept the correction
    verifier.wait_for_selector("text=Recorded.")

    verifier.get_by_role("link", name="Appeals").click()
    verifier.wait_for_selector(".appeal-form")
    verifier.get_by_label("Why is this ruling wrong?").fill("The photo shows 200 people; I misread it.")
    verifier.get_by_role("button", name="Appeal").click()
    verifier.wait_for_selector("text=Your appeal is at tier 1.")
    appeal = Appeal.objects.get()
    peers = [r.reviewer.username for r in appeal.reviews.select_related("reviewer")]
    assert len(peers) == 3

    for username in peers[:2]:
        peer = log_in(browser_page, asgi_server, username)
        peer.goto(f"{asgi_server}/appeals/")
        card = peer.locator(f'article.review[data-appeal="{appeal.public_id}"]')
        card.wait_for()
        assert "Over 100 people marched downtown" in card.inner_text()
        assert "I misread" not in peer.content()  # blind: the reason is not shown at tier 1
        card.get_by_role("button", name="Overturn it").focus()
        peer.keyboard.press("Enter")
        peer.wait_for_selector("text=Vote recorded.")
        peer.context.close()

    verifier.goto(f"{asgi_server}/appeals/")
    row = verifier.locator(f'#filed tr[data-appeal="{appeal.public_id}"]')
    assert row.locator(".appeal-status").inner_text() == "decided"
    assert "reversed" in row.locator(".appeal-outcome").inner_text()
    appeal.refresh_from_db()
    appeal.ruling.case.refresh_from_db()
    assert appeal.outcome == "reversed" and appeal.ruling.case.decision == "no"


def test_admin_runs_pay_sees_the_hold_and_releases_it(asgi_server, browser_page):
    admin = UserFactory(username="admin_b", role=User.Role.ADMIN)
    shard, users, _ = pool(subs=("urban", "rural"))
    last = month_previous(month_start(timezone.now()))
    start, _ = month_bounds(last)
    gold_items("en-US", 50)
    cset = calibration_set_build(locale="en-US", month=last)
    for i, (user, wrong) in enumerate(((users[0], 0), (users[1], 10))):
        contract_set(
            actor=admin, verifier=user, hourly_rate=Decimal("20.00"), starts_on=date(2020, 1, 1), reason="hired"
        )
        for k in range(3):
            ruled_case(shard, user, "yes", now=start + timedelta(days=2, hours=i, minutes=10 * k))
        items = list(cset.items.all())
        calibration_answers_submit(
            user=user,
            calibration_set=cset,
            now=start + timedelta(days=3),
            answers={it.pk: ("no" if n < wrong else "yes") for n, it in enumerate(items)},
        )

    page = log_in(browser_page, asgi_server, "admin_b")
    page.get_by_role("link", name="Pay").click()
    page.wait_for_selector("#run-pay")
    assert "No pay run for this month yet" in page.inner_text("#run-state")
    page.locator("#run-pay").focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("#payroll-csv")
    held_row = page.locator(f'#payouts tr[data-user="{users[1].username}"]')
    assert "80.0%" in held_row.locator(".hold-reason").inner_text()
    assert held_row.locator(".amount").inner_text().startswith("0.00")
    assert page.evaluate("() => !!document.getElementById('chart-payouts')._chart")

    page.locator("#run-pay").click()  # a second run pays nobody twice
    page.wait_for_selector("text=nothing was paid twice")
    assert Payout.objects.count() == 2

    held_row = page.locator(f'#payouts tr[data-user="{users[1].username}"]')
    held_row.get_by_label("Reason to release").fill("Gold items 3 and 7 were mislabelled")
    held_row.get_by_label("Reason to release").press("Enter")
    page.wait_for_selector(f"text=Payout of {users[1].username} released.")
    released = Payout.objects.get(verifier=users[1])
    assert not released.held and released.amount == released.base + released.bonus > 0
    assert "released by admin_b" in page.locator(f'#payouts tr[data-user="{users[1].username}"]').inner_text()

    with page.expect_download() as download:
        page.locator("#payroll-csv").click()
    text = open(download.value.path()).read()
    assert text.startswith("month,username") and users[1].username in text
