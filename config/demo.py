"""Settings for `make run`: the demo, served like production (DEBUG off: friendly error pages,
no debug 404 listing every URL), with the demo roster allowed and an insecure key of its own.

Refused unless explicitly opted in (VERIFIER_OPS_DEMO=1, which `make run` sets): a deployment that
points DJANGO_SETTINGS_MODULE here by mistake does not start, and the roster (every password
`demo`) is never loaded by the production settings, whose DEBUG is off.
"""

import os

from django.core.exceptions import ImproperlyConfigured

if os.environ.get("VERIFIER_OPS_DEMO") != "1":
    raise ImproperlyConfigured(
        "config.demo is the local demo only: set VERIFIER_OPS_DEMO=1 to use it, never in production."
    )

DEMO_SECRET_KEY = "demo-only-insecure-key-not-for-production"
os.environ.setdefault("DJANGO_SECRET_KEY", DEMO_SECRET_KEY)  # settings may refuse to start without one

from config.settings import *  # noqa: E402,F403

DEBUG = False
SECRET_KEY = DEMO_SECRET_KEY
DEMO_ROSTER = True  # `load_demo` and `load_demo_risk` run with DEBUG off only here
