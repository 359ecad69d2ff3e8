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


class LedgerError(MutuaError):
    """Base of the ledger's refusals (`pools/ledger.py`); nothing was posted when one is raised."""

    slug = "ledger-error"
    title = "The ledger refused the transfer"


class InvalidTransfer(LedgerError, ValidationFailed):
    slug = "invalid-transfer"
    title = "The transfer is not valid"


class CurrencyMismatch(LedgerError, ValidationFailed):
    slug = "currency-mismatch"
    title = "The transfer and its accounts are not in the same currency"


class InsufficientFunds(LedgerError, ValidationFailed):
    slug = "insufficient-funds"
    title = "The account does not hold enough money"


class AccountNotFound(LedgerError, NotFound):
    slug = "account-not-found"
    title = "The ledger account does not exist"


class TransferNotFound(LedgerError, NotFound):
    slug = "transfer-not-found"
    title = "The transfer does not exist"


class TransferIdConflict(LedgerError, Conflict):
    slug = "transfer-id-conflict"
    title = "A different transfer was already posted with this id"


class AlreadyReversed(LedgerError, Conflict):
    slug = "already-reversed"
    title = "The transfer has already been reversed"
