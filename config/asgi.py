"""ASGI entry: HTTP through Django, websockets (VQ-8 live updates) through Channels."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_asgi_app = get_asgi_application()

from core.security import secret_key_require  # noqa: E402  (needs settings)

secret_key_require()  # DEBUG off and no DJANGO_SECRET_KEY: refuse to start (issue 11)

from channels.auth import AuthMiddlewareStack  # noqa: E402  (needs apps loaded)
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from core.asgi_limits import ApiBodyLimit  # noqa: E402
from modelhooks.routing import websocket_urlpatterns as modelhooks_ws  # noqa: E402
from modelhooks.tasks import filter_worker_start_on_first_request  # noqa: E402
from verifier.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": ApiBodyLimit(django_asgi_app),  # the /api/ size limit, chunked bodies too (issue 11)
        "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns + modelhooks_ws))),
    }
)

filter_worker_start_on_first_request()  # issue 13: each serving process polls for a newer filter index and flushes shadow hits
