from django.apps import AppConfig


class QualityConfig(AppConfig):
    name = "quality"
    verbose_name = "Quality and pay: calibration, kappa, audits, drift, rationales, pay"

    def ready(self):
        from quality import demo  # ready() runs once the app registry is loaded; models import here
        from quality.services import audits, calibration
        from verifier import extensions

        extensions.provide(
            case_is_blind_flip=audits.case_is_blind_flip,
            case_is_blind_flip_part=audits.case_is_blind_flip_part,
            verifier_kappa_latest=calibration.verifier_kappa_latest,
        )
        extensions.demo_loader_register(demo.load)
