from django.apps import AppConfig


class RiskDbConfig(AppConfig):
    name = "risk_db"
    verbose_name = "Risk rules"
