"""Install another implementation of a model-hook kind for one test, through the one registry
(`settings.MODELHOOKS["HOOKS"]`, docs/hooks.md). pytest-django's `settings` fixture restores it."""


def hooks_install(settings, **paths: str) -> None:
    """hooks_install(settings, SENTIMENT="tests.risk_db.fake_hooks.LexiconSentiment", ...)"""
    settings.MODELHOOKS = {**settings.MODELHOOKS,
                           "HOOKS": {**settings.MODELHOOKS["HOOKS"], **{k.upper(): v for k, v in paths.items()}}}
