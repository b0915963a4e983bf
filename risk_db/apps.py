from django.apps import AppConfig


class RiskDbConfig(AppConfig):
    name = "risk_db"
    verbose_name = "Risk rules"

    def ready(self):
        # Imported here, not at the top: these modules import models, which need the app registry ready.
        from risk_db import demo
        from risk_db.services import rules_matching_text
        from verifier import extensions

        extensions.provide(rules_matching_text=rules_matching_text)  # the queue asks through verifier.extensions
        extensions.demo_loader_register(demo.load_before_intake, before_intake=True)
