"""Domain errors that the API turns into RFC 9457 problem details.

Each error carries a stable `type` slug: clients (and the SMS channel) branch on it, so it
never changes once published, while `detail` is free to improve.
"""

from __future__ import annotations

from typing import Any, ClassVar

PROBLEM_BASE = "https://mutua.coop/problems/"


class MutuaError(Exception):
    """Base of every error the service reports to a caller on purpose."""

    slug: ClassVar[str] = "error"
    title: ClassVar[str] = "Request failed"
    status: ClassVar[int] = 400

    def __init__(self, detail: str | None = None, **extra: Any) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.extra = extra

    @property
    def type(self) -> str:
        return PROBLEM_BASE + self.slug


class ValidationFailed(MutuaError):
    slug = "validation-failed"
    title = "The request is not valid"
    status = 422


class InvalidAmount(ValidationFailed):
    slug = "invalid-amount"
    title = "The amount is not valid"


class UnknownCurrency(ValidationFailed):
    slug = "unknown-currency"
    title = "The currency is not a known ISO 4217 code"

    def __init__(self, code: object) -> None:
        super().__init__(f"{code!r} is not a known ISO 4217 currency code")


class InvalidPeriod(ValidationFailed):
    slug = "invalid-period"
    title = "The month is not valid"


class NotFound(MutuaError):
    slug = "not-found"
    title = "Not found"
    status = 404


class Unauthorized(MutuaError):
    slug = "unauthorized"
    title = "Sign-in required"
    status = 401


class Forbidden(MutuaError):
    slug = "forbidden"
    title = "Not allowed"
    status = 403


class Conflict(MutuaError):
    slug = "conflict"
    title = "Conflict"
    status = 409


class RateLimited(MutuaError):
    slug = "rate-limited"
    title = "Too many requests"
    status = 429
