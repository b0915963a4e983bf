import pytest

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_pay_run_endpoints_404_for_a_month_without_a_run(api):
    api.force_authenticate(UserFactory(role="admin"))
    for url in ("/api/v1/pay-runs/2026-01/", "/api/v1/pay-runs/2026-01/payroll.csv"):
        r = api.get(url)
        assert r.status_code == 404 and r.json()["code"] == "not_found"
