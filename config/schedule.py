"""Celery beat: what runs when (each task is idempotent, MH-7). `config/settings.py` imports it."""

from celery.schedules import crontab

BEAT_SCHEDULE = {
    "sla-flag-overdue": {"task": "verifier.tasks.flag_overdue_cases", "schedule": crontab(minute="*/15")},
    "pool-size-alerts": {"task": "shards.tasks.check_pool_sizes", "schedule": crontab(minute=0, hour=6)},
    "defer-overflow": {"task": "verifier.tasks.defer_capped_overflow", "schedule": crontab(minute="*/10")},
    # intake and training samples
    "training-batches": {"task": "shards.tasks.cut_training_batch", "schedule": crontab(minute=0, hour="*/4")},
    "reply-graph": {"task": "shards.tasks.rebuild_reply_graph", "schedule": crontab(minute=30)},
    "spectral-sweep": {
        "task": "shards.tasks.spectral_sweep",
        "schedule": crontab(minute=0, hour=3, day_of_month=1, month_of_year="1,4,7,10"),
    },
    "rare-locales": {"task": "verifier.tasks.classify_rare_locales", "schedule": crontab(minute=15, hour=5)},
    # model hooks and the risk DB
    "modelhooks-scoring-tick": {"task": "modelhooks.tasks.scoring_tick", "schedule": crontab(minute="*")},
    # MH-6: ocr_pending intake items whose OCR could not run (no Tesseract, a broker that was down) are retried
    "modelhooks-intake-ocr-retry": {"task": "modelhooks.tasks.intake_ocr_retry", "schedule": crontab(minute="*/15")},
    # MH-6: images OCR read are deleted; an item unread past INTAKE OCR_FAILED_RETENTION_DAYS becomes invalid
    "intake-images-purge": {"task": "shards.tasks.purge_intake_images", "schedule": crontab(minute=50)},
    "modelhooks-probes-grow": {"task": "modelhooks.tasks.probes_grow", "schedule": crontab(minute=40, hour=2)},
    "risk-nightly-rebuild": {"task": "risk_db.tasks.rules_index_rebuild", "schedule": crontab(minute=0, hour=2)},
    "risk-daily-feed": {"task": "risk_db.tasks.horizon_daily_feed", "schedule": crontab(minute=0, hour=5)},
    "risk-weekly-review": {
        "task": "risk_db.tasks.horizon_weekly_review",
        "schedule": crontab(minute=0, hour=6, day_of_week=1),
    },
    "risk-lifecycle": {"task": "risk_db.tasks.rules_lifecycle_evaluate", "schedule": crontab(minute=30)},
    # quality and pay (task names kept from when they lived in verifier.tasks)
    "monthly-calibration-sets": {
        "task": "verifier.tasks.build_calibration_sets",
        "schedule": crontab(minute=10, hour=0, day_of_month=1),
    },
    "monthly-blind-audit": {
        "task": "verifier.tasks.start_blind_audits",
        "schedule": crontab(minute=20, hour=0, day_of_month=1),
    },
    "monthly-kappa-and-audit-evaluation": {
        "task": "verifier.tasks.close_month_quality",
        "schedule": crontab(minute=30, hour=1, day_of_month=1),
    },
    "monthly-drift-report": {
        "task": "verifier.tasks.build_drift_reports",
        "schedule": crontab(minute=40, hour=1, day_of_month=1),
    },
    "monthly-pay-run": {
        "task": "verifier.tasks.monthly_pay_run",
        "schedule": crontab(minute=0, hour=3, day_of_month=1),
    },
    "quarterly-external-audit": {
        "task": "verifier.tasks.start_external_audits",
        "schedule": crontab(minute=0, hour=2, day_of_month=1, month_of_year="1,4,7,10"),
    },
    "daily-external-audit-evaluation": {
        "task": "verifier.tasks.evaluate_external_audits",
        "schedule": crontab(minute=30, hour=2),
    },
    "quarterly-rationale-campaign": {
        "task": "verifier.tasks.start_rationale_campaigns",
        "schedule": crontab(minute=0, hour=4, day_of_month=1, month_of_year="1,4,7,10"),
    },
}
