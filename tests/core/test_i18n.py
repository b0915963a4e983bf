"""VQ-9 and issue 14: every screen in the user's language, with lang and dir; the pages around the loop."""

import ast
import re
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.template import engines
from django.templatetags.i18n import BlockTranslateNode, TranslateNode
from django.test import Client
from django.utils import translation

from core.models import User
from tests.factories import UserFactory, make_cases, shard_with_pool
from verifier.services.queue import case_next
from verifier.services.rulings import ruling_record

ROOT = Path(__file__).resolve().parent.parent.parent
LANGUAGES = ("th", "ar")
PLACEHOLDER = re.compile(r"%\([A-Za-z0-9_]+\)s|%%")

pytestmark = pytest.mark.django_db


def _catalogue(language: str) -> polib.POFile:
    return polib.pofile(str(ROOT / "locale" / language / "LC_MESSAGES" / "django.po"))


def _template_msgids() -> set[str]:
    """Every {% translate %} and {% blocktranslate %} msgid of every template, as Django compiles them."""
    engine = engines["django"].engine
    found: set[str] = set()
    for path in sorted((ROOT / "templates").rglob("*.html")):
        template = engine.from_string(path.read_text(encoding="utf-8"))
        for node_type in (TranslateNode, BlockTranslateNode):
            for node in template.nodelist.get_nodes_by_type(node_type):
                if isinstance(node, TranslateNode):
                    found.add(node.filter_expression.var.literal.replace("%", "%%"))  # as makemessages writes it
                else:
                    found.add(node.render_token_list(node.singular)[0])
    return found


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_template_string_has_a_translation(language):
    catalogue = {e.msgid: e for e in _catalogue(language) if not e.obsolete}
    msgids = _template_msgids()
    assert len(msgids) > 300  # the walk found the pages' strings, not nothing
    missing = sorted(m for m in msgids if m not in catalogue or not catalogue[m].translated())
    assert missing == [], f"{language}: run `manage.py makemessages -l {language}` and translate: {missing[:10]}"


APPS = ("core", "verifier", "shards", "training", "quality", "risk_db", "modelhooks", "config")
GETTEXT = {"_", "gettext", "gettext_lazy", "pgettext", "ngettext", "gettext_noop"}
# The refusals whose message argument (the API's `detail`, a field error) is shown to a user.
REFUSALS = {"Refused": 1, "TransitionRefused": 0, "EvidenceMissing": 0, "ValidationError": 0}


def _python_sources():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path, ast.parse(path.read_text(), str(path))


def _called(node: ast.Call) -> str | None:
    return getattr(node.func, "id", None) or getattr(node.func, "attr", None)


def _python_msgids() -> dict[str, str]:
    """Every literal msgid of a gettext call in the apps' Python code -> where it is first used."""
    found = {}
    for path, tree in _python_sources():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _called(node) in GETTEXT and node.args:
                first = node.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    found.setdefault(first.value, f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_python_string_has_a_translation(language):
    """Messages and API `detail` strings (issue 14): each gettext msgid in the code is translated."""
    catalogue = {e.msgid: e for e in _catalogue(language) if not e.obsolete}
    msgids = _python_msgids()
    assert len(msgids) > 150  # the walk found the code's strings, not nothing
    missing = sorted(
        f"{where}: {m}" for m, where in msgids.items() if m not in catalogue or not catalogue[m].translated()
    )
    assert missing == [], f"{language}: translate in locale/{language}/LC_MESSAGES/django.po: {missing[:10]}"


def test_no_refusal_message_is_a_plain_string():
    """A refusal's message is a gettext call (or a value built from one), never a literal or an f-string that
    no catalogue can translate: the API's `detail` follows the user's language (issue 14)."""
    plain, seen = [], 0
    for path, tree in _python_sources():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _called(node) in REFUSALS:
                position = REFUSALS[_called(node)]
                if len(node.args) <= position:
                    continue
                seen += 1
                message = node.args[position]
                literal = isinstance(message, ast.Constant | ast.JoinedStr) or (
                    isinstance(message, ast.BinOp) and isinstance(message.left, ast.Constant | ast.JoinedStr)
                )
                if literal:
                    plain.append(f"{path.relative_to(ROOT)}:{node.lineno}: {ast.unparse(message)[:80]}")
    assert seen > 100  # the walk found the refusals, not nothing
    assert plain == []


def test_a_service_accounts_refusal_follows_its_language():
    """Through the API with a real token: the filter's unknown-locale refusal in Thai for a Thai account, the
    same refusal in English for an account with no language set."""
    from core.tokens import token_create

    thai = UserFactory(username="filter_th", role=User.Role.FILTER, ui_language="th")
    plain = UserFactory(username="filter_en", role=User.Role.FILTER)
    answers = {}
    try:
        for user in (thai, plain):
            key, _expiry = token_create(user=user)
            response = Client().post(
                "/api/v1/filter/",
                {"text": "x", "locale": "xx-XX"},
                content_type="application/json",
                HTTP_AUTHORIZATION=f"Token {key}",
            )
            assert response.status_code == 400, response.content
            answers[user.username] = response.json()
    finally:
        translation.deactivate()  # the test client's thread is the test's: no Thai for the tests after it
    assert answers["filter_th"]["code"] == answers["filter_en"]["code"] == "unknown_locale"
    assert answers["filter_en"]["detail"] == "locale: no shard serves the locale 'xx-XX'."
    assert re.search("[\u0e00-\u0e7f]", answers["filter_th"]["detail"]), answers["filter_th"]
    assert "xx-XX" in answers["filter_th"]["detail"] and "locale" in answers["filter_th"]["errors"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalogue_has_no_empty_or_fuzzy_entry_and_keeps_placeholders(language):
    entries = [e for e in _catalogue(language) if not e.obsolete]
    assert [e.msgid for e in entries if not e.translated() or "fuzzy" in e.flags] == []
    for e in entries:
        for text in [e.msgstr] if not e.msgid_plural else e.msgstr_plural.values():
            assert sorted(PLACEHOLDER.findall(text)) == sorted(PLACEHOLDER.findall(e.msgid)), (language, e.msgid)


def _verifier(language: str = "") -> tuple[User, Client]:
    shard, (user, *_) = shard_with_pool("ar-SA" if language == "ar" else "th-TH")
    user.ui_language = language
    user.save()
    client = Client()
    client.force_login(user)
    return user, client


def test_html_carries_lang_and_dir_of_the_users_language():
    _, client = _verifier("ar")
    html = client.get("/queue/").content.decode()
    assert '<html lang="ar" dir="rtl">' in html
    assert "الحالات المحظورة اليوم" in html  # "Taboo cases today:" in Arabic
    _, thai = _verifier("th")
    assert '<html lang="th" dir="ltr">' in thai.get("/queue/").content.decode()


def test_switcher_saves_the_language_on_the_user_and_pages_follow_it():
    user, client = _verifier("")
    assert '<html lang="en" dir="ltr">' in client.get("/queue/").content.decode()
    response = client.post("/language/", {"language": "th", "next": "/queue/"})
    assert response.status_code == 302 and response.url == "/queue/"
    user.refresh_from_db()
    assert user.ui_language == "th"
    fresh = Client()  # a new session (no cookie): the user's setting still wins
    fresh.force_login(user)
    assert "เคสต้องห้ามวันนี้" in fresh.get("/queue/").content.decode()


def test_case_screen_and_refusals_are_in_the_verifiers_language():
    user, client = _verifier("th")
    make_cases(user.memberships.get().shard, 1, kind="taboo", native_only=True, text="ภาพ ในหลวง")
    case = client.get("/queue/next/").content.decode()
    assert "ต้องห้าม: เนื้อหาอ่อนไหวทางวัฒนธรรม" in case and "โพสต์นี้ไม่เหมาะสมหรือไม่" in case
    assert re.search(r'<blockquote class="post" lang="th-TH" dir="auto">', case)
    api = client.get("/api/v1/queue/next/").json()
    assert api["banner"].startswith("ต้องห้าม")
    public_id = re.search(r'data-case-id="([^"]+)"', case).group(1)
    bad = client.post(f"/api/v1/cases/{public_id}/ruling/", {"answer": "maybe"}, content_type="application/json")
    assert bad.status_code == 400 and bad.json()["code"] == "invalid"
    assert re.search("[\u0e00-\u0e7f]", bad.json()["detail"]), bad.json()  # the detail is in Thai


def test_english_proposal_in_an_arabic_case_is_tagged_english():
    user, client = _verifier("ar")
    make_cases(user.memberships.get().shard, 1, text="درجة الحرارة في جدة 45 درجة")  # proposal "fixed 0"
    case = client.get("/queue/next/").content.decode()
    assert '<blockquote class="proposal" lang="en" dir="auto">fixed 0</blockquote>' in case
    assert '<blockquote class="post" lang="ar-SA" dir="auto">' in case


def test_friendly_404_with_debug_off(settings):
    settings.DEBUG = False
    _, client = _verifier("th")
    page = client.get("/no-such-page/")
    assert page.status_code == 404
    html = page.content.decode()
    assert "ไม่พบหน้านี้" in html and "urlpatterns" not in html.lower() and "URLconf" not in html


def test_service_accounts_land_on_a_page_that_explains_their_api():
    for role, endpoint in (("intake", "/api/v1/corrections/"), ("trainer", "/api/v1/exports/")):
        client = Client()
        client.force_login(UserFactory(username=f"svc_{role}", role=role))
        landing = client.get("/")
        assert landing.url == "/service/"
        html = client.get("/service/").content.decode()
        assert endpoint in html and 'action="/logout/"' in html and "/api/schema/ui/" in html


def test_every_page_of_a_role_is_in_its_menu():
    menus = {
        "senior": ["/ops/", "/ops/intake/", "/ops/intake/alerts/", "/risk/review/", "/scoring/", "/appeals/"],
        "admin": ["/ops/", "/ops/intake/", "/ops/intake/alerts/", "/scoring/", "/pay/", "/quality/"],
        "verifier": ["/queue/", "/appeals/", "/calibration/", "/survey/", "/statement/"],
    }
    for role, hrefs in menus.items():
        client = Client()
        client.force_login(UserFactory(username=f"menu_{role}", role=role))
        start = client.get("/", follow=True).content.decode()
        nav = start[start.index('<nav class="subnav"') : start.index("</nav>")]
        for href in hrefs:
            assert f'href="{href}"' in nav, (role, href)
            assert client.get(href).status_code == 200, (role, href)


def test_appeals_list_only_rulings_inside_the_window_ten_a_page(settings):
    from datetime import timedelta

    from django.utils import timezone

    user, client = _verifier("")
    shard = user.memberships.get().shard
    now = timezone.now()
    make_cases(shard, 13, at=now - timedelta(hours=30))
    for i in range(13):  # one ruled 25 hours ago (outside the 24 h window), twelve just now
        lease = case_next(user=user, now=now)
        ruling_record(user=user, case=lease.case, answer="yes", now=now - timedelta(hours=25 if i == 0 else 0))
    first = client.get("/appeals/").content.decode()
    assert first.count('class="appeal-form card"') == settings.APPEALS["PAGE_SIZE"] == 10
    assert "Page 1 of 2" in first
    second = client.get("/appeals/?page=2").content.decode()
    assert second.count('class="appeal-form card"') == 2  # 12 inside the window, not 13


def test_demo_settings_are_refused_unless_opted_in():
    env = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "config.demo"}
    refused = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert refused.returncode != 0 and "VERIFIER_OPS_DEMO=1" in refused.stderr
    allowed = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; print(settings.DEBUG, settings.DEMO_ROSTER)",
        ],
        cwd=ROOT,
        env={**env, "VERIFIER_OPS_DEMO": "1"},
        capture_output=True,
        text=True,
    )
    assert allowed.stdout.strip() == "False True", allowed.stderr
