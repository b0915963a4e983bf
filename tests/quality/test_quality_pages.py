"""The HTMX pages for appeals, calibration, audits, quality charts and pay, driven through the Django client."""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from core.models import User
from quality.models import Payout
from quality.services.calibration import calibration_set_build
from quality.services.pay import contract_set, pay_run_execute
from quality.services.periods import month_previous, month_start
from tests.base import api_get, assert_api_error, gold_items, login_as, pool, ruled_case
from tests.factories import UserFactory
from verifier.models import Appeal

pytestmark = pytest.mark.django_db


def test_appeal_pages_take_an_appeal_from_filing_to_decision(client):
    shard, users, _ = pool()
    ruling = ruled_case(shard, users[0], "yes", now=timezone.now())
    login_as(client, users[0])
    page = client.get("/appeals/").content.decode()
    assert str(ruling.public_id) in page
    empty = client.post(f"/appeals/rulings/{ruling.public_id}/", {"reason": ""}, follow=True).content.decode()
    assert "say in a sentence why" in empty and not Appeal.objects.exists()
    client.post(f"/appeals/rulings/{ruling.public_id}/", {"reason": "I misread the count"})
    appeal = Appeal.objects.get()
    peers = [r.reviewer for r in appeal.reviews.all()]
    for peer in peers[:2]:
        login_as(client, peer)
        page = client.get("/appeals/").content.decode()
        assert ruling.case.post_text in page and "I misread" not in page  # blind
        client.post(f"/appeals/{appeal.public_id}/vote/", {"vote": "overturn"})
    appeal.refresh_from_db()
    assert appeal.outcome == "reversed"
    login_as(client, users[0])
    page = client.get("/appeals/").content.decode()
    assert "reversed" in page and "Take to tier 2" in page


def test_calibration_page_shows_the_set_and_records_answers(client):
    shard, users, _ = pool()
    gold_items("en-US", 50)
    cset = calibration_set_build(locale="en-US", month=timezone.now().date())
    login_as(client, users[0])
    page = client.get("/calibration/").content.decode()
    assert page.count('type="radio"') == 100
    data = {f"item_{i.pk}": "yes" for i in cset.items.all()}
    done = client.post(f"/calibration/{cset.public_id}/", data, follow=True).content.decode()
    assert "50 of 50" in done


def test_pay_page_runs_pay_shows_hold_and_releases_with_reason(client):
    admin = UserFactory(username="pay_admin2", role=User.Role.ADMIN)
    shard, users, _ = pool()
    month = month_previous(month_start(timezone.now()))
    contract_set(actor=admin, verifier=users[0], hourly_rate=Decimal("20"), starts_on=date(2020, 1, 1), reason="hired")
    login_as(client, admin)
    page = client.get(f"/pay/?month={month:%Y-%m}").content.decode()
    assert "No pay run for this month yet" in page and "vendor/chart.umd.js" in page
    not_closed = client.post(
        "/pay/run/", {"month": f"{month_start(timezone.now()):%Y-%m}"}, follow=True
    ).content.decode()
    assert "has not ended yet" in not_closed
    client.post("/pay/run/", {"month": f"{month:%Y-%m}"})
    client.post("/pay/run/", {"month": f"{month:%Y-%m}"})
    assert Payout.objects.count() == 1
    Payout.objects.update(held=True, amount=0, hold_reason="Calibration accuracy 80.0% is below 90%")
    payout = Payout.objects.get()
    page = client.get(f"/pay/?month={month:%Y-%m}").content.decode()
    assert "Calibration accuracy 80.0%" in page and 'id="pay-data"' in page
    client.post(f"/pay/payouts/{payout.pk}/release/", {"reason": "reviewed the gold set"})
    payout.refresh_from_db()
    assert not payout.held and payout.release_reason == "reviewed the gold set"
    csv = client.get(f"/pay/{month:%Y-%m}/payroll.csv")
    assert csv["Content-Type"] == "text/csv" and users[0].username in csv.content.decode()


def test_statement_page_is_the_verifiers_own_and_admins_see_any(client):
    admin = UserFactory(username="pay_admin3", role=User.Role.ADMIN)
    shard, users, _ = pool()
    month = month_previous(month_start(timezone.now()))
    contract_set(actor=admin, verifier=users[0], hourly_rate=Decimal("20"), starts_on=date(2020, 1, 1), reason="hired")
    pay_run_execute(month=month, actor=admin)
    login_as(client, users[0])
    assert "20.00 <bdi>USD</bdi>/hour" in client.get("/statement/").content.decode()
    assert client.get(f"/statement/{users[1].username}/").status_code == 404
    assert client.get("/pay/").status_code == 403
    login_as(client, admin)
    assert month.strftime("%B %Y") in client.get(f"/statement/{users[0].username}/").content.decode()


def test_quality_and_audit_pages_for_seniors_and_admins(client):
    shard, users, senior = pool()
    login_as(client, senior)
    page = client.get("/quality/").content.decode()
    assert 'id="quality-data"' in page and "chart-kappa" in page and "chart-pools" in page and "chart-drift" in page
    assert client.get("/audits/").status_code == 200
    login_as(client, users[0])
    assert client.get("/quality/").status_code == 403


def test_openapi_schema_lists_the_appeal_and_pay_endpoints(client):
    admin = UserFactory(username="schema_admin", role=User.Role.ADMIN)
    login_as(client, admin)
    schema = api_get(client, "/api/schema/").content.decode()
    for path in (
        "/api/v1/rulings/{ruling_id}/appeals/",
        "/api/v1/appeals/{appeal_id}/votes/",
        "/api/v1/calibration/{set_id}/answers/",
        "/api/v1/pay-runs/",
        "/api/v1/payouts/{payout_id}/release/",
    ):
        assert path in schema


def test_demo_loader_leaves_a_pay_month_with_a_hold_and_an_open_appeal(settings):
    from django.core.management import call_command

    settings.DEBUG = True
    call_command("load_demo")
    month = month_previous(month_start(timezone.now()))
    run, _ = pay_run_execute(month=month)
    held = {p.verifier.username for p in run.payouts.filter(held=True)}
    assert held == {"en_v4"}
    assert Appeal.objects.filter(status="open", tier=1).count() == 1


def test_quality_page_shows_gold_shortage_and_admin_closes_the_month(client):
    from quality.models import KappaScore

    admin = UserFactory(username="q_admin", role=User.Role.ADMIN)
    shard, users, _ = pool()
    gold_items("en-US", 10)
    login_as(client, admin)
    page = client.get("/quality/").content.decode()
    assert "10 / 50" in page and "short" in page
    month = month_previous(month_start(timezone.now()))
    ruled_case(shard, users[0], "yes", now=timezone.now())
    done = client.post("/quality/close/", {"month": f"{month:%Y-%m}"}, follow=True).content.decode()
    assert "drift reports rebuilt" in done
    assert not KappaScore.objects.exists()  # nobody had pairs last month


def test_seniors_and_verifiers_list_their_audit_and_rationale_work(api):
    shard, users, senior = pool()
    login_as(api, senior)
    assert api_get(api, "/api/v1/external-audit-items/").json() == []
    login_as(api, users[0])
    assert api_get(api, "/api/v1/rationales/").json() == []
    assert_api_error(api_get(api, "/api/v1/external-audit-items/"), "permission_denied", 403)


def test_admin_sees_every_open_appeal_with_its_reviewers(client):
    admin = UserFactory(username="appeal_admin", role=User.Role.ADMIN)
    shard, users, _ = pool()
    ruling = ruled_case(shard, users[0], "yes", now=timezone.now())
    from verifier.services.appeals import appeal_open

    appeal = appeal_open(user=users[0], ruling=ruling, reason="x")
    login_as(client, admin)
    page = client.get("/appeals/").content.decode()
    assert 'id="open-appeals"' in page
    for seat in appeal.reviews.all():
        assert f"{seat.reviewer.username} (waiting)" in page
