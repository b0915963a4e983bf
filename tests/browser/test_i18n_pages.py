"""VQ-9 in Chromium, keys only: the Thai UI, right to left in Arabic, and axe-core on the main pages
in English, Thai and Arabic (issue 14)."""

import json
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from core.models import User
from risk_db.services import taboo_nominate
from shards.services.pools import membership_set
from tests.browser.conftest import ARGS, CHROMIUM, login_with_keyboard
from tests.factories import UserFactory, make_cases, shard_with_pool
from verifier.models import Ruling
from verifier.services.queue import case_next
from verifier.services.rulings import ruling_record

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).resolve().parent / "vendor" / "axe" / "axe.min.js"  # axe-core 4.14.1 from npm
AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                     nodes: v.nodes.slice(0, 3).map(n => n.target.join(" "))}));
}"""


def press_and_wait_for_next(page, key: str) -> None:
    """Press one key on the case screen, as a person would (after reading it: a key within the page's
    key guard, 300 ms, of a case appearing is taken for a double press); wait until another case (or
    the empty screen) replaces it and the ruling is confirmed ("Recorded." in the UI's language)."""
    page.wait_for_selector("#case")
    page.wait_for_timeout(400)
    case_id = page.get_attribute("#case", "data-case-id")
    page.keyboard.press(key)
    page.wait_for_function(
        "old => { const c = document.querySelector('#case');"
        " return (c && c.dataset.caseId !== old) || document.querySelector('#case-empty'); }",
        arg=case_id,
        polling=100,
    )
    page.wait_for_selector("#case-slot > .flash:not(.error)")  # the ruling is confirmed


def _thai_verifier():
    shard, (user, *_) = shard_with_pool("th-TH", tz="Asia/Bangkok")
    user.ui_language = "th"
    user.set_password("demo")
    user.save()
    return shard, user


def test_th_verifier_rules_five_cases_in_the_thai_ui(asgi_server, browser_page):
    shard, user = _thai_verifier()
    make_cases(shard, 2, kind="taboo", native_only=True, text="ภาพในหลวงเสด็จเยือนเชียงใหม่")
    make_cases(shard, 3, text="ราคาข้าวหอมมะลิ 20,000 บาทต่อตัน")
    page = browser_page
    login_with_keyboard(page, asgi_server, user.username)
    page.wait_for_selector("#case")
    assert page.get_attribute("html", "lang") == "th"
    assert "ปุ่มลัด:" in page.inner_text(".keys")  # the key hints, in Thai
    seen = set()
    for _ in range(5):
        text = page.inner_text("#case")
        if page.locator(".banner-taboo").count():
            assert "ต้องห้าม: เนื้อหาอ่อนไหวทางวัฒนธรรม" in page.inner_text(".banner-taboo")
            assert "โพสต์นี้ไม่เหมาะสมหรือไม่" in text
            seen.add("taboo")
        else:
            assert "ยอมรับคำแก้ไขนี้หรือไม่" in text and "คำแก้ไขที่เสนอ" in text
            seen.add("correction")
        assert "ใช่ (Y)" in text and "ไม่ (N)" in text
        press_and_wait_for_next(page, "y")
    assert seen == {"taboo", "correction"}
    assert "ไม่มีงานให้ทำ" in page.inner_text("#case-empty")
    assert Ruling.objects.filter(verifier=user).count() == 5


def test_ar_verifier_sees_the_page_right_to_left_and_an_english_proposal_left_to_right(asgi_server, browser_page):
    shard, (user, *_) = shard_with_pool("ar-SA", tz="Asia/Riyadh")
    user.ui_language = "ar"
    user.set_password("demo")
    user.save()
    make_cases(shard, 1, text="درجة الحرارة في جدة اليوم 45 درجة")  # its proposal is English: "fixed 0"
    page = browser_page
    login_with_keyboard(page, asgi_server, user.username)
    page.wait_for_selector("#case")
    direction = "sel => getComputedStyle(document.querySelector(sel)).direction"
    assert page.evaluate(direction, "html") == "rtl"
    assert page.evaluate(direction, "#case .post") == "rtl"
    assert page.evaluate(direction, "#case .proposal") == "ltr"  # dir="auto" on Latin text inside the RTL page
    assert page.get_attribute("#case .proposal", "lang") == "en"
    assert "هل تقبل هذا التصحيح؟" in page.inner_text("#case")
    press_and_wait_for_next(page, "n")
    assert Ruling.objects.get(verifier=user).answer == "no"


def _axe_world():
    """A verifier with a case and an appealable ruling, a senior with a candidate in review, an admin."""
    shard, (verifier, peer, *_) = shard_with_pool("th-TH", tz="Asia/Bangkok")
    make_cases(shard, 3, text="ราคาข้าว 100 บาท")
    lease = case_next(user=verifier)
    ruling_record(user=verifier, case=lease.case, answer="yes")
    now = timezone.now()
    for i, who in enumerate((verifier, peer)):
        held = case_next(user=who)
        taboo_nominate(user=who, case=held.case, term="คำหยาบ", context="ในโพสต์", now=now + timedelta(minutes=i))
    senior = UserFactory(username="axe_senior", role=User.Role.SENIOR)
    membership_set(user=senior, shard=shard, native=True)
    admin = UserFactory(username="axe_admin", role=User.Role.ADMIN)
    for user in (verifier, senior, admin):
        user.set_password("demo")
        user.save()
    return {"verifier": verifier, "senior": senior, "admin": admin}


PAGES = [
    ("verifier", "/queue/", "#case"),
    ("verifier", "/appeals/", "#appeals"),
    ("senior", "/ops/", "table.grid"),
    ("senior", "/risk/review/", ".candidate"),
    ("admin", "/pay/", "#pay"),
]


def test_axe_finds_no_violation_on_the_main_pages_in_three_languages(asgi_server, monkeypatch):
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # ORM calls between browser steps, as in browser_page

    users = _axe_world()
    report: dict[str, list] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            for role, user in users.items():
                context = browser.new_context()
                context.add_init_script(path=str(AXE))  # injected by the test, not served by the app
                page = context.new_page()
                page.set_default_timeout(15_000)
                login_with_keyboard(page, asgi_server, user.username)
                for language in ("en", "th", "ar"):
                    User.objects.filter(pk=user.pk).update(ui_language=language)
                    for page_role, path, ready in PAGES:
                        if page_role != role:
                            continue
                        page.goto(asgi_server + path)
                        page.wait_for_selector(ready)
                        assert page.get_attribute("html", "lang") == language
                        report[f"{path} [{language}]"] = page.evaluate(AXE_RUN)
                context.close()
        finally:
            browser.close()
            from django.db import connections

            connections.close_all()
    (Path(__file__).resolve().parent.parent.parent / "bench" / "_work").mkdir(parents=True, exist_ok=True)
    (Path(__file__).resolve().parent.parent.parent / "bench" / "_work" / "axe.json").write_text(
        json.dumps(report, ensure_ascii=False, indent=1)
    )
    assert len(report) == len(PAGES) * 3
    assert {page: found for page, found in report.items() if found} == {}


def _tab_to(page, element_id: str, limit: int = 40) -> None:
    """Press Tab until `element_id` has the focus, as a keyboard user does (reading the focus only)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement && document.activeElement.id") == element_id:
            return
    raise AssertionError(f"#{element_id} is not reachable with Tab")


def _switch_with_keys(page) -> None:
    """The header's language switcher by keys: Tab to it, ArrowDown to the next language, Tab to its
    button, Enter; the page reloads in the chosen language."""
    _tab_to(page, "ui-language")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Tab")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_selector("#case-slot")


def test_verifier_switches_en_th_ar_by_keys_and_the_choice_survives_a_reload(asgi_server, browser_page):
    shard, (user, *_) = shard_with_pool("en-US")
    assert user.ui_language == "en"
    page = browser_page
    login_with_keyboard(page, asgi_server, user.username)
    page.wait_for_selector("#case-slot")
    assert (page.get_attribute("html", "lang"), page.get_attribute("html", "dir")) == ("en", "ltr")
    _switch_with_keys(page)
    assert (page.get_attribute("html", "lang"), page.get_attribute("html", "dir")) == ("th", "ltr")
    assert "ปุ่มลัด:" in page.inner_text(".keys")  # "Keys:"
    _switch_with_keys(page)
    assert (page.get_attribute("html", "lang"), page.get_attribute("html", "dir")) == ("ar", "rtl")
    assert page.evaluate("() => getComputedStyle(document.body).direction") == "rtl"
    user.refresh_from_db()
    assert user.ui_language == "ar"
    page.reload()
    page.wait_for_selector("#case-slot")
    assert (page.get_attribute("html", "lang"), page.get_attribute("html", "dir")) == ("ar", "rtl")
    assert page.input_value("#ui-language") == "ar"


HEADER_SECOND_ROW = """() => {
  const items = [...document.querySelector('header.top').children].filter(e => e.offsetParent !== null);
  const first = items[0].getBoundingClientRect();
  return items.filter(e => e.getBoundingClientRect().top >= first.bottom).map(e => e.tagName + '.' + e.className);
}"""


@pytest.mark.parametrize("role,language", [("verifier", "th"), ("admin", "th"), ("admin", "ar")])
def test_the_header_keeps_one_row_at_1100_px_in_thai_and_arabic(asgi_server, browser_page, role, language):
    """The page links wrap inside their own box; the name, the language switch and log-out stay on the row
    (they went to a second row at 1100 px in Thai before)."""
    user = UserFactory(username=f"{role}_{language}_hdr", role=role, ui_language=language)
    user.set_password("demo")
    user.save()
    browser_page.set_viewport_size({"width": 1100, "height": 800})
    login_with_keyboard(browser_page, asgi_server, user.username)
    assert browser_page.get_attribute("html", "lang") == language
    assert browser_page.locator("header.top nav a").count() >= 2
    assert browser_page.evaluate(HEADER_SECOND_ROW) == []
