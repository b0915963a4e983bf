"""Calibration, audits and pay now belong to the quality app: drop them from verifier's state only.
Their tables keep their `verifier_` names and their rows; quality.0001 (which depends on this
migration, so verifier's migrations never name the app above it) takes them into its state.
No verifier model points at them, so the state is valid in between.

Models that others point at go last (items and answers before their sets, payouts before pay runs).
"""
from django.db import migrations

MOVED = [
    "CalibrationAnswer", "CalibrationItem", "CulturalNote", "CalibrationSet", "GoldItem", "KappaScore",
    "RetrainFlag", "BlindAuditItem", "BlindAudit", "ExternalAuditItem", "ExternalAudit", "DriftReport",
    "Rationale", "RationaleCampaign", "Contract", "Payout", "PayRun",
]


class Migration(migrations.Migration):

    dependencies = [
        ("verifier", "0003_appeals_calibration_audits_pay"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[migrations.DeleteModel(name=name) for name in MOVED],
        ),
    ]
