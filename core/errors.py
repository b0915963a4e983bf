"""The one refusal type of every service and API view (SPEC 8: `{"code", "detail", "errors"}`).

A service raises `Refused` with a stable `code`, words a person understands, the HTTP status the API
answers with and, for bad input, the `field` it concerns (or `errors`, field -> messages). DRF views
may let it propagate: it is an `APIException`, and `core.api.exception_handler` renders its shape.
Pages catch it and show `detail`.
"""

from rest_framework.exceptions import APIException


class Refused(APIException):
    def __init__(
        self,
        code: str,
        detail: str,
        status: int = 400,
        errors: dict | None = None,
        *,
        field: str | None = None,
        extra: dict | None = None,
    ):
        super().__init__(detail=detail, code=code)
        self.code = code
        self.detail = detail
        self.status = self.status_code = status
        self.field = field
        self.errors = errors or ({field: [detail]} if field else {})  # one field-error shape
        self.extra = extra or {}  # more keys of the answer, e.g. the running export's id (SPEC 8: add freely)

    def __str__(self) -> str:
        return str(self.detail)
