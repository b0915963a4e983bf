"""Screenshots of the queue page in Thai and in Arabic, for notes and reviews (issue 14). Not a test.

Against a running demo (`make run`; the roster's passwords are `demo`):

    .venv/bin/python scripts/queue_screenshots.py http://127.0.0.1:8000 /tmp/queue

writes /tmp/queue-th.png (th_v1, waiting for a taboo case so the banner shows) and /tmp/queue-ar.png
(ar_v1), in Debian's Chromium. Skipping to reach a taboo case changes the demo database only.
"""

import sys

from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SHOTS = [("th", "th_v1", True), ("ar", "ar_v1", False)]  # language, demo user, wait for a taboo case


def shoot(base_url: str, prefix: str) -> None:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for language, username, want_taboo in SHOTS:
            page = browser.new_page(viewport={"width": 1100, "height": 760})
            page.set_default_timeout(20_000)
            page.goto(f"{base_url}/login/")
            page.keyboard.type(username)
            page.keyboard.press("Tab")
            page.keyboard.type("demo")
            with page.expect_navigation():
                page.keyboard.press("Enter")
            page.wait_for_selector("#case, #case-empty")
            for _ in range(12 if want_taboo else 0):  # skip (S) until a taboo case, to show its banner
                if page.locator(".banner-taboo").count() or not page.locator("#case").count():
                    break
                old = page.get_attribute("#case", "data-case-id")
                page.wait_for_timeout(400)  # past the page's double-press guard
                page.keyboard.press("s")
                page.wait_for_function(
                    "old => { const c = document.querySelector('#case');"
                    " return (c && c.dataset.caseId !== old) || document.querySelector('#case-empty'); }",
                    arg=old,
                )
            page.wait_for_timeout(800)  # fonts and the live counter settle
            assert page.get_attribute("html", "lang") == language, page.get_attribute("html", "lang")
            path = f"{prefix}-{language}.png"
            page.screenshot(path=path, full_page=True)
            print(path, page.get_attribute("html", "dir"))
            page.close()
        browser.close()


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    shoot(sys.argv[1], sys.argv[2])
