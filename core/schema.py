"""The OpenAPI document states every status an operation answers (issue 11), each error in the one
shape (SPEC 8, `core.api`): `{"code", "detail", "errors"?}` with `errors` always `{field: [messages]}`.

`ErrorShapeAutoSchema` adds to what each view documents for itself:
- 400 `invalid` / `malformed_json` / `malformed_body`: every operation (a bad body or query);
- 401 and 403: every operation that is not open to anyone (no or a bad token; a role or CSRF refusal);
- 404: every operation with a path parameter (or one the user may not see);
- 409: every POST, PUT, PATCH and DELETE (a state conflict; its `code` names it);
- 413 `body_too_large` and 415: every operation that takes a body;
- anything a view lists in `api_error_statuses` (the token endpoint: 429 `locked_out`).
"""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny

ErrorSerializer = inline_serializer(
    "Error",
    {
        "code": serializers.CharField(help_text="stable, one per failure (e.g. lease_expired)"),
        "detail": serializers.CharField(help_text="in words a person understands"),
        "errors": serializers.DictField(
            child=serializers.ListField(child=serializers.CharField()),
            required=False,
            help_text="field errors: {field: [messages]}, nested fields as dotted paths (answers.0.answer)",
        ),
    },
)

_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
_WRITE_METHODS = _BODY_METHODS | {"DELETE"}
_WORDS = {
    "400": "Bad input: the code names it, `errors` the fields.",
    "401": "No credentials, or a token that is wrong, expired or revoked.",
    "403": "Not for this role (or a missing CSRF token with session auth).",
    "404": "No such object, or one this user may not see.",
    "409": "The object's state forbids it now; the code says why.",
    "413": "The body is over the request size limit.",
    "415": "The body's content type is not accepted.",
    "429": "Too many requests: the code says which limit.",
}


class ErrorShapeAutoSchema(AutoSchema):
    def _error_statuses(self) -> set[str]:
        statuses = {"400"}
        open_to_all = all(isinstance(p, AllowAny) for p in self.view.get_permissions())
        if not open_to_all:
            statuses |= {"401", "403"}
        if "{" in self.path:
            statuses.add("404")
        if self.method in _WRITE_METHODS:
            statuses.add("409")
        if self.method in _BODY_METHODS:
            statuses |= {"413", "415"}
        statuses |= {str(s) for s in getattr(self.view, "api_error_statuses", ())}
        return statuses

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        for code in sorted(self._error_statuses()):
            if code not in responses or not responses[code].get("content"):
                response = self._get_response_for_code(ErrorSerializer, code, direction=direction)
                response["description"] = _WORDS.get(code, "An error.")
                responses[code] = response
        return responses
