"""The domain's errors; the API maps each class to one HTTP status in one place."""

from typing import Any


class DomainError(Exception):
    """Base of every error a client can cause; ``code`` is a snake_case identifier."""

    code = "error"

    def __init__(self, detail: str, *, code: str | None = None, fields: list[dict[str, Any]] | None = None):
        super().__init__(detail)
        self.detail = detail
        if code is not None:
            self.code = code
        self.fields = fields


class BadRequest(DomainError):
    """Input that is not what it claims to be (a GTIN with a wrong check digit): 400."""

    code = "bad_request"


class NotFound(DomainError):
    code = "not_found"


class Unauthorized(DomainError):
    code = "unauthorized"


class Forbidden(DomainError):
    code = "forbidden"


class Conflict(DomainError):
    code = "conflict"


class TooLarge(DomainError):
    """More than the server takes in one request (events in a capture): 413."""

    code = "too_large"


class Unavailable(DomainError):
    """Not ready to answer yet, though nothing is wrong with the request (retry later): 503."""

    code = "unavailable"

    def __init__(self, detail: str, *, retry_after: int, code: str | None = None):
        super().__init__(detail, code=code)
        self.retry_after = retry_after


class RuleViolation(DomainError):
    """Input that is well formed but breaks a rule of the domain (mass, yield, geometry…)."""

    code = "rule_violation"
