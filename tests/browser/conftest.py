import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture
def browser_page(monkeypatch):
    """Debian's Chromium driven by Playwright (Playwright's own browser download is not possible here)."""
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the test's own ORM checks are plain
    # sync code between browser steps, so allow them.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page()
        page.set_default_timeout(15_000)
        # The Content-Security-Policy (issue 11) must not block anything a page does: every browser
        # test fails on a CSP violation the console reports.
        violations = []
        page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
        yield page
        assert not violations, violations
        # ORM calls made while Playwright's loop runs get their own connection; close it here,
        # or PostgreSQL cannot drop the test database at the end.
        from django.db import connections

        connections.close_all()
        browser.close()


def login_with_keyboard(page, base_url: str, username: str, password: str = "demo") -> None:
    page.goto(f"{base_url}/login/")
    page.keyboard.type(username)  # the username field has autofocus
    page.keyboard.press("Tab")
    page.keyboard.type(password)
    with page.expect_navigation():
        page.keyboard.press("Enter")
