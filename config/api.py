"""API plumbing shared by every app: the error shape, role permissions."""
from rest_framework import exceptions, permissions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


class ApiError(exceptions.APIException):
    """A refusal with a stable `code` (SPEC 8: `{"code": ..., "detail": ...}`)."""

    def __init__(self, code: str, detail: str, status_code: int = 400, errors: dict | None = None):
        super().__init__(detail=detail, code=code)
        self.status_code = status_code
        self.code = code
        self.errors = errors or {}


def exception_handler(exc, context):
    if isinstance(exc, ApiError):
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


class HasRole(permissions.BasePermission):
    """Only the named roles may use the endpoint; every other one is denied (SPEC 1)."""

    roles: tuple[str, ...] = ()

    def has_permission(self, request, view):
        user = request.user
        return bool(user and user.is_authenticated and user.role in self.roles)


def roles(*names: str) -> type[HasRole]:
    return type(f"Role_{'_'.join(names)}", (HasRole,), {"roles": names})
