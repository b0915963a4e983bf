"""DRF plumbing shared by every app: the error shape (SPEC 8)."""

from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import Refused


def exception_handler(exc, context):
    if isinstance(exc, Refused):
        body = {"code": exc.code, "detail": str(exc.detail)}
        if exc.errors:
            body["errors"] = exc.errors
        return Response(body, status=exc.status_code)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    if isinstance(exc, exceptions.ValidationError):
        response.data = {"code": "invalid", "detail": "Some fields are invalid.", "errors": data}
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
