"""A refusal from a service: a stable code, words a person understands, the HTTP status the API uses."""


class Refused(Exception):
    def __init__(self, code: str, detail: str, status: int = 400, field: str | None = None):
        super().__init__(detail)
        self.code, self.detail, self.status, self.field = code, detail, status, field
