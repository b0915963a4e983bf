"""Issue 11: the `/api/` body size limit under ASGI, whatever the client declares. Django checks the
limit against Content-Length only, and its ASGI handler reads a whole body (to a temporary file)
before any middleware runs; a chunked body has no Content-Length. This wrapper counts the body's
bytes as they arrive and stops reading one byte past `DATA_UPLOAD_MAX_MEMORY_SIZE`: 413
`body_too_large` in the API's error shape, and nothing past the limit is read or stored."""

from django.conf import settings

from core.api import API_PREFIX, body_too_large

_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


class ApiBodyLimit:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if (
            scope["type"] != "http"
            or limit is None
            or scope.get("method") not in _BODY_METHODS
            or not scope.get("path", "").startswith(API_PREFIX)
        ):
            return await self.app(scope, receive, send)
        size, over, started = 0, False, False

        async def counted_receive():
            nonlocal size, over
            if over:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                size += len(message.get("body", b""))
                if size > limit:
                    over = True  # Django's read_body stops at the disconnect and answers nothing
                    return {"type": "http.disconnect"}
            return message

        async def tracked_send(message):
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        await self.app(scope, counted_receive, tracked_send)
        if over and not started:
            response = body_too_large(length=limit, limit=limit, more=True)
            headers = [(b"content-type", b"application/json"), (b"content-length", str(len(response.content)).encode())]
            await send({"type": "http.response.start", "status": 413, "headers": headers})
            await send({"type": "http.response.body", "body": response.content})
