"""DRF plumbing shared by every app: the error shape (SPEC 8) and the checks every API body passes.

Every `/api/` answer that is an error has the shape `{"code", "detail", "errors"?}`, `errors` always
`{field: [messages]}` (nested fields as dotted paths, `answers.0.answer`). That holds for DRF's own
errors (`exception_handler`), for what Django answers before or around a view (`not_found`,
`server_error`, ... wired as `handler404`/`handler500` in `config.urls`) and for the body checks of
`ApiBodyMiddleware`: a body over `DATA_UPLOAD_MAX_MEMORY_SIZE` (413 `body_too_large`), a JSON body
that is not an object (400 `malformed_body`) and a string with a control character (400 `invalid`,
issue 11). A bulk view that answers each item on its own sets `text_checked_per_item = True` and checks
its items' strings itself (`core.text.control_character_reason`), so one bad item never fails the others.
"""

import logging
import sys

import orjson
from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import Refused
from core.text import control_character_reason

log = logging.getLogger(__name__)

API_PREFIX = "/api/"
# The database could not be reached, or no pooled connection came free within DB_POOL_TIMEOUT
# (psycopg_pool.PoolTimeout is an OperationalError, wrapped by Django): 503, not 500 (issue 12).
DATABASE_DOWN = (OperationalError, InterfaceError)
DATABASE_DOWN_DETAIL = (
    "The database is unreachable or has no free connection right now; nothing of this request was stored. "
    "Retry in a few seconds."
)
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


def field_errors(errors) -> dict[str, list[str]]:
    """The one field-error shape: `{field: [messages]}`; nested errors flattened to dotted paths."""
    if not errors:
        return {}
    if not isinstance(errors, dict):
        errors = {"non_field_errors": errors}
    out: dict[str, list[str]] = {}
    stack = [(str(k), v) for k, v in reversed(errors.items())]
    while stack:
        name, value = stack.pop()
        if isinstance(value, dict):
            stack.extend((f"{name}.{k}", v) for k, v in reversed(value.items()))
        elif isinstance(value, list | tuple) and not all(isinstance(v, str) for v in value):
            stack.extend((f"{name}.{i}", v) for i, v in reversed(list(enumerate(value))) if v)
        elif isinstance(value, list | tuple):
            out[name] = [str(v) for v in value]
        else:
            out[name] = [str(value)]
    return out


def control_characters_find(data) -> dict[str, list[str]]:
    """Every string (and key) in a parsed body that holds a control character, by dotted path."""
    errors: dict[str, list[str]] = {}
    stack = [("", data)]
    while stack:  # no recursion: a deeply nested body must not raise RecursionError
        path, value = stack.pop()
        if isinstance(value, str):
            reason = control_character_reason(value)
            if reason:
                errors[path or "body"] = [reason]
        elif isinstance(value, dict):
            for key, child in value.items():
                name = f"{path}.{key}" if path else str(key)
                reason = control_character_reason(str(key))
                if reason:
                    errors[ascii(name)] = [f"The field name: {reason}"]
                stack.append((name, child))
        elif isinstance(value, list):
            stack.extend((f"{path}.{i}" if path else str(i), v) for i, v in enumerate(value))
    return errors


def error_response(status: int, code: str, detail: str, errors: dict | None = None) -> JsonResponse:
    body = {"code": code, "detail": detail}
    if errors:
        body["errors"] = field_errors(errors)
    return JsonResponse(body, status=status)


def exception_handler(exc, context):
    if isinstance(exc, Refused):
        body = {**exc.extra, "code": exc.code, "detail": str(exc.detail)}
        errors = field_errors(exc.errors) or ({exc.field: [str(exc.detail)]} if exc.field else {})
        if errors:
            body["errors"] = errors
        return Response(body, status=exc.status_code)
    if isinstance(exc, RequestDataTooBig):
        return Response({"code": "body_too_large", "detail": str(exc)}, status=413)
    if isinstance(exc, DATABASE_DOWN):
        log.warning("database unavailable: %s", type(exc).__name__, exc_info=True)
        # The request's transaction (if any) rolled back: say so, and let a load balancer retry.
        return Response(
            {"code": "database_unavailable", "detail": DATABASE_DOWN_DETAIL}, status=503, headers={"Retry-After": "5"}
        )
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    if isinstance(exc, exceptions.ValidationError):
        response.data = {"code": "invalid", "detail": _("Some fields are invalid."), "errors": field_errors(data)}
    elif isinstance(exc, exceptions.ParseError):
        response.data = {"code": "malformed_json", "detail": str(exc.detail)}
    else:
        code = getattr(exc, "default_code", "error")
        if isinstance(exc, exceptions.APIException):
            codes = exc.get_codes()
            code = codes if isinstance(codes, str) else code
        detail = data.get("detail", data) if isinstance(data, dict) else data
        response.data = {"code": code, "detail": str(detail)}
    return response


# ---- the body checks -------------------------------------------------------------------------


def _is_json(content_type: str) -> bool:
    return content_type == "application/json" or content_type.endswith("+json")


_FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})
_KINDS = {type(None): "null", list: "an array", str: "a string", bool: "a boolean", int: "a number", float: "a number"}


def body_too_large(*, length: int, limit: int, more: bool = False) -> JsonResponse:
    return error_response(
        413,
        "body_too_large",
        (
            _(
                "The body is over %(length)s bytes; the limit is %(limit)s bytes a request. Send a bulk in smaller requests."
            )
            if more
            else _(
                "The body is %(length)s bytes; the limit is %(limit)s bytes a request. Send a bulk in smaller requests."
            )
        )
        % {"length": length, "limit": limit},
    )


class ApiBodyMiddleware:
    """Before any `/api/` view runs (and before it authorises, so the answer is the same to everyone):
    the size limit, the body is one JSON object, and no string in it holds a control character."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith(API_PREFIX):
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
            if limit is not None and not request.META.get("CONTENT_LENGTH") and request.method in _BODY_METHODS:
                # a chunked body has no Content-Length (Django checks only that): read at most one byte
                # past the limit, so a longer one is refused without being loaded (issue 11)
                body = request.read(limit + 1)
                request._body = body
                length = len(body)
            if limit is not None and length > limit:
                return body_too_large(length=length, limit=limit)
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not request.path.startswith(API_PREFIX) or request.method not in _BODY_METHODS:
            return None
        per_item = getattr(getattr(view_func, "cls", None), "text_checked_per_item", False)
        content_type = request.content_type or ""
        if content_type in _FORM_TYPES:  # DRF reuses the parsed request.POST
            fields = {k: v[0] if len(v := request.POST.getlist(k)) == 1 else v for k in request.POST}
            errors = {} if per_item else control_characters_find(fields)
            return error_response(400, "invalid", _("Some fields are invalid."), errors) if errors else None
        if per_item and not request.body.strip():
            # a bulk endpoint answers one result per item; no body has no item to answer for (issue 11)
            return error_response(
                400, "malformed_body", _('The body is empty: send one JSON object or {"items": [...]}.')
            )
        if not _is_json(content_type) or not request.body.strip():
            return None
        try:
            data = orjson.loads(request.body)
        except orjson.JSONDecodeError:
            return None  # the view's parser answers 400 malformed_json
        if not isinstance(data, dict):
            kind = _KINDS.get(type(data), "not an object")
            return error_response(
                400,
                "malformed_body",
                _('The body must be one JSON object (or {"items": [...]}), not %(kind)s.') % {"kind": kind},
            )
        if not per_item and (errors := control_characters_find(data)):
            return error_response(400, "invalid", _("Some fields are invalid."), errors)
        request._api_json = data  # parsed once: `JSONParser` hands it to the view
        return None


# ---- Django's own error views: JSON on /api/, the HTML pages elsewhere --------------------------


def bad_request(request, exception):
    if request.path.startswith(API_PREFIX):
        return error_response(400, "bad_request", _("The request could not be understood."))
    return defaults.bad_request(request, exception)


def permission_denied(request, exception):
    if request.path.startswith(API_PREFIX):
        return error_response(403, "permission_denied", _("You do not have permission to perform this action."))
    return defaults.permission_denied(request, exception)


def not_found(request, exception):
    if request.path.startswith(API_PREFIX):
        return error_response(404, "not_found", _("No API endpoint at %(path)s.") % {"path": request.path})
    return defaults.page_not_found(request, exception)


def server_error(request):
    if request.path.startswith(API_PREFIX):
        if isinstance(sys.exc_info()[1], DATABASE_DOWN):  # raised outside a DRF view (middleware, auth)
            response = error_response(503, "database_unavailable", DATABASE_DOWN_DETAIL)
            response["Retry-After"] = "5"
            return response
        return error_response(500, "server_error", _("Something went wrong on our side; it has been logged."))
    return defaults.server_error(request)
