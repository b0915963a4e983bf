import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from core.handlers import wsgi_application  # noqa: E402  (after the settings module is named)

application = wsgi_application()  # Django's handler, token API requests on a lean chain (core/handlers.py)

from modelhooks.tasks import filter_worker_start_on_first_request  # noqa: E402  (needs apps loaded)

filter_worker_start_on_first_request()  # issue 13: each serving process polls for a newer filter index and flushes shadow hits
from core.security import secret_key_require  # noqa: E402  (needs settings)

secret_key_require()  # DEBUG off and no DJANGO_SECRET_KEY: refuse to start (issue 11)
